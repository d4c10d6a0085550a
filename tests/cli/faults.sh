#!/usr/bin/env bash
# Faults inside a run: a receiver that dies in the first repetition only,
# and a strategy that outlives its deadline or a stop signal on sinks that
# have no receiver to kill. Each ends as a clear error in bounded time:
# never a crash, a hang or a leftover.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# 1. The receiver dies in the first measured repetition; later ones would
# succeed. Google Benchmark 1.7 crashed (SIGSEGV, exit 139) computing
# statistics over such a run; now the run is an error, the rest go on.
# (--no-interleave: the first receiver started is then read-write's.)
ZC_SINK_DIE_AFTER=65536 ZC_SINK_DIE_ONCE="$tmp/died" \
  "$bin" run -s read-write,sendfile --sink tcp --size 4M --reps 3 --warmup 0 -q --no-interleave \
  -o "$tmp/first.json" --tmpdir "$tmp" 2>"$tmp/err"
rc=$?
if [ $rc -ne 1 ]; then echo "FAIL first-repetition death: exit $rc (want 1)"; cat "$tmp/err"; fail=1; fi
python3 - "$tmp/first.json" <<'PY' || fail=1
import json, sys
runs = {r["strategy"]: r for r in json.load(open(sys.argv[1]))["runs"]}
rw, sf = runs["read-write"], runs["sendfile"]
assert rw["status"] == "error", rw["status"]
assert "signal 9" in rw["reason"], rw["reason"]
assert sf["status"] == "ok" and sf["verified"], (sf["status"], sf.get("reason"))
print("ok   first-repetition death:", rw["reason"])
PY

# 2. The deadline bounds a strategy on the null sink (no receiver whose
# death would wake it): 1-byte chunks of 64M take ~30 s here.
start=$(date +%s)
"$bin" run -s read-write --sink null --chunk 1 --size 64M --timeout 2 --reps 1 -q \
  -o "$tmp/deadline.json" --tmpdir "$tmp" 2>"$tmp/err"
rc=$? took=$(($(date +%s) - start))
if [ $rc -ne 1 ] || [ $took -gt 15 ]; then
  echo "FAIL deadline on null sink: exit $rc after ${took}s"; cat "$tmp/err"; fail=1
else
  grep -q deadline "$tmp/deadline.json" && echo "ok   deadline on null sink: ${took}s" ||
    { echo "FAIL: no deadline in the reason"; fail=1; }
fi

# 3. SIGTERM bounds it on the file sink too.
"$bin" run -s read-write --sink file --chunk 1 --size 64M --reps 1 -q \
  -o "$tmp/term.json" --tmpdir "$tmp" 2>"$tmp/err" &
pid=$!
sleep 1.5
kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
  echo "FAIL SIGTERM on file sink: still running 5 s later"; kill -9 $pid; fail=1
else
  wait $pid; rc=$?
  [ $rc -eq 130 ] && echo "ok   SIGTERM on file sink: exit 130" ||
    { echo "FAIL SIGTERM on file sink: exit $rc"; fail=1; }
fi
# 4. Results that cannot be written (a full disk) are kept elsewhere, and
# the user is told where; no empty .partial is left.
export TMPDIR="$tmp"
"$bin" run -s sendfile --sink null --size 1M --reps 1 -q -o /dev/full 2>"$tmp/err"
rc=$?
saved=$(ls "$tmp"/zc-bench-results-*.json 2>/dev/null | head -1)
if [ $rc -eq 1 ] && [ -n "$saved" ] && grep -q "saved to $saved" "$tmp/err"; then
  echo "ok   full output device: $(cat "$tmp/err")"
  rm -f "$saved"
else
  echo "FAIL full output device: exit $rc, saved '$saved'"; cat "$tmp/err"; fail=1
fi
unset TMPDIR

# 5. A file system too small for every source: the sizes that fit still run
# (sources are generated when first needed, a partial one removed).
if [ "$(id -u)" -eq 0 ] && mkdir -p "$tmp/small" && mount -t tmpfs -o size=20m tmpfs "$tmp/small"; then
  "$bin" run -s sendfile --sink null --size 8M,64M --reps 1 -q -o "$tmp/enospc.json" \
    --tmpdir "$tmp/small" 2>"$tmp/err"
  rc=$?
  python3 - "$tmp/enospc.json" <<'PY' || fail=1
import json, sys
st = {r["parameters"]["size"]: (r["status"], r.get("reason", "")) for r in json.load(open(sys.argv[1]))["runs"]}
assert st[8 << 20][0] == "ok", st
assert st[64 << 20][0] == "error" and "No space left" in st[64 << 20][1], st
print("ok   ENOSPC for one size:", st[64 << 20][1])
PY
  left=$(find "$tmp/small" -mindepth 1 | wc -l)
  [ "$left" -eq 0 ] || { echo "FAIL: $left files left on the small file system"; fail=1; }
  umount "$tmp/small"
else
  echo "skip ENOSPC: needs root to mount a small tmpfs"
fi

left=$(find "$tmp" -mindepth 1 -maxdepth 1 -name 'zc-bench.*' | wc -l)
[ "$left" -eq 0 ] || { echo "FAIL: $left temporary folders left"; fail=1; }
exit $fail
