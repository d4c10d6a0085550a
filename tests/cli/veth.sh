#!/usr/bin/env bash
# The veth sink from the command line: --nic misuse is a usage error, a run
# records the offloads in effect, and neither a finished nor an interrupted
# run leaves a namespace behind. Needs root (CAP_NET_ADMIN).
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

source "$(dirname "$0")/common.bash"
expect_usage_saying "--nic" run -s sendfile --sink tcp --nic sg=off -o "$tmp/x.json"
expect_usage_saying "mtu=1" run -s sendfile --sink veth --nic mtu=1 -o "$tmp/x.json"
expect_usage_saying "needs sg=on" run -s sendfile --sink veth --nic sg=off,tso=on -o "$tmp/x.json"
[ $fail -eq 0 ] || exit 1

if [ "$(id -u)" -ne 0 ]; then echo "skipped: the veth sink needs CAP_NET_ADMIN (run as root)"; exit 77; fi

leaked() {  # namespaces named after the zc-bench process $1
  ls /run/netns 2>/dev/null | grep -c "^zcb-$1-"
}

"$bin" run -s sendfile --sink veth --nic sg=off --nic sg=on,tso=off --size 2M --reps 1 --warmup 0 \
  -o "$tmp/r.json" --tmpdir "$tmp" -q &
pid=$!
wait $pid || { echo "FAIL: veth run failed"; exit 1; }
python3 - "$tmp/r.json" <<'PY' || exit 1
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert [r["status"] for r in runs] == ["ok", "ok"], [(r["status"], r.get("reason")) for r in runs]
assert all(r["verified"] for r in runs)
off, on = (r["sink_details"]["nic"]["in_effect"] for r in runs)
assert off == {"sg": False, "tso": False, "gso": False}, off
assert on["sg"] and not on["tso"], on
assert runs[0]["name"].endswith("/nic:sg=off"), runs[0]["name"]
assert runs[0]["ledger"]["cpu_copies_sender"] == runs[1]["ledger"]["cpu_copies_sender"] + 1
PY
[ "$(leaked $pid)" -eq 0 ] || { echo "FAIL: namespaces left after a run"; exit 1; }

# A list of sinks with --nic: each setting makes its own veth sink, the
# other sinks run once (the product issue 14 asks for: tcp, veth sg=on,
# veth sg=off).
"$bin" run -s sendfile --sink tcp,veth --nic sg=on --nic sg=off --size 1M --reps 1 --warmup 0 \
  -o "$tmp/mixed.json" --tmpdir "$tmp" -q || { echo "FAIL: tcp,veth with two --nic failed"; exit 1; }
python3 - "$tmp/mixed.json" <<'PY' || exit 1
import json, sys
names = [r["name"] for r in json.load(open(sys.argv[1]))["runs"]]
want = ["sendfile/tcp/size:1M/chunk:1M/cache:hot", "sendfile/veth/size:1M/chunk:1M/cache:hot/nic:sg=on",
        "sendfile/veth/size:1M/chunk:1M/cache:hot/nic:sg=off"]
assert sorted(names) == sorted(want), names
print("ok   tcp,veth with --nic sg=on --nic sg=off:", ", ".join(names))
PY

# Ctrl-C in the middle of a veth run: namespaces go too.
"$bin" run -s read-write --sink veth --nic sg=off --size 64M --chunk 64K --reps 200 --warmup 0 \
  -o "$tmp/i.json" --tmpdir "$tmp" -q &
pid=$!
for _ in $(seq 50); do [ "$(leaked $pid)" -gt 0 ] && break; sleep 0.1; done
sleep 0.5
kill -INT $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "FAIL: still running 10 s after SIGINT"; kill -9 $pid; exit 1; fi
wait $pid; rc=$?
[ $rc -eq 130 ] || { echo "FAIL: exit $rc after SIGINT, expected 130"; exit 1; }
[ "$(leaked $pid)" -eq 0 ] || { echo "FAIL: namespaces left after SIGINT: $(ls /run/netns)"; exit 1; }
ip link show | grep -q zcb- && { echo "FAIL: a zcb- device is in the root namespace"; exit 1; }
echo ok
