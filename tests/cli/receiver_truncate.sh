#!/usr/bin/env bash
# --receiver truncate discards with recv(MSG_TRUNC), which only TCP honours:
# a unix stream socket copies into the buffer anyway (the receiver once
# wrote 1 MiB reads into a 4 KiB buffer and died of SIGSEGV). The run
# refuses that sink as bad usage; the receiver itself, handed a unix socket,
# reports an error instead of corrupting its memory; TCP (loopback, veth)
# still discards every byte.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"

expect_usage_saying "unix stream sockets ignore" run -s sendfile --sink unix --receiver truncate --size 1M -o "$tmp/x.json" --tmpdir "$tmp"
expect_usage_saying "unix stream sockets ignore" run -s sendfile --sink tcp,unix --receiver truncate --size 1M -o "$tmp/x.json" --tmpdir "$tmp"
expect_usage_saying "needs a TCP socket" run -s sendfile --sink pipe --receiver truncate --size 1M -o "$tmp/x.json" --tmpdir "$tmp"

# The receiver started by hand on a unix socket with bytes queued: an error
# in its report and exit 1, not a signal.
python3 - "$bin" <<'PY' || fail=1
import json, socket, subprocess, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
a.sendall(b"x" * 200_000)
a.close()
p = subprocess.run([sys.argv[1], "sink", "--fd", str(b.fileno()), "--receiver", "truncate",
                    "--buffer", "1M"], pass_fds=[b.fileno()], capture_output=True, timeout=30)
lines = p.stdout.decode().splitlines()
assert p.returncode == 1, (p.returncode, p.stderr.decode())
report = json.loads(lines[-1])
assert "needs a TCP socket" in report["error"], report
print("ok   receiver on a unix socket:", report["error"])
PY

sinks=tcp
[ "$(id -u)" -eq 0 ] && sinks=tcp,veth
"$bin" run -s sendfile,read-write --sink $sinks --receiver truncate --size 4M --reps 2 -q \
  -o "$tmp/ok.json" --tmpdir "$tmp" 2>"$tmp/ok.err" || { echo "FAIL: truncate run"; cat "$tmp/ok.err"; exit 1; }
python3 - "$tmp/ok.json" <<'PY' || fail=1
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    assert r["status"] == "ok", (r["name"], r.get("reason"))
    assert not r["verified"] and "MSG_TRUNC" in r["unverified_reason"], r["name"]
    for rep in r["repetitions"]:
        assert rep["receiver"]["bytes"] == 4 << 20, (r["name"], rep["receiver"])
    print("ok  ", r["name"], "discarded", 4 << 20, "bytes per repetition")
PY
[ $fail -eq 0 ] && echo ok
exit $fail
