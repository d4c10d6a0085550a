#!/usr/bin/env bash
# Receive-side zero copy (issue 32), as a user meets it: zerocopy-receive
# says why nothing maps from a write() sender instead of printing 0%; zcrx
# is unsupported on loopback with the register call's errno and the
# device's tcp-data-split; `env` shows the zcrx and devmem TCP probes; and
# `--preset receive` answers which receive path costs least per byte in its
# first line, at 80 columns.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"

expect_usage_saying "drop --strategy" run --preset receive -s sendfile -o "$tmp/x.json"
expect_usage_saying "drop --receiver" run --preset receive --receiver recv -o "$tmp/x.json"
expect_usage_saying "not a TCP socket" run -s msg-zerocopy --sink pipe --receiver zcrx -o "$tmp/x.json"
expect_usage_saying "is not one" run --preset receive --sink unix -o "$tmp/x.json" --tmpdir "$tmp"
[ $fail -eq 0 ] || exit 1

# A write() sender: nothing maps, and the table says why.
COLUMNS=80 "$bin" run -s read-write --sink tcp --receiver zerocopy-receive --size 2M --reps 1 --notes \
  --warmup 0 --copies --tmpdir "$tmp" -o "$tmp/rw.json" >"$tmp/rw.table" 2>"$tmp/rw.err" ||
  { echo "FAIL: read-write run"; cat "$tmp/rw.err"; exit 1; }
tr '\n' ' ' <"$tmp/rw.table" | tr -s ' ' |
  grep -q "mapped nothing: the sender's pages are not mappable: use msg-zerocopy or io-uring-send-zc as the sender" ||
  { echo "FAIL: no reason in the table"; cat "$tmp/rw.table"; exit 1; }
python3 - "$tmp/rw.json" <<'PY' || exit 1
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
m = run["metrics"]["receiver_zerocopy_mapped_fraction"]
assert not m["available"] and m["reason"].startswith("nothing mapped: the sender's pages are not mappable"), m
assert run["ledger"]["cpu_copies_receiver"] == 1, run["ledger"]
print("ok   read-write:", m["reason"][:90], "...")
PY

# zcrx on loopback: unsupported with the errno and the header split.
"$bin" run -s msg-zerocopy --sink tcp --receiver zcrx --size 1M --reps 1 --warmup 0 \
  --tmpdir "$tmp" -o "$tmp/zcrx.json" >"$tmp/zcrx.table" 2>"$tmp/zcrx.err"
python3 - "$tmp/zcrx.json" "$(id -u)" <<'PY' || fail=1
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
assert run["status"] == "unsupported", (run["status"], run.get("reason"))
why = run["reason"]
errno = "EOPNOTSUPP" if sys.argv[2] == "0" else "EPERM"
for want in ("IORING_REGISTER_ZCRX_IFQ failed with " + errno, "tcp-data-split", "no header split"):
    assert want in why, (want, why)
print("ok   zcrx on lo:", why[:110], "...")
PY

# env: the probes.
"$bin" env >"$tmp/env.txt" 2>&1 || { echo "FAIL: env"; cat "$tmp/env.txt"; exit 1; }
grep -q "devmem_tcp .*unavailable: .*no header-split NIC" "$tmp/env.txt" ||
  { echo "FAIL: no devmem probe"; grep -i devmem "$tmp/env.txt"; fail=1; }
grep -q "io_uring_zcrx:lo .*unavailable: zcrx on lo queue 0: IORING_REGISTER_ZCRX_IFQ failed" "$tmp/env.txt" ||
  { echo "FAIL: no zcrx probe on lo"; grep -i zcrx "$tmp/env.txt"; fail=1; }
[ $fail -eq 0 ] && echo "ok   env: $(grep devmem_tcp "$tmp/env.txt" | tr -s ' ')"

# The battle of the ZCs, at 80 columns: the answer first.
COLUMNS=80 "$bin" run --preset receive --size 2M --reps 2 --warmup 0 --tmpdir "$tmp" \
  -o "$tmp/p.json" >"$tmp/p.table" 2>"$tmp/p.err" || { echo "FAIL: preset"; cat "$tmp/p.err"; exit 1; }
head -1 "$tmp/p.table" | grep -q "^Cheapest receive path per byte: " ||
  { echo "FAIL: the first line does not answer"; cat "$tmp/p.table"; exit 1; }
python3 - "$tmp/p.table" <<'PY' || fail=1
import sys
wide = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if len(l) > 80]
assert not wide, wide
PY
python3 - "$tmp/p.json" <<'PY' || fail=1
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["preset"] == "receive", doc.get("preset")
rows = [(r["strategy"], r["receiver"], r["status"]) for r in doc["runs"]]
assert [(s, rcv) for s, rcv, _ in rows] == [
    ("sendfile", "recv"), ("msg-zerocopy", "recv"), ("msg-zerocopy", "zerocopy-receive"),
    ("io-uring-send-zc", "zerocopy-receive"), ("msg-zerocopy", "zcrx")], rows
assert rows[-1][2] == "unsupported", rows[-1]
for r in doc["runs"][:4]:
    assert r["status"] in ("ok", "unsupported"), (r["name"], r["status"], r.get("reason"))
    if r["status"] == "ok":
        assert r["verified"], r["name"]
print("ok   preset receive:", [s for _, _, s in rows])
PY
head -3 "$tmp/p.table"
[ $fail -eq 0 ] && echo ok
exit $fail
