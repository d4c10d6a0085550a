#!/usr/bin/env bash
# Every bad input gives exit status 2 and exactly one line on stderr, and
# nothing on stdout.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"
# Each refused command line runs in an empty folder that must stay empty
# (issue 25: 91 of them left an empty results/ behind).
usage_in_empty_cwd=1
expect_usage "unknown strategy"   run -s nope
expect_usage "unknown sink"       run --sink bogus
expect_usage "size 0"             run --size 0
expect_usage "size garbage"       run --size abc
expect_usage "size bad suffix"    run --size 4Q
expect_usage "chunk 0"            run --chunk 0
expect_usage "chunk > file"       run --size 1M --chunk 2M
expect_usage "missing file"       run --file "$tmp/does-not-exist"
expect_usage "unwritable output"  run --size 1M -o /proc/zc-bench/out.json
expect_usage "bad cache"          run --cache warm
expect_usage "bad format"         run --format xml
expect_usage_saying "or auto"    run --reps 0
expect_usage "unknown option"     run --frobnicate
expect_usage "no subcommand"
expect_usage "bad receiver"       run --receiver nope
expect_usage "sink a strategy cannot use" run -s copy-file-range --sink tcp
expect_usage "bad pin"            run --pin sender:99
expect_usage "bad pin role"       run --pin nic:0
expect_usage "bad sndbuf"         run --sndbuf lots
expect_usage "zc receive to pipe" run --receiver zerocopy-receive --sink pipe
expect_usage "truncate to file"   run --receiver truncate --sink file
expect_usage "msg-zerocopy unix"  run -s msg-zerocopy --sink unix
# Found by the audit (issue 13): each was accepted, wrapped or crashed.
expect_usage_saying "listed twice" run -s sendfile,sendfile
expect_usage_saying "'all' cannot" run -s all,sendfile
expect_usage_saying "1 to 4096"    run --qd 4G
expect_usage_saying "1 to 4096"    run --qd 100000
expect_usage_saying "no such folder" env --dir /nonexistent/zc
expect_usage_saying "did you mean sendfile?" run -s sendfle
expect_usage_saying "calls it --chunk" run --bs 4K
expect_usage_saying "calls it --streams" run -P 4
expect_usage_saying "did you mean --chunk?" run --chunkk 4K
expect_usage_saying "did you mean run?" rn
expect_usage_saying "calls it --time" run -t 5
expect_usage_saying "calls it --time" run --runtime 5
# --time and --units (issue 27).
expect_usage_saying "--time: '-1'"  run --time -1
expect_usage_saying "--time: 'nan'" run --time nan
expect_usage_saying "--time: '0'"   run --time 0
expect_usage_saying "--time and --reps" run --time 2 --reps 3
expect_usage_saying "--units: 'furlongs' is not a unit" run --units furlongs
expect_usage_saying "--units: 'furlongs' is not a unit" plot --units furlongs "$tmp/none.json"
expect_usage_saying "--units applies only to the table" run --units Gbit/s -q
expect_usage_saying "--notes applies only to the table" run --notes -q
expect_usage_saying "--complete: '--bogus'" list --complete=--bogus
expect_usage_saying "too large"    run --sndbuf 3G
expect_usage_saying "too large"    run --receiver-buffer 100G
expect_usage_saying "--timeout"    run --timeout nan
expect_usage_saying "--timeout"    run --timeout -1
expect_usage_saying "listed twice" run --size 1M,1M
expect_usage_saying "pseudo-file"  run --file /proc/cpuinfo
expect_usage_saying "--max-runs"   run --size 1M,2M,4M --chunk 1K..1M
expect_usage_saying "too long"     run --size 1M -o "$tmp/$(printf 'x%.0s' $(seq 300)).json"
TMPDIR=/nonexistent expect_usage_saying "TMPDIR" run --size 1M
# Issue 25: checked before any work (no progress line first), and each
# message names the real problem.
expect_usage_saying "--tmpdir: cannot create a folder in '/proc'" run --size 1M --tmpdir /proc
expect_usage_saying "--fd 99: no descriptor" sink --fd 99
expect_usage_saying "--fd 99: no descriptor" produce --fd 99 --size 1M --record 4K
expect_usage_saying "--fd 99: no descriptor" consume --fd 99 --size 1M --record 4K
expect_usage_saying "--bogus"       produce --bogus
expect_usage_saying "--fd is required" produce --size 1M --record 4K
ncpu=$(nproc)
expect_usage_saying "--cpu: no CPU 999 here (0" sink --fd 0 --cpu 999
expect_usage_saying "no CPU 999 here (0" produce --fd 0 --size 1M --record 4K --cpu 999
expect_usage_saying "no CPU -2 here" consume --fd 0 --size 1M --record 4K --cpu=-2
grep -qF "(0–$((ncpu - 1)))" "$tmp/err" || [ "$ncpu" -eq 1 ] ||
  { echo "FAIL: the CPUs allowed are not 0–$((ncpu - 1)): $(cat "$tmp/err")"; fail=1; }
# A few as nobody, in a folder nobody may write to: still nothing left.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && group=$(id -gn nobody 2>/dev/null); then
  cp "$bin" "$tmp/zc-bench-copy" && chmod 755 "$tmp/zc-bench-copy" "$tmp"
  (
    bin=$tmp/zc-bench-copy
    usage_prefix=(setpriv --reuid=nobody --regid="$group" --clear-groups)
    expect_usage "nobody: unknown strategy" run -s nope
    expect_usage "nobody: size 0"           run --size 0
    expect_usage_saying "--max-runs" run --size 1M,2M,4M --chunk 1K..1M
    expect_usage_saying "no CPU 999" sink --fd 0 --cpu 999
    exit $fail
  ) || fail=1
fi
# A product of lists runs what it can: impossible pairs are unsupported rows.
"$bin" run -s read-write,copy-file-range --sink null,file --size 1M --reps 1 -q \
  -o "$tmp/lists.json" 2>/dev/null || { echo "FAIL: list with an impossible pair"; fail=1; }
python3 - "$tmp/lists.json" <<'PY' || fail=1
import json, sys
st = {r["name"].split("/size")[0]: r["status"] for r in json.load(open(sys.argv[1]))["runs"]}
assert st == {"read-write/null": "ok", "copy-file-range/null": "unsupported",
              "read-write/file": "ok", "copy-file-range/file": "ok"}, st
print("ok   lists: impossible pair reported unsupported")
PY
exit $fail
