#!/usr/bin/env bash
# -o onto something that is not a regular file (a FIFO here; /dev/null in
# real life) writes into it and leaves it what it was. Results used to be
# renamed into place, which as root turned /dev/null into a regular file.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/pipe"
cat "$tmp/pipe" >"$tmp/got" &
reader=$!
"$bin" run -s read-write --sink null --size 1M --reps 1 --warmup 0 -q --tmpdir "$tmp" -o "$tmp/pipe" ||
  { echo "FAIL: run -o FIFO failed"; kill $reader; exit 1; }
[ -p "$tmp/pipe" ] || { echo "FAIL: the FIFO was replaced: $(ls -l "$tmp/pipe")"; kill $reader; exit 1; }
wait $reader
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["schema"] == "zc-bench/1"' "$tmp/got" ||
  { echo "FAIL: the reader did not get the results"; exit 1; }
[ -c /dev/null ] || { echo "FAIL: /dev/null is not a character device on this machine"; exit 1; }
# And a regular file is still replaced whole, with no .partial left beside it.
"$bin" run -s read-write --sink null --size 1M --reps 1 --warmup 0 -q --tmpdir "$tmp" -o "$tmp/r.json" || exit 1
[ -f "$tmp/r.json" ] && [ ! -e "$tmp/r.json.partial" ] || { echo "FAIL: regular output"; exit 1; }
echo ok
