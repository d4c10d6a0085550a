#!/usr/bin/env bash
# The ingest workload with its producer on "another host": a produce
# session of `zc-bench sink --listen` on 127.0.0.1.
#  - every ingest strategy, with and without syncs, runs verified (the log's
#    hash against the seeded stream) with a passing model check, and the
#    server logs each session it produced;
#  - as an unprivileged user too (when root: the client runs as nobody);
#  - the produce hello is refused, with the reason sent back, without the
#    token, with a record size out of bounds, in an unknown mode;
#  - a peer that never says "go", and one that stops reading, are cut off
#    at the server's idle timeout and free their session slot;
#  - a producer that stalls mid-stream ends the repetition at --timeout with
#    an error for every strategy (io_uring's receive included), no hang;
# and afterwards the server still serves a verified run.
set -u
# The heredocs import the framing from tests/cli/remote_frames.py.
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
bin=$1
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# Port 0: the kernel picks a free one; the server logs which.
"$bin" sink --listen 127.0.0.1:0 --token s3cret --max-sessions 2 --idle-timeout 1 \
  2>"$tmp/server.log" &
pids+=($!)
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/server.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: the server did not start"; cat "$tmp/server.log"; exit 1; }

check_runs() {  # check_runs FILE COUNT: every run ok, verified, model check passed
  python3 - "$1" "$2" <<'PY'
import json, os, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert len(runs) == int(sys.argv[2]), [r["name"] for r in runs]
for r in runs:
    assert r["status"] == "ok" and r["verified"], (r["name"], r["status"], r.get("reason"))
    assert r["sink"] == "remote" and r["parameters"]["remote"].startswith("127.0.0.1:"), r["name"]
    status = r["model_check"]["status"]
    # Under the sanitizers (scripts/test --sanitize) their runtime's own
    # syscalls break the exact syscall count: a verdict is all we ask.
    allowed = ("pass", "not_measured", "fail") if os.environ.get("ZC_SANITIZED") else ("pass", "not_measured")
    assert status in allowed, (r["name"], r["model_check"])
    rep = r["repetitions"][0]
    conn = rep["connection"] if "connection" in rep else rep["streams"][0]["connection"]
    assert conn["remote"].startswith("127.0.0.1:"), conn
print(" ".join(f'{r["strategy"]}/{r["parameters"]["sync"]}:{r["model_check"]["status"]}'
               for r in runs))
PY
}

"$bin" run --workload ingest -s all --sink remote:127.0.0.1:$port --token s3cret --size 2M \
  --record 16K --sync none,every:16 --reps 1 -q -o "$tmp/all.json" --tmpdir "$tmp" \
  2>"$tmp/all.err" || { echo "FAIL: remote ingest run"; cat "$tmp/all.err"; exit 1; }
check_runs "$tmp/all.json" 8 || { echo "FAIL: remote ingest results"; exit 1; }
grep -q "produced, hash " "$tmp/server.log" ||
  { echo "FAIL: the server did not log its produce sessions"; cat "$tmp/server.log"; exit 1; }
echo "ok   every ingest strategy, remote producer, verified"

# Two streams, two produce sessions at once, each log verified.
"$bin" run --workload ingest -s recv-write --sink remote:127.0.0.1:$port --token s3cret \
  --size 2M --streams 2 --reps 1 -q -o "$tmp/streams.json" --tmpdir "$tmp" 2>"$tmp/streams.err" ||
  { echo "FAIL: remote ingest with 2 streams"; cat "$tmp/streams.err"; exit 1; }
check_runs "$tmp/streams.json" 1 >/dev/null || { echo "FAIL: 2 remote streams"; exit 1; }
python3 - "$tmp/streams.json" <<'PY' || { echo "FAIL: 2 remote streams"; exit 1; }
import json, sys
rep = json.load(open(sys.argv[1]))["runs"][0]["repetitions"][0]
assert [s["verification"]["verified"] for s in rep["streams"]] == [True, True], rep["streams"]
assert all(s["connection"]["remote"].startswith("127.0.0.1:") for s in rep["streams"])
PY
echo "ok   two remote streams, each verified"

# The model check must have been made where perf is open to us.
python3 - "$tmp/all.json" <<'PY' || exit 1
import json, os, sys
runs = json.load(open(sys.argv[1]))["runs"]
if os.geteuid() == 0 and not os.environ.get("ZC_SANITIZED"):
    bad = [r["name"] for r in runs if r["model_check"]["status"] != "pass"]
    assert not bad, bad
PY

# Unprivileged client (the build tree may be private: run a copy).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && group=$(id -gn nobody 2>/dev/null); then
  cp "$bin" "$tmp/zc-bench" && chmod 755 "$tmp/zc-bench"
  mkdir "$tmp/userdir" && chown "nobody:$group" "$tmp/userdir"
  (cd "$tmp/userdir" && env -u ZC_BENCH_EXE TMPDIR="$tmp/userdir" HOME="$tmp/userdir" \
    setpriv --reuid=nobody --regid="$group" --clear-groups "$tmp/zc-bench" run --workload ingest \
    -s recv-write,splice-ingest --sink remote:127.0.0.1:$port --token s3cret --size 2M \
    --reps 1 -q -o "$tmp/userdir/user.json") 2>"$tmp/user.err" ||
    { echo "FAIL: remote ingest as nobody"; cat "$tmp/user.err"; exit 1; }
  check_runs "$tmp/userdir/user.json" 2 || { echo "FAIL: remote ingest as nobody"; exit 1; }
  echo "ok   as nobody"
fi

# A wrong token: one line naming it, exit status 1 (a failed run, not bad input).
"$bin" run --workload ingest -s recv-write --sink remote:127.0.0.1:$port --token wrong \
  --size 1M --reps 1 -q -o "$tmp/wrong.json" --tmpdir "$tmp" 2>"$tmp/wrong.err"
python3 - "$tmp/wrong.json" <<'PY' || { echo "FAIL: wrong token"; exit 1; }
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["status"] == "error" and "wrong token" in r["reason"], (r["status"], r.get("reason"))
print("ok   wrong token:", r["reason"])
PY

python3 - "$port" <<'PY' || { echo "FAIL: hostile produce peers"; cat "$tmp/server.log"; exit 1; }
import json, socket, struct, sys, time
port = int(sys.argv[1])

from remote_frames import frame, message

def hello(**over):
    h = {"type": "hello", "protocol": "zc-bench-remote/1", "token": "s3cret", "mode": "produce",
         "size": 1 << 20, "record": 4096, "seed": 7, "run": "hostile"}
    h.update(over)
    return {k: v for k, v in h.items() if v is not None}

for over, want in [({"token": None}, "requires a token"),
                   ({"token": "nope"}, "wrong token"),
                   ({"record": 0}, "record size 0"),
                   ({"record": 1 << 27, "size": 1 << 28}, "record size"),
                   ({"record": 8192, "size": 4096}, "not over the size"),
                   ({"record": "4K"}, "'record'"),
                   ({"mode": "shell"}, "mode 'shell'")]:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(frame(hello(**over)))
    m = message(s, 10)
    assert m and m["type"] == "error" and want in m["error"], (over, m)
    print(f"ok   refused {over}: {m['error']}")
    s.close()

# No "go" within the idle timeout (1 s): told why, the slot freed.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(frame(hello()))
assert message(s, 10)["type"] == "ready"
t0 = time.time()
m = message(s, 10)
took = time.time() - t0
assert m and m["type"] == "error" and "go" in m["error"] and took < 5, (m, took)
print(f"ok   no go: told after {took:.1f} s: {m['error']}")

# Go, then never read: the server's send times out at the idle timeout.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(frame(hello(size=256 << 20, record=65536)))
assert message(s, 10)["type"] == "ready"
s.sendall(frame({"type": "go"}))
time.sleep(4)
s.close()
print("ok   a peer that stopped reading was held 4 s")
PY
sleep 0.5
grep -q "failed: no go" "$tmp/server.log" || { echo "FAIL: no-go not logged"; cat "$tmp/server.log"; exit 1; }
grep -q "the receiver stopped reading" "$tmp/server.log" ||
  { echo "FAIL: the stalled reader was not cut off"; cat "$tmp/server.log"; exit 1; }
echo "ok   server log: $(grep -c 'refused' "$tmp/server.log") refused, no-go and stalled reader cut off"

# A producer that stalls mid-stream: a fake server that says ready, takes
# "go", sends half a mebibyte and then nothing. Every strategy must end at
# --timeout 2 with an error, not hang.
python3 - "$tmp/fake.port" <<'PY' &
import json, socket, struct, sys, threading, time
ls = socket.socket()
ls.bind(("127.0.0.1", 0)); ls.listen(16)
open(sys.argv[1], "w").write(str(ls.getsockname()[1]))
def frame(obj):
    body = json.dumps(obj).encode()
    return struct.pack(">I", len(body)) + body
def serve(c):
    try:
        c.recv(65536)                      # the hello
        c.sendall(frame({"type": "ready"}))
        c.recv(65536)                      # go
        c.sendall(b"\0" * (512 << 10))
        time.sleep(60)
    except OSError:
        pass
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/fake.port" ] && break; sleep 0.1; done
fake=$(cat "$tmp/fake.port")
start=$(date +%s)
timeout 120 "$bin" run --workload ingest -s all --sink remote:127.0.0.1:$fake --size 4M \
  --record 16K --timeout 2 --reps 1 --warmup 0 -q -o "$tmp/stall.json" --tmpdir "$tmp" \
  2>"$tmp/stall.err"
rc=$?
took=$(($(date +%s) - start))
[ $rc -ne 124 ] && [ $took -lt 60 ] || { echo "FAIL: a stalled producer hung the run ($took s)"; exit 1; }
python3 - "$tmp/stall.json" <<'PY' || { echo "FAIL: stalled producer"; cat "$tmp/stall.err"; exit 1; }
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert len(runs) == 4
for r in runs:
    assert r["status"] == "error" and "deadline" in r["reason"], (r["name"], r.get("reason"))
    print(f'ok   {r["strategy"]}: {r["reason"][:150]}')
PY
# The logs live in a zc-bench.* folder under --tmpdir: neither may remain.
leftover=$(find "$tmp" -mindepth 1 \( -name 'ingest-*' -o -name 'zc-bench.*' \) | wc -l)
[ "$leftover" -eq 0 ] || { echo "FAIL: $leftover logs or folders left behind"; exit 1; }
echo "ok   a stalled producer ends each repetition in $took s for all four strategies"

# The server still serves, verified.
"$bin" run --workload ingest -s recv-write --sink remote:127.0.0.1:$port --token s3cret \
  --size 2M --reps 1 -q -o "$tmp/after.json" --tmpdir "$tmp" 2>"$tmp/after.err" ||
  { echo "FAIL: the server stopped serving"; cat "$tmp/after.err"; exit 1; }
check_runs "$tmp/after.json" 1 >/dev/null || { echo "FAIL: run after the hostile peers"; exit 1; }
kill -0 "${pids[0]}" || { echo "FAIL: the server died"; exit 1; }
echo ok
