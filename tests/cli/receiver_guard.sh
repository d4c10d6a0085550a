#!/usr/bin/env bash
# A receiver never starts receivers. The receiver's environment carries
# ZC_BENCH_RECEIVER=1 (handed to the executor as a plain envp: Boost 1.74's
# environment lookup reads past entries, which AddressSanitizer reports);
# a process that has it refuses to start a receiver, so a ZC_BENCH_EXE that
# is not zc-bench stops at depth one.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# A stand-in receiver that records its environment and arguments.
cat >"$tmp/fake-receiver" <<SH
#!/bin/sh
env >"$tmp/receiver.env"
echo "\$@" >"$tmp/receiver.args"
exit 3
SH
chmod +x "$tmp/fake-receiver"
ZC_BENCH_EXE=$tmp/fake-receiver MARKER_FROM_PARENT=kept "$bin" run -s sendfile --sink tcp --size 1M \
  --reps 1 --warmup 0 --timeout 20 -q -o "$tmp/fake.json" --tmpdir "$tmp" 2>"$tmp/fake.err"
grep -qx "ZC_BENCH_RECEIVER=1" "$tmp/receiver.env" || { echo "FAIL: the receiver was not marked"; fail=1; }
grep -qx "MARKER_FROM_PARENT=kept" "$tmp/receiver.env" || { echo "FAIL: the parent's environment was not passed on"; fail=1; }
[ "$(grep -c '^ZC_BENCH_RECEIVER=' "$tmp/receiver.env")" -eq 1 ] || { echo "FAIL: marker set twice"; fail=1; }
grep -q "^sink --fd 3" "$tmp/receiver.args" || { echo "FAIL: receiver args: $(cat "$tmp/receiver.args")"; fail=1; }
python3 - "$tmp/fake.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["status"] == "error" and "exited with status 3" in r["reason"], r.get("reason")
PY

# Inside a receiver (the marker set), starting one is refused, with why.
ZC_BENCH_RECEIVER=1 "$bin" run -s sendfile --sink tcp --size 1M --reps 1 --warmup 0 -q \
  -o "$tmp/inner.json" --tmpdir "$tmp" 2>/dev/null
python3 - "$tmp/inner.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["status"] == "error" and "inside a receiver" in r["reason"], r.get("reason")
print("ok   inside a receiver:", r["reason"])
PY
[ $fail -eq 0 ] && echo ok
exit $fail
