#!/usr/bin/env bash
# Another process writing to the log's device during an append run: the
# device figures are not presented as clean. The JSON says so (each
# repetition's storage_device.other_io, the run's storage_device and a
# warning), and the table marks dev amp with "?" and prints the warning in
# its notes. As root and, where setpriv can, as nobody.
set -u
bin=$1
tmp=$(mktemp -d)
chmod 777 "$tmp"
noise=
trap 'rm -f "$tmp/go"; [ -n "$noise" ] && wait "$noise"; rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"

if ! python3 -c 'import os, sys; sys.exit(0 if os.major(os.stat(sys.argv[1]).st_dev) else 1)' \
  "$tmp"; then
  echo "skip: $tmp is on no block device (tmpfs, overlay): no device figures"
  exit 77
fi

# The other process: 4 MiB written and fsync'd, over and over, while
# $tmp/go exists (the loop ends by itself: nothing is left running).
start_noise() {
  touch "$tmp/go"
  (while [ -e "$tmp/go" ]; do
    dd if=/dev/zero of="$tmp/noise" bs=1M count=4 conv=fsync status=none 2>/dev/null
  done) &
  noise=$!
  sleep 0.3
}
stop_noise() {
  rm -f "$tmp/go"
  wait "$noise"
  noise=
  rm -f "$tmp/noise"
}

check() {  # WHO JSON TABLE
  python3 - "$1" "$2" "$3" <<'PY' || fail=1
import json, sys
who, doc, table = sys.argv[1], json.load(open(sys.argv[2])), open(sys.argv[3]).read()
run = doc["runs"][0]
assert run["status"] == "ok", run.get("reason")
reps = run["repetitions"]
seen = [r["storage_device"]["other_io"]["seen"] for r in reps]
assert any(s is True for s in seen), ("no repetition saw the other writer", seen, reps[0]["storage_device"])
d = run["storage_device"]
assert d["other_io_seen"] >= 1 and d["summary"], d
w = [x for x in run["warnings"] if x.startswith("other I/O on ")]
assert w and "device figures" in w[0], run["warnings"]
assert "?" in table and "other I/O on" in table, table
for line in table.splitlines():
    assert len(line) <= 80, ("wider than 80 columns", line)
print("ok   %s: %s" % (who, w[0][:150]))
PY
}

start_noise
COLUMNS=80 "$bin" run --workload append -s append-write --sync every:1 --size 256K --reps 1 --notes \
  --warmup 0 -o "$tmp/root.json" --tmpdir "$tmp" >"$tmp/root.txt" 2>"$tmp/err" ||
  { echo "FAIL: run exited $?"; cat "$tmp/err" "$tmp/root.txt"; fail=1; }
stop_noise
check root "$tmp/root.json" "$tmp/root.txt"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && group=$(id -gn nobody 2>/dev/null); then
  start_noise
  COLUMNS=80 env HOME="$tmp" setpriv --reuid=nobody --regid="$group" --clear-groups \
    "$bin" run --workload append -s append-write --sync every:1 --size 256K --reps 1 --warmup 0 --notes \
    -o "$tmp/nobody.json" --tmpdir "$tmp" >"$tmp/nobody.txt" 2>"$tmp/err" ||
    { echo "FAIL: run as nobody exited $?"; cat "$tmp/err" "$tmp/nobody.txt"; fail=1; }
  stop_noise
  check nobody "$tmp/nobody.json" "$tmp/nobody.txt"
fi
exit $fail
