#!/usr/bin/env bash
# Two-host mode across two network namespaces joined by a veth pair, the
# way two machines would use it: `zc-bench sink --listen` in one, `zc-bench
# run --sink remote:...` in the other. Full runs with and without a token,
# and an ingest run whose producer is the server;
# a wrong token, an oversized control message, garbage and a stalling peer
# are each refused with a clear error while the server keeps serving.
set -u
bin=$1
if [ "$(id -u)" -ne 0 ]; then echo "skipped: namespaces need CAP_NET_ADMIN (run as root)"; exit 77; fi
tmp=$(mktemp -d)
# Named like zc-bench's own, after this shell, so a leftover is swept.
a=zcb-$$-t-a; b=zcb-$$-t-b
servers=()
cleanup() {
  for p in "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns delete $a 2>/dev/null; ip netns delete $b 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add $a && ip netns add $b &&
ip link add zt-a netns $a type veth peer name zt-b netns $b &&
ip -n $a addr add 10.78.0.1/30 dev zt-a && ip -n $b addr add 10.78.0.2/30 dev zt-b &&
ip -n $a link set zt-a up && ip -n $b link set zt-b up && ip -n $b link set lo up ||
  { echo "FAIL: could not build the namespaces"; exit 1; }

start_server() {  # start_server PORT [args...]
  local port=$1; shift
  ip netns exec $b "$bin" sink --listen 10.78.0.2:$port --idle-timeout 1 "$@" 2>>"$tmp/server-$port.log" &
  servers+=($!)
  for _ in $(seq 50); do grep -q listening "$tmp/server-$port.log" 2>/dev/null && return; sleep 0.1; done
  echo "FAIL: server on $port did not start"; cat "$tmp/server-$port.log"; exit 1
}
client_run() {  # client_run PORT OUT [args...]
  local port=$1 out=$2; shift 2
  ip netns exec $a "$bin" run -s sendfile,read-write --sink remote:10.78.0.2:$port --size 3M \
    --reps 1 --warmup 0 -o "$out" --tmpdir "$tmp" -q "$@" 2>"$out.err"
}
check_ok() {
  python3 - "$1" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
runs = doc["runs"]
assert [r["status"] for r in runs] == ["ok", "ok"], [(r["status"], r.get("reason")) for r in runs]
assert all(r["verified"] for r in runs)
assert all(r["sink"] == "remote" for r in runs)
assert all(r["parameters"]["remote"] in ("10.78.0.2:7601", "10.78.0.2:7602") for r in runs)
assert all("receiver" in r["repetitions"][0] for r in runs)
assert "s3cret" not in json.dumps(doc), "token leaked into the results"
PY
}

# Without a token.
start_server 7601
client_run 7601 "$tmp/open.json" || { echo "FAIL: run without token"; cat "$tmp/open.json.err"; exit 1; }
check_ok "$tmp/open.json"

# With a token: the right one works, a wrong or missing one is refused.
start_server 7602 --token s3cret
client_run 7602 "$tmp/tok.json" --token s3cret || { echo "FAIL: run with token"; cat "$tmp/tok.json.err"; exit 1; }
check_ok "$tmp/tok.json"
client_run 7602 "$tmp/bad.json" --token wrong && { echo "FAIL: wrong token accepted"; exit 1; }
reason() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["reason"])' "$1"; }
reason "$tmp/bad.json" | grep -q "refused the run: wrong token" || { echo "FAIL: no clear error: $(reason "$tmp/bad.json")"; exit 1; }
client_run 7602 "$tmp/none.json" && { echo "FAIL: missing token accepted"; exit 1; }
reason "$tmp/none.json" | grep -q "requires a token" || { echo "FAIL: no clear error: $(reason "$tmp/none.json")"; exit 1; }

# Hostile peers: each gets an error message and the server goes on. The
# server logs at most 5 refusals a second (then a count): the refused runs
# above get their second, the hostile peers a fresh one, so each line the
# checks below read is logged.
sleep 1.2
ip netns exec $a python3 - <<'PY' || { echo "FAIL: hostile peers"; cat "$tmp/server-7602.log"; exit 1; }
import socket, struct, json, time
def talk(payload, wait_for_close=True):
    s = socket.create_connection(("10.78.0.2", 7602), timeout=10)
    if payload: s.sendall(payload)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
    n = struct.unpack(">I", data[:4])[0]
    return json.loads(data[4:4 + n])
big = talk(struct.pack(">I", 1 << 30) + b"x" * 100)
assert big["type"] == "error" and "exceeds the limit" in big["error"], big
junk = talk(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
assert junk["type"] == "error" and "exceeds the limit" in junk["error"], junk
notjson = talk(struct.pack(">I", 9) + b"not json!")
assert notjson["type"] == "error" and "not a JSON object" in notjson["error"], notjson
t = time.time()
stall = talk(b"")
assert stall["type"] == "error" and "timed out" in stall["error"], stall
assert time.time() - t < 5, "stalled peer held for too long"
# A peer that stalls after the handshake, mid-transfer.
s = socket.create_connection(("10.78.0.2", 7602), timeout=10)
hello = json.dumps({"type": "hello", "protocol": "zc-bench-remote/1", "token": "s3cret",
                    "size": 1 << 20, "receiver": "recv", "buffer": 65536}).encode()
s.sendall(struct.pack(">I", len(hello)) + hello + b"x" * 1000)
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk: break
    data += chunk
msgs = []
while data:
    n = struct.unpack(">I", data[:4])[0]; msgs.append(json.loads(data[4:4 + n])); data = data[4 + n:]
assert msgs[0]["type"] == "ready" and msgs[-1]["type"] == "report", msgs
assert "went quiet" in msgs[-1]["report"]["error"], msgs
PY
for want in "exceeds the limit" "not a JSON object" "timed out waiting" "went quiet" "wrong token"; do
  grep -q "$want" "$tmp/server-7602.log" || { echo "FAIL: server log lacks '$want'"; cat "$tmp/server-7602.log"; exit 1; }
done
# ... and still serves the next client.
client_run 7602 "$tmp/after.json" --token s3cret || { echo "FAIL: server stopped serving"; cat "$tmp/after.json.err"; exit 1; }
check_ok "$tmp/after.json"
kill -0 "${servers[1]}" || { echo "FAIL: server died"; exit 1; }

# The other direction: the ingest workload with its producer in the
# server's namespace, across the veth pair, every strategy verified.
ip netns exec $a "$bin" run --workload ingest -s all --sink remote:10.78.0.2:7602 --token s3cret \
  --size 2M --record 16K --reps 1 --warmup 0 -o "$tmp/ingest.json" --tmpdir "$tmp" -q \
  2>"$tmp/ingest.err" || { echo "FAIL: remote ingest across namespaces"; cat "$tmp/ingest.err"; exit 1; }
python3 - "$tmp/ingest.json" <<'PY' || exit 1
import json, os, sys
doc = json.load(open(sys.argv[1]))
runs = doc["runs"]
assert len(runs) == 4
for r in runs:
    assert r["status"] == "ok" and r["verified"], (r["name"], r["status"], r.get("reason"))
    # (Under the sanitizers their runtime's syscalls break the exact count.)
    assert r["model_check"]["status"] == "pass" or os.environ.get("ZC_SANITIZED"), \
        (r["name"], r["model_check"])
    assert r["repetitions"][0]["connection"]["remote"] == "10.78.0.2:7602"
    assert r["metrics"]["producer_cpu_ns_per_byte"]["available"], r["name"]
assert "s3cret" not in json.dumps(doc), "token leaked into the results"
PY
grep -q "produced, hash" "$tmp/server-7602.log" || { echo "FAIL: no produce session logged"; exit 1; }
echo ok
