#!/usr/bin/env bash
# A sweep is the product of its lists and ranges: 2 sizes x 3 chunks = 6 runs
# per strategy, sizes outermost (every strategy of a size meets the same
# page-cache state), each parameter set once.
set -eu
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" run -s read-write,sendfile --size 1M,2M --chunk 64K..256K --sink null --reps 1 --warmup 0 \
  -q -o "$tmp/r.json" --tmpdir "$tmp"
python3 - "$tmp/r.json" <<'PY'
import json, sys
from collections import Counter
runs = json.load(open(sys.argv[1]))["runs"]
per_strategy = Counter(r["strategy"] for r in runs)
assert per_strategy == {"read-write": 6, "sendfile": 6}, per_strategy
for s in per_strategy:
    sets = {(r["parameters"]["size"], r["parameters"]["chunk"]) for r in runs if r["strategy"] == s}
    assert sets == {(z << 20, c << 10) for z in (1, 2) for c in (64, 128, 256)}, sets
sizes = [r["parameters"]["size"] for r in runs]
assert sizes == sorted(sizes), "sizes are not outermost"
assert len({r["name"] for r in runs}) == len(runs), "duplicate run names"
assert all(r["status"] == "ok" for r in runs)
print("ok:", dict(per_strategy))
PY
# A queue-depth list: one run per depth, each with its own name (--qd is
# io_uring's: with sendfile alone it is refused, tests/cli/options.sh).
"$bin" run -s io-uring --size 1M --chunk 256K --qd 4,8,16 --sink null --reps 1 --warmup 0 \
  -q -o "$tmp/qd.json" --tmpdir "$tmp"
python3 - "$tmp/qd.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert sorted(r["parameters"]["queue_depth"] for r in runs) == [4, 8, 16], runs
names = [r["name"] for r in runs]
assert len(set(names)) == 3, names
# io_uring may be unsupported here (a result with its reason, not a failure).
assert all(r["status"] == "unsupported" or
           (r["status"] == "ok" and "median" in r["metrics"]["wall_s"]) for r in runs), runs
print("ok:", names)
PY
