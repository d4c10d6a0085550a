#!/usr/bin/env bash
# Ctrl-C mid-run: results so far are written marked incomplete, exit 130,
# and no temporary file or receiver process is left. Interleaved runs keep
# whole rounds: SIGINT 10 s into the default comparison at 64M (still
# running then: --reps 1000) leaves every run with the same number of
# repetitions, at least one, and says after how many rounds it stopped.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" run --size 64M --reps 1000 -o "$tmp/r.json" --tmpdir "$tmp" >/dev/null 2>"$tmp/err" &
pid=$!
sleep 10
kill -INT $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "FAIL: still running 10 s after SIGINT"; kill -9 $pid; exit 1; fi
wait $pid; rc=$?
[ $rc -eq 130 ] || { echo "FAIL: exit $rc, expected 130"; cat "$tmp/err"; exit 1; }
# Under the sanitizers a first round may take longer than 10 s: the counts
# must still be equal, but may be 0.
python3 - "$tmp/r.json" "${ZC_SANITIZED:-}" <<'PY' || exit 1
import json, re, sys
doc = json.load(open(sys.argv[1]))
assert doc["complete"] is False, "not marked incomplete"
m = re.match(r"interrupted after (\d+) rounds? ", doc.get("incomplete_reason", ""))
assert m, doc.get("incomplete_reason")
rounds = int(m.group(1))
measured = [r for r in doc["runs"] if r["status"] != "unsupported"]
assert measured and all(r["status"] == "interrupted" for r in measured), \
    [(r["name"], r["status"]) for r in measured]
counts = {r["name"]: sum(x["status"] == "ok" for x in r["repetitions"]) for r in measured}
assert len(set(counts.values())) == 1, f"runs kept different numbers of repetitions: {counts}"
n = next(iter(counts.values()))
assert n == rounds, (n, rounds)
assert n >= 1 or sys.argv[2], f"no round finished in 10 s: {counts}"
for r in measured:
    assert [x.get("round") for x in r["repetitions"]] == list(range(1, n + 1)), r["name"]
    assert r["reason"] == f"interrupted after {n} round{'s' if n != 1 else ''} of 1000", r["reason"]
    if n >= 1:
        assert r["metrics"]["throughput_bytes_per_s"]["available"], r["name"]
print(f"ok: {len(measured)} runs with {n} repetitions each; {doc['incomplete_reason']}")
PY
left=$(find "$tmp" -mindepth 1 -name 'zc-bench.*' | wc -l)
[ "$left" -eq 0 ] || { echo "FAIL: temporary folder left"; exit 1; }
if pgrep -f "$bin sink" >/dev/null; then echo "FAIL: receiver left running"; exit 1; fi
echo ok
