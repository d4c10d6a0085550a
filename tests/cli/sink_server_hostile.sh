#!/usr/bin/env bash
# `zc-bench sink --listen` against scripted hostile peers on 127.0.0.1:
#  - silent connections without a token take no session slot: with 40 of
#    them open, an authenticated run still gets in at once;
#  - a peer that trickles a byte at a time after its hello is cut off at the
#    session's time limit (idle timeout + size at 20 MiB/s), not kept forever;
#  - a peer's text reaches the log only escaped and bounded (no forged line,
#    no terminal escape codes);
#  - a hello field of the wrong JSON type is refused with a reason sent back;
# and afterwards the server still serves real runs, verified.
set -u
# The heredocs import the framing from tests/cli/remote_frames.py.
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
bin=$1
tmp=$(mktemp -d)
servers=()
cleanup() {
  for p in "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_server NAME [args...]: sets $port. Port 0: the kernel picks a free
# one; the server logs which.
start_server() {
  local name=$1; shift
  "$bin" sink --listen 127.0.0.1:0 --token s3cret --max-sessions 4 "$@" 2>"$tmp/$name.log" &
  servers+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$name.log")
    [ -n "$port" ] && return
    sleep 0.1
  done
  echo "FAIL: server $name did not start"; cat "$tmp/$name.log"; exit 1
}

real_run() {  # real_run OUT [args...]
  local out=$1; shift
  "$bin" run -s sendfile,read-write --sink remote:127.0.0.1:$port --token s3cret --size 2M \
    --reps 2 --warmup 1 -q -o "$out" --tmpdir "$tmp" "$@" 2>"$out.err"
}
check_verified() {
  python3 - "$1" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
bad = [(r["name"], r["status"], r.get("reason")) for r in runs if r["status"] != "ok" or not r["verified"]]
assert len(runs) == 2 and not bad, bad
PY
}

# (a) 40 silent connections, then a real run while they are all still open
# (the idle timeout, 30 s, would let each hold a slot that long).
start_server crowded --idle-timeout 30
python3 - "$port" "$bin" "$tmp" <<'PY' || { echo "FAIL: silent connections"; cat "$tmp/hostile.log"; exit 1; }
import json, socket, struct, subprocess, sys, time
port, bin, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
silent = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(40)]
time.sleep(0.5)
out = f"{tmp}/crowded.json"
p = subprocess.run([bin, "run", "-s", "sendfile", "--sink", f"remote:127.0.0.1:{port}",
                    "--token", "s3cret", "--size", "2M", "--reps", "2", "-q", "-o", out,
                    "--tmpdir", tmp], capture_output=True, timeout=120)
runs = json.load(open(out))["runs"]
assert p.returncode == 0 and runs[0]["status"] == "ok" and runs[0]["verified"], \
    (p.returncode, runs[0].get("reason"), p.stderr.decode()[-300:])
# The oldest silent ones were told why they were dropped.
told = 0
for s in silent:
    s.settimeout(0.2)
    try:
        data = s.recv(4096)
        if len(data) > 4 and b"waiting to send a hello" in data: told += 1
    except (socket.timeout, ConnectionError):
        pass
    s.close()
assert told > 0, "no dropped connection was told why"
print(f"ok   a run got in past 40 silent connections; {told} dropped ones were told why")
PY

# The rest against a server with a short idle timeout (2 s): the session
# limit for 1 MiB is then 2.05 s.
start_server hostile --idle-timeout 2
python3 - "$port" <<'PY' || { echo "FAIL: hostile peers"; cat "$tmp/hostile.log"; exit 1; }
import json, socket, struct, sys, time
port = int(sys.argv[1])

from remote_frames import frame

def messages(s, limit_s):
    s.settimeout(limit_s)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
    out = []
    while len(data) >= 4:
        n = struct.unpack(">I", data[:4])[0]
        out.append(json.loads(data[4:4 + n])); data = data[4 + n:]
    return out

def hello(**over):
    h = {"type": "hello", "protocol": "zc-bench-remote/1", "token": "s3cret", "size": 1 << 20,
         "receiver": "recv", "buffer": 65536, "run": "hostile"}
    h.update(over)
    return {k: v for k, v in h.items() if v is not None}

# (d) Wrongly typed fields: each refused with the field named.
for key, value in [("size", "1048576"), ("receiver", 7), ("buffer", "64K"), ("protocol", 1),
                   ("kernel_counters", "yes"), ("hash", 12), ("run", ["x"]), ("token", 5)]:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(frame(hello(**{key: value})))
    msgs = messages(s, 10)
    assert msgs and msgs[0]["type"] == "error", (key, msgs)
    err = msgs[0]["error"]
    assert f"'{key}'" in err or (key == "token" and "token" in err), (key, err)
    print(f"ok   {key}={value!r}: {err}")

# (b) Trickle: hello, then a byte every 0.5 s (each read well inside the
# 2 s idle timeout).
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(frame(hello(size=1 << 20)))
t0 = time.time()
s.settimeout(0.5)
got = b""
while time.time() - t0 < 60:
    try:
        s.sendall(b"x")
    except OSError:
        break
    try:
        chunk = s.recv(65536)
        if not chunk: break
        got += chunk
    except socket.timeout:
        pass
    if b'"report"' in got or b'"error"' in got and time.time() - t0 > 1:
        break
took = time.time() - t0
s.settimeout(5)
try:
    while True:
        chunk = s.recv(65536)
        if not chunk: break
        got += chunk
except (socket.timeout, OSError):
    pass
assert took < 30, f"trickling peer kept its session {took:.0f} s"
assert b"time limit" in got, got[-300:]
print(f"ok   trickling peer cut off after {took:.0f} s")

# (c) Log injection, before and after authentication. Refusals are logged
# five a second (then counted): these five start a second of their own.
time.sleep(1.5)
forged = "x\nzc-bench sink: session 999 from 10.0.0.1:1: 1.0 MiB for 'prod' verified (hash 0)\x1b[31m"
for payload in [frame({"type": forged}),                       # unknown type, before the token
                frame({"type": "error", "error": forged}),     # the peer's "error" text
                frame(hello(token="wrong" + forged)),
                frame(hello(receiver=forged)),
                frame(hello(run=forged * 100, size=10)) + b"y" * 10]:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    messages(s, 10)
    s.close()
print("ok   injection attempts sent")
PY

sleep 0.5
if grep -q $'\x1b' "$tmp/hostile.log"; then echo "FAIL: raw ESC in the server log"; cat -v "$tmp/hostile.log"; exit 1; fi
if grep -q "^zc-bench sink: session 999" "$tmp/hostile.log"; then echo "FAIL: forged log line"; cat -v "$tmp/hostile.log"; exit 1; fi
long=$(awk 'length > 1100' "$tmp/hostile.log" | wc -l)
[ "$long" -eq 0 ] || { echo "FAIL: $long unbounded log lines"; exit 1; }
grep -q 'x\\x0azc-bench sink: session 999' "$tmp/hostile.log" ||
  { echo "FAIL: the injected text is not shown escaped"; cat -v "$tmp/hostile.log"; exit 1; }
grep -q "time limit" "$tmp/hostile.log" || { echo "FAIL: the log does not say why the trickler was cut off"; exit 1; }
echo "ok   log: one line per event, escaped and bounded"

# The server still serves, and verifies.
real_run "$tmp/after.json" || { echo "FAIL: server stopped serving"; cat "$tmp/after.json.err"; exit 1; }
check_verified "$tmp/after.json" || { echo "FAIL: run after the hostile peers"; exit 1; }
for p in "${servers[@]}"; do kill -0 "$p" || { echo "FAIL: a server died"; exit 1; }; done
echo ok
