#!/usr/bin/env bash
# The broker's bytes read from storage agree with the block device: in the
# lagging phase (32M logs, one repetition each, buffered and direct reads),
# what the broker's threads read (/proc/self/io, and the lagging consumer's
# own /proc/thread-self/io) is what /sys/block/<dev>/stat says the device
# read, in the run's window and around the whole command. A direct reader
# reads the whole log from the disk; a buffered one most of the half that
# was dropped. As root and, when root, as nobody (no memory cgroup then).
set -u
bin=$1
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
[ "$(stat -f -c %T "$tmp")" = tmpfs ] && { echo "skip: $tmp is on tmpfs (no storage)"; exit 77; }
dev=$(python3 - "$tmp" <<'PY'
import os, sys
st = os.stat(sys.argv[1])
p = f"/sys/dev/block/{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
print(os.path.basename(os.path.realpath(p)) if os.path.exists(p) else "")
PY
)
[ -n "$dev" ] || { echo "skip: $tmp is on no block device"; exit 77; }
stat_file=$(ls /sys/block/*/"$dev"/stat /sys/block/"$dev"/stat 2>/dev/null | head -1)
read_sectors() { awk '{ print $3 }' "$stat_file"; }

check() {  # check NAME [prefix...]
  local name=$1 before after
  shift
  mkdir -m 777 "$tmp/$name"
  before=$(read_sectors)
  "$@" "$bin" run --workload broker -s recv-write --consume read-write --lag lagging \
    --lag-read buffered,direct --sink unix --size 32M --cache-limit 8M --reps 1 --warmup 0 -q \
    --tmpdir "$tmp/$name" -o "$tmp/$name/out.json" 2>"$tmp/$name/err" || {
    echo "FAIL $name: the run failed"; cat "$tmp/$name/err"; return 1; }
  after=$(read_sectors)
  python3 - "$tmp/$name/out.json" "$name" $(( (after - before) * 512 )) <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
name, outside = sys.argv[2], int(sys.argv[3])
MiB = 1 << 20
def fig(r, key):
    m = r["metrics"][key]
    assert m["available"], (r["name"], key, m.get("reason"))
    return m["median"]
total = 0
for r in runs:
    assert r["status"] == "ok", (r["name"], r.get("reason"))
    size = r["parameters"]["size"]
    policy = r["parameters"]["lag_read"]
    threads = fig(r, "storage_read_bytes")
    lag = fig(r, "lag_storage_read_bytes")
    device = fig(r, "device_read_bytes")
    total += threads
    # The lagging consumer's reads are the broker's; the device read them.
    assert lag <= threads + 64 * 1024, (r["name"], lag, threads)
    assert device >= 0.9 * threads, f"{r['name']}: the device read {device}, the broker {threads}"
    assert device <= 1.25 * threads + 2 * MiB, \
        f"{r['name']}: the device read {device}, the broker only {threads}"
    if policy == "direct":
        assert lag >= size, (r["name"], lag, size)
    else:
        # Most of the dropped half comes back from the disk (a few pages may
        # stay: mincore's lag_resident_fraction says how many).
        assert lag >= 0.75 * fig(r, "lag_dropped_bytes"), (r["name"], lag)
    print(f"ok   {name} {policy}: lagging consumer read {lag/MiB:.1f} MiB, the broker "
          f"{threads/MiB:.1f} MiB, the device {device/MiB:.1f} MiB in the window")
# Around the whole command the device read at least what the runs say.
assert outside >= 0.9 * total, f"/sys/block says {outside} around the command, the runs {total}"
print(f"ok   {name}: /sys/block read {outside/MiB:.1f} MiB around the command, "
      f"the runs {total/MiB:.1f} MiB")
PY
}
fail=0
check root || fail=1
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && group=$(id -gn nobody 2>/dev/null); then
  cp "$bin" "$tmp/zc-bench" && chmod 755 "$tmp/zc-bench"
  bin=$tmp/zc-bench
  check nobody env -u ZC_BENCH_EXE HOME="$tmp" setpriv --reuid=nobody --regid="$group" \
    --clear-groups || fail=1
fi
exit $fail
