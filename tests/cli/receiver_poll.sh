#!/usr/bin/env bash
# --receiver-poll: the receiver polls an empty socket (non-blocking reads)
# for up to N microseconds before a read may sleep, which keeps loopback
# TCP in one of its two states (Tuning::receiver_poll_us). Checked here:
# the setting reaches the receiver process (it polls: poll_s > 0 on a
# socket, since its first read always finds the socket empty), 0 turns it
# off (no polling, no sleeping-read count), a pipe is read as before, every
# byte is still verified, and bad values are usage errors.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"

expect_usage_saying "--receiver-poll" run -s sendfile --sink tcp --receiver-poll -1 --size 1M -o "$tmp/x.json" --tmpdir "$tmp"
expect_usage_saying "--receiver-poll" run -s sendfile --sink tcp --receiver-poll lots --size 1M -o "$tmp/x.json" --tmpdir "$tmp"
expect_usage_saying "--receiver-poll" run -s sendfile --sink tcp --receiver-poll 2000000 --size 1M -o "$tmp/x.json" --tmpdir "$tmp"

for poll in default 0; do
  args=()
  [ "$poll" = default ] || args=(--receiver-poll "$poll")
  "$bin" run -s sendfile,read-write --sink tcp,unix,pipe --size 4M --reps 2 -q "${args[@]}" \
    -o "$tmp/$poll.json" --tmpdir "$tmp" 2>"$tmp/err" || { echo "FAIL: run ($poll)"; cat "$tmp/err"; exit 1; }
  python3 - "$tmp/$poll.json" "$poll" <<'PY' || fail=1
import json, sys
poll = sys.argv[2]
for r in json.load(open(sys.argv[1]))["runs"]:
    assert r["status"] == "ok" and r["verified"], (r["name"], r.get("reason"))
    tuning = r["parameters"]["tuning"]
    want = 50 if poll == "default" else int(poll)
    assert tuning["receiver_poll_us"] == want, (r["name"], tuning)
    socket = r["sink"] != "pipe"
    for rep in r["repetitions"]:
        rx = rep["receiver"]
        if want and socket:
            assert rx["poll_s"] > 0, (r["name"], rx)
        else:
            assert rx["poll_s"] == 0 and rx["sleeping_reads"] == 0, (r["name"], rx)
        assert rep["values"]["receiver_poll_s"] == rx["poll_s"], r["name"]
    print("ok  ", poll, r["name"], "poll_s", [rep["receiver"]["poll_s"] for rep in r["repetitions"]])
PY
done
# Where the receiver has no CPU of its own it sleeps at once: --pin none,
# the sender's CPU, and the receivers of --streams (which share one).
for args in "--pin none" "--pin sender:0,receiver:0" "--streams 2"; do
  "$bin" run -s sendfile --sink tcp --size 2M --reps 1 -q $args -o "$tmp/shared.json" \
    --tmpdir "$tmp" 2>"$tmp/err" || { echo "FAIL: run $args"; cat "$tmp/err"; fail=1; continue; }
  python3 - "$tmp/shared.json" "$args" <<'PY' || fail=1
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    assert r["status"] == "ok", r.get("reason")
    assert r["parameters"]["tuning"]["receiver_poll_us"] == 0, (sys.argv[2], r["parameters"]["tuning"])
    for rep in r["repetitions"]:
        assert rep["receiver"]["poll_s"] == 0, (sys.argv[2], rep["receiver"])
        assert rep["values"]["receiver_poll_s"] == 0, (sys.argv[2], rep["values"])
    print("ok  ", sys.argv[2] + ": the receiver sleeps at once")
PY
done
# --preset receive compares the receivers' own CPU: they sleep at once
# unless --receiver-poll is given.
for args in "" "--receiver-poll 20"; do
  "$bin" run --preset receive --size 1M --reps 1 -q $args -o "$tmp/rx.json" --tmpdir "$tmp" \
    2>"$tmp/err" || { echo "FAIL: --preset receive $args"; cat "$tmp/err"; fail=1; continue; }
  python3 - "$tmp/rx.json" "${args:-default}" <<'PY' || fail=1
import json, sys
want = 20 if "20" in sys.argv[2] else 0
for r in json.load(open(sys.argv[1]))["runs"]:
    assert r["parameters"]["tuning"]["receiver_poll_us"] == want, (sys.argv[2], r["name"])
print("ok   --preset receive (" + sys.argv[2] + "): receiver_poll_us", want)
PY
done
[ $fail -eq 0 ] && echo ok
exit $fail
