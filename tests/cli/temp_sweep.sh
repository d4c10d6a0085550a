#!/usr/bin/env bash
# A run killed with SIGKILL runs no destructor: its generated source folder
# (zc-bench.<pid>.XXXXXX in TMPDIR) stays. The next run sweeps it, and
# leaves alone the folder of a run still going, other users' folders and
# anything not named like zc-bench's.
set -u
bin=$1
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/t"
export TMPDIR=$tmp/t

# long_run NAME: a run that goes on for minutes; sets $pid once its folder
# holds the generated source, and $dir to that folder.
long_run() {
  "$bin" run -s read-write --sink null --size 32M --chunk 4K --reps 1000 -q -o "$tmp/$1.json" \
    2>"$tmp/$1.err" &
  pid=$!
  pids+=($pid)
  dir=
  for _ in $(seq 300); do
    dir=$(ls -d "$TMPDIR"/zc-bench.$pid.* 2>/dev/null) && [ -n "$(ls "$dir" 2>/dev/null)" ] && return
    sleep 0.1
  done
  echo "FAIL: run $1 made no folder zc-bench.$pid.* in $TMPDIR"; ls -la "$TMPDIR"; cat "$tmp/$1.err"; exit 1
}

long_run killed
killed_pid=$pid killed_dir=$dir
kill -9 $killed_pid; wait $killed_pid 2>/dev/null
[ -d "$killed_dir" ] || { echo "FAIL: expected the killed run's folder to remain until swept"; exit 1; }
echo "ok   after kill -9: $(basename "$killed_dir") left behind"

# Neighbours that must survive the sweep: not ours to judge.
mkdir "$TMPDIR/zc-bench.$killed_pid.kept" "$TMPDIR/zc-bench.nopid1" "$TMPDIR/unrelated.$killed_pid.abcdef"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
  mkdir "$TMPDIR/zc-bench.$killed_pid.nobody" && chown nobody "$TMPDIR/zc-bench.$killed_pid.nobody"
  other_user=$TMPDIR/zc-bench.$killed_pid.nobody
fi

long_run live
live_pid=$pid live_dir=$dir
[ -d "$killed_dir" ] && { echo "FAIL: the killed run's folder was not swept by the next run"; ls -la "$TMPDIR"; exit 1; }
echo "ok   the next run swept $(basename "$killed_dir")"

# A short run while the long one is going: the live folder stays.
"$bin" run -s sendfile --sink null --size 1M --reps 1 -q -o "$tmp/short.json" 2>"$tmp/short.err" ||
  { echo "FAIL: short run"; cat "$tmp/short.err"; exit 1; }
[ -d "$live_dir" ] && [ -n "$(ls "$live_dir")" ] ||
  { echo "FAIL: a live run's folder was swept"; exit 1; }
echo "ok   a live run's folder stayed: $(basename "$live_dir")"
for keep in "$TMPDIR/zc-bench.$killed_pid.kept" "$TMPDIR/zc-bench.nopid1" "$TMPDIR/unrelated.$killed_pid.abcdef" ${other_user:-}; do
  [ -d "$keep" ] || { echo "FAIL: $keep was swept (not a zc-bench folder, or not ours)"; exit 1; }
done
echo "ok   folders of other names and other users stayed"

# The live run, stopped by a signal, removes its own folder.
kill -TERM $live_pid; wait $live_pid 2>/dev/null
[ -d "$live_dir" ] && { echo "FAIL: the stopped run left $live_dir"; exit 1; }
echo ok
