#!/usr/bin/env bash
# `run --preset kafka`: the four rows of the articles' table over veth, each
# verified, and the SSL rows (tls-read-write verified; ktls-sendfile verified
# where the kernel has TLS, else unsupported saying why); without scatter-gather the device gets sendfile's bytes in linear
# skbs (a CPU copy), with it in page fragments. Options that would pick other
# strategies or sinks are usage errors. Needs root for the veth sink.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

source "$(dirname "$0")/common.bash"
expect_usage_saying "drop --strategy" run --preset kafka -s sendfile -o "$tmp/x.json"
expect_usage_saying "drop --sink" run --preset kafka --sink tcp -o "$tmp/x.json"
expect_usage_saying "drop --nic" run --preset kafka --nic sg=off -o "$tmp/x.json"
expect_usage_saying "allowed: append, broker, kafka" run --preset nope -o "$tmp/x.json"
[ $fail -eq 0 ] || exit 1

if [ "$(id -u)" -ne 0 ]; then echo "skipped: the veth sink needs CAP_NET_ADMIN (run as root)"; exit 77; fi

"$bin" run --preset kafka --size 8M --reps 2 --warmup 1 --tmpdir "$tmp" -o "$tmp/k.json" \
  >"$tmp/table" 2>"$tmp/err" &
pid=$!
wait $pid || { echo "FAIL: preset run failed"; cat "$tmp/err" "$tmp/table"; exit 1; }
cat "$tmp/table"
grep -q "^Why Kafka is fast" "$tmp/table" || { echo "FAIL: no kafka table heading"; exit 1; }
for row in "read + write" "mmap + write" "sendfile  " "sendfile + NIC gather" "read + SSL_write" \
  "kTLS sendfile"; do
  grep -q "^$row" "$tmp/table" || { echo "FAIL: no '$row' row"; exit 1; }
done
grep -q "^What SSL costs" "$tmp/table" || { echo "FAIL: no SSL cost summary"; exit 1; }
python3 - "$tmp/k.json" <<'PY' || exit 1
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
tls, ktls = runs[4], runs[5]
assert tls["strategy"] == "tls-read-write" and tls["status"] == "ok" and tls["verified"], tls.get("reason")
assert ktls["strategy"] == "ktls-sendfile", ktls["strategy"]
if ktls["status"] == "unsupported":
    assert 'TCP_ULP, "tls"' in ktls["reason"], ktls["reason"]
else:
    assert ktls["status"] == "ok" and ktls["verified"], ktls.get("reason")
runs = runs[:4]
got = [(r["strategy"], r["sink"], r["sink_details"]["nic"]["in_effect"]["sg"]) for r in runs]
assert got == [("read-write", "veth", True), ("mmap-write", "veth", True),
               ("sendfile", "veth", False), ("sendfile", "veth", True)], got
assert all(r["status"] == "ok" and r["verified"] for r in runs), [(r["status"], r.get("reason")) for r in runs]
assert [r["ledger"]["cpu_copies_sender"] for r in runs] == [2, 1, 1, 0], [r["ledger"] for r in runs]
def median(r, k):
    m = r["metrics"][k]
    assert m["available"], (r["name"], k, m.get("reason"))
    return m["median"]
size = runs[0]["parameters"]["size"]
off, on = runs[2], runs[3]
# Only transmits in the sender's and the receiver's context are seen; under
# load the kernel runs some in ksoftirqd or another task's softirq, so the
# test reads the split, not the total.
lin_off, paged_off = median(off, "transmit_linear_bytes"), median(off, "transmit_paged_bytes")
lin_on, paged_on = median(on, "transmit_linear_bytes"), median(on, "transmit_paged_bytes")
# sg off: the payload reaches the device in linear skbs, none in fragments.
assert lin_off >= 0.1 * size and paged_off <= 0.01 * size, (lin_off, paged_off)
# sg on: in page fragments; the linear part is headers.
assert paged_on >= 0.1 * size and lin_on * 10 <= paged_on, (lin_on, paged_on)
PY
[ "$(ls /run/netns 2>/dev/null | grep -c "^zcb-$pid-")" -eq 0 ] || { echo "FAIL: namespaces left: $(ls /run/netns)"; exit 1; }
echo ok
