#!/usr/bin/env bash
# External strategies' protocol, apart from Java: the README's C example
# moves the bytes on every local sink, verified, with its start-up outside
# the timed region (the protocol's timestamps in order); a program that
# dies, says garbage, never says ready, fails or never says done ends in a
# bounded error naming what it did, and leaves no process behind; a broken
# description file is reported, not fatal.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
dir=${ZC_TEST_STRATEGY_DIR:-$(dirname "$bin")/tests/external}
[ -x "$dir/example-read-write" ] || { echo "SKIP: $dir/example-read-write not built"; exit 77; }
export ZC_STRATEGY_PATH=$dir

# 1. The example on each local sink: verified, its own syscall count kept.
for sink in tcp unix pipe file null; do
  "$bin" run -s example-read-write --sink "$sink" --size 2M --chunk 256K --reps 2 -q \
    -o "$tmp/$sink.json" --tmpdir "$tmp" 2>"$tmp/err"
  rc=$?
  python3 - "$tmp/$sink.json" "$sink" "$rc" <<'PY' || { fail=1; cat "$tmp/err"; }
import json, sys
path, sink, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = json.load(open(path))["runs"][0]
assert rc == 0 and run["status"] == "ok", (rc, run["status"], run.get("reason"))
assert run["verified"] or sink == "null", run
for rep in run["repetitions"]:
    ext = rep["external"]
    t = ext["timeline_ns"]
    region = ext["timed_region_ns"]
    # The program's start-up and set-up happened before the timed region,
    # which began before "go" and ended after "done".
    assert t["spawned"] <= t["gate_opened"] <= t["ready"] <= region["start"] <= t["go"], ext
    assert t["go"] <= t["done"] <= region["end"], ext
    assert abs(rep["values"]["wall_s"] - (region["end"] - region["start"]) * 1e-9) < 1e-6
    # 8 chunks of pread + write, then close and the done line's write.
    assert ext["reported_syscalls"] == 8 * 2 + 2, ext
    assert ext["exit"] == "exited with status 0", ext
    assert ext["usage"]["available"], ext["usage"]
for k in ("latency_p50_ns", "latency_p99_ns"):
    assert not run["metrics"][k]["available"], run["metrics"][k]
print("ok   example-read-write on", sink, "sink:", run["status"],
      "verified" if run["verified"] else "(null: unverifiable)")
PY
done

# 2. Programs that break the protocol. Each case: exit 1 within its bound,
# the run an error whose reason says what happened, no process left.
leftovers() { pgrep -f "sleep 61[1-4]|$dir/misbehave.sh" || true; }
check_case() {
  local mode=$1 want=$2 bound=$3 extra=${4:-}
  local start took rc
  start=$(date +%s)
  # shellcheck disable=SC2086
  ZC_MISBEHAVE=$mode timeout 120 "$bin" run -s misbehave --sink tcp --size 1M --reps 1 \
    --warmup 0 -q -o "$tmp/$mode.json" --tmpdir "$tmp" $extra 2>"$tmp/err"
  rc=$? took=$(($(date +%s) - start))
  local reason
  reason=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print(r["status"], r.get("reason",""))' \
    "$tmp/$mode.json" 2>/dev/null)
  local left
  left=$(leftovers)
  if [ $rc -ne 1 ] || [ "$took" -gt "$bound" ] || [[ "$reason" != error* ]] ||
    [[ "$reason" != *"$want"* ]] || [ -n "$left" ]; then
    echo "FAIL $mode: exit $rc after ${took}s (bound ${bound}s), reason: $reason, left: $left"
    cat "$tmp/err"
    fail=1
  else
    echo "ok   $mode: ${took}s: $reason"
  fi
}
check_case die-before-ready "exited with status 3 before it was ready" 20
check_case die-before-ready "misbehave: dying before ready" 20
check_case garbage "said 'hello there' instead of ready" 10
check_case silent "was not ready before its start-up timeout (3" 10
check_case error "failed while starting: the disk is on fire" 20
check_case die-after-go "killed by signal 9 before it was done" 20
check_case no-done "was not done before the repetition's deadline" 30 "--timeout 3"

# A helper the program started (in its process group) goes with it, even
# when the run succeeds.
ZC_MISBEHAVE=leave-child "$bin" run -s misbehave --sink tcp --size 1M --reps 1 --warmup 0 -q \
  -o "$tmp/leave.json" --tmpdir "$tmp" 2>"$tmp/err"
rc=$?
left=$(leftovers)
if [ $rc -ne 0 ] || [ -n "$left" ]; then
  echo "FAIL leave-child: exit $rc, left: $left"; cat "$tmp/err"; fail=1
else
  echo "ok   leave-child: the run succeeded and its helper is gone"
fi

# SIGINT while the program works: zc-bench stops, kills it, no leftover.
ZC_MISBEHAVE=no-done "$bin" run -s misbehave --sink tcp --size 1M --reps 1 --warmup 0 -q \
  --timeout 60 -o "$tmp/int.json" --tmpdir "$tmp" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do pgrep -f "sleep 614" >/dev/null && break; sleep 0.1; done
kill -INT $pid
start=$(date +%s)
wait $pid
rc=$? took=$(($(date +%s) - start))
left=$(leftovers)
if [ $rc -eq 0 ] || [ "$took" -gt 10 ] || [ -n "$left" ]; then
  echo "FAIL SIGINT: exit $rc after ${took}s, left: $left"; cat "$tmp/err"; fail=1
else
  echo "ok   SIGINT: exit $rc after ${took}s, nothing left"
fi

# 3. A broken description file is reported by list; the others still load.
mkdir -p "$tmp/strategies"
printf 'id = broken\ncommand = true\nledger = teleport page-cache\n' >"$tmp/strategies/broken.strategy"
ZC_STRATEGY_PATH="$tmp/strategies:$dir" "$bin" list >"$tmp/list" 2>&1
if grep -q "broken.strategy:3: ledger step 'teleport page-cache'" "$tmp/list" &&
  grep -q "^example-read-write" "$tmp/list" && grep -q "^sendfile" "$tmp/list"; then
  echo "ok   broken description: $(grep broken.strategy "$tmp/list" | head -1)"
else
  echo "FAIL broken description not reported or others not loaded"; cat "$tmp/list"; fail=1
fi
# And asking for it by name is a usage error, not a crash.
ZC_STRATEGY_PATH="$tmp/strategies" "$bin" run -s broken --size 1M -q -o "$tmp/b.json" \
  --tmpdir "$tmp" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ]; then echo "ok   unknown external id: $(head -1 "$tmp/err")"; else
  echo "FAIL run -s broken: exit $rc"; cat "$tmp/err"; fail=1
fi
exit $fail
