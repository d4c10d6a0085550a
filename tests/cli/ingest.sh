#!/usr/bin/env bash
# The ingest workload and --streams from the command line (the broker's:
# broker.sh):
# bad values of their options are one line and exit 2; small runs print
# their tables and write verified runs; nothing is left behind.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"
expect_usage_saying "--sink"      run --workload ingest --sink pipe
expect_usage_saying "--sink"      run --workload ingest --sink file
expect_usage_saying "--sink"      run --workload ingest --sink carrier-pigeon
expect_usage_saying "--streams"   run --workload ingest --streams 0
expect_usage_saying "--streams"   run --workload ingest --streams 65
expect_usage_saying "--streams"   run --workload ingest --streams two
expect_usage_saying "--streams"   run --workload ingest --streams 2,2
expect_usage_saying "--streams"   run -s read-write --sink null --streams 2
expect_usage_saying "--streams"   run -s read-write --streams 0
expect_usage_saying "--record"    run --workload ingest --size 1M --record 2M
expect_usage_saying "--record"    run --workload ingest --record 0
expect_usage_saying "--sync"      run --workload ingest --sync sometimes
expect_usage_saying "--qd"        run --workload ingest --qd 0
expect_usage_saying "--cache"     run --workload ingest --cache cold
expect_usage_saying "--strategy"  run --workload ingest -s read-write
[ $fail -eq 0 ] || exit 1

# The peers are not commands for users.
"$bin" --help | grep -qE '^ *(produce|consume)' && { echo "produce/consume listed in --help"; exit 1; }

"$bin" run --workload ingest -s all --sink tcp,unix --sync none,every:16 --size 2M --record 64K \
  --reps 1 --warmup 1 --tmpdir "$tmp" -o "$tmp/i.json" >"$tmp/table" 2>"$tmp/err" || {
  echo "ingest run failed"; cat "$tmp/err" "$tmp/table"; exit 1; }
grep -q '^Ingest: producer -> socket -> log' "$tmp/table" || { echo "no ingest table"; cat "$tmp/table"; exit 1; }
# The ingest table and its legend fit 80 columns (the rankings below are
# the report's, laid out by it).
awk '/^Ingest:/ { on = 1 } on && length > 80 { print "wider than 80: " $0; bad = 1 }
     /^model check:/ { on = 0 } END { exit bad }' "$tmp/table" || exit 1
python3 - "$tmp/i.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
runs = doc["runs"]
assert len(runs) == 16, len(runs)
names = {r["name"] for r in runs}
assert len(names) == 16, "run names must differ by every parameter"
for r in runs:
    assert r["workload"] == "ingest", r["name"]
    assert r["status"] == "ok", (r["name"], r.get("reason"))
    assert r["verified"] is True, r["name"]
    for key in ("throughput_bytes_per_s", "syscalls_per_record", "producer_cpu_ns_per_byte"):
        assert r["metrics"][key]["available"] is True, (r["name"], key)
    assert r["parameters"]["sync"] in ("none", "every:16")
    assert "model_check" in r and "copy_verdict" in r, r["name"]
PY

"$bin" run --workload ingest -s recv-write --sink unix --streams 1,2 --size 1M --record 64K \
  --reps 1 --warmup 0 --tmpdir "$tmp" -o "$tmp/s.json" >"$tmp/table" 2>"$tmp/err" || {
  echo "streams run failed"; cat "$tmp/err" "$tmp/table"; exit 1; }
grep -q '^streams: aggregate and per-stream throughput' "$tmp/table" || {
  echo "no streams table"; cat "$tmp/table"; exit 1; }
grep -q 'cores' "$tmp/table" || { echo "the core count is not said"; exit 1; }

# Per-chunk figures of a --streams run are the streams' mean, not their
# sum; the transfer table names the stream count.
"$bin" run -s sendfile --sink tcp --streams 1,2 --size 2M --reps 1 --warmup 0 --tmpdir "$tmp" \
  -o "$tmp/t.json" >"$tmp/table" 2>"$tmp/err" || {
  echo "transfer streams run failed"; cat "$tmp/err" "$tmp/table"; exit 1; }
grep -qE '^strategy +streams ' "$tmp/table" || { echo "no streams column"; cat "$tmp/table"; exit 1; }
python3 - "$tmp/t.json" <<'PY' || exit 1
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    assert r["status"] == "ok", (r["name"], r.get("reason"))
    per = r["metrics"]["syscalls_per_chunk"]["median"]
    assert per < 1.5, (r["name"], "sendfile's syscalls per chunk summed over streams", per)
PY

# The ingest table takes --columns and fits a narrow terminal.
COLUMNS=60 "$bin" run --workload ingest -s recv-write,splice-ingest --sink unix --size 1M \
  --record 64K --reps 1 --warmup 0 --tmpdir "$tmp" -o "$tmp/n.json" >"$tmp/table" 2>"$tmp/err" || {
  echo "narrow ingest run failed"; cat "$tmp/err" "$tmp/table"; exit 1; }
awk '/^Ingest:/ { on = 1 } on && length > 60 { print "wider than 60: " $0; bad = 1 }
     /^model check:/ { on = 0 } END { exit bad }' "$tmp/table" || exit 1
grep -q 'more columns: --columns' "$tmp/table" || { echo "hidden columns not said"; cat "$tmp/table"; exit 1; }
"$bin" run --workload ingest -s recv-write --sink unix --size 1M --record 64K --reps 1 --warmup 0 \
  --columns mbps,p99,producer,check --tmpdir "$tmp" -o "$tmp/c.json" >"$tmp/table" 2>"$tmp/err" || {
  echo "ingest --columns failed"; cat "$tmp/err"; exit 1; }
grep -qE '^strategy +MB/s +p99 us +prod ns/B +check' "$tmp/table" || {
  echo "ingest --columns not followed"; cat "$tmp/table"; exit 1; }

# The two documents validate against the schema (where python3-jsonschema is).
if python3 -c 'import jsonschema' 2>/dev/null; then
  python3 - "$2/harness/report/schema/zc-bench-1.schema.json" "$tmp/i.json" "$tmp/s.json" <<'PY' || exit 1
import json, sys
import jsonschema
v = jsonschema.Draft7Validator(json.load(open(sys.argv[1])))
bad = 0
for path in sys.argv[2:]:
    for e in list(v.iter_errors(json.load(open(path))))[:5]:
        print(f"FAIL {path}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"); bad = 1
sys.exit(bad)
PY
fi

left=$(find "$tmp" -mindepth 1 -name 'zc-bench.*' | wc -l)
[ "$left" -eq 0 ] || { echo "left temporary folders: $left"; exit 1; }
echo ok
