#!/usr/bin/env bash
# Ctrl-C mid-run: results so far are written marked incomplete, exit 130,
# and no temporary file or receiver process is left.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" run -s read-write,sendfile --size 64M --chunk 64K --reps 200 --warmup 0 \
  -o "$tmp/r.json" --tmpdir "$tmp" >/dev/null 2>"$tmp/err" &
pid=$!
sleep 2
kill -INT $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "FAIL: still running 10 s after SIGINT"; kill -9 $pid; exit 1; fi
wait $pid; rc=$?
[ $rc -eq 130 ] || { echo "FAIL: exit $rc, expected 130"; cat "$tmp/err"; exit 1; }
python3 - "$tmp/r.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["complete"] is False, "not marked incomplete"
assert any(r["status"] == "interrupted" for r in doc["runs"]), [r["status"] for r in doc["runs"]]
PY
left=$(find "$tmp" -mindepth 1 -name 'zc-bench.*' | wc -l)
[ "$left" -eq 0 ] || { echo "FAIL: temporary folder left"; exit 1; }
if pgrep -f "$bin sink" >/dev/null; then echo "FAIL: receiver left running"; exit 1; fi
echo ok
