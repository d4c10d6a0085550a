#!/usr/bin/env bash
# The terminal table fits the terminal: at COLUMNS=80 no line of the default
# comparison, a chunk sweep, the append preset or the kafka preset is over
# 80 columns (legends and notes wrap; characters counted, the MB/s cell's
# "\u00b1" is one); --copies fits too; --wide shows
# every column however wide; --columns picks columns and refuses unknown ones.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"
expect_usage_saying "'bogus' is not a column" run --columns mbps,bogus -o "$tmp/x.json"
[ $fail -eq 0 ] || exit 1

longest() {  # characters, not bytes (mawk counts bytes)
  python3 -c 'import sys; print(max((len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")), default=0))' "$1"
}

fits() {  # fits NAME WIDTH ARGS...: the table of `run ARGS` at COLUMNS=WIDTH
  local name=$1 width=$2; shift 2
  COLUMNS=$width "$bin" run --tmpdir "$tmp" -o "$tmp/$name.json" "$@" >"$tmp/$name.txt" 2>"$tmp/$name.err" ||
    { echo "FAIL $name: run failed"; cat "$tmp/$name.err"; fail=1; return 1; }
  local longest
  longest=$(longest "$tmp/$name.txt")
  if [ "$longest" -gt "$width" ] || ! grep -qE '^(strategy|path) ' "$tmp/$name.txt"; then
    echo "FAIL $name: longest line $longest > $width, or no table"; cat "$tmp/$name.txt"; fail=1
    return 1
  fi
  echo "ok   $name: $(wc -l <"$tmp/$name.txt") lines, longest $longest"
}

small=(--size 1M --reps 2 --warmup 0)
fits default 80 "${small[@]}"
fits copies 80 "${small[@]}" -s read-write,sendfile,copy-file-range --sink tcp,file --copies &&
  { grep -q '^copies: ' "$tmp/copies.txt" || { echo "FAIL: --copies shows no copies section"; fail=1; }; }
fits sweep 80 "${small[@]}" --chunk 4K,1M
fits narrow 60 "${small[@]}" -s read-write,sendfile --sink tcp,null
fits append 80 --preset append --size 256K --reps 1 --warmup 0
if [ "$(id -u)" -eq 0 ]; then
  fits kafka 80 --preset kafka --size 2M --reps 2 --warmup 1
else
  echo "skipped: the kafka preset (the veth sink needs CAP_NET_ADMIN; run as root)"
fi

# --wide: every column and the copies section, wider than 80.
COLUMNS=80 "$bin" run "${small[@]}" -s sendfile --tmpdir "$tmp" -o "$tmp/w.json" --wide >"$tmp/wide.txt" 2>/dev/null
head -3 "$tmp/wide.txt" | grep -q 'to/from user' && grep -q '^copies: ' "$tmp/wide.txt" &&
  [ "$(longest "$tmp/wide.txt")" -gt 80 ] ||
  { echo "FAIL: --wide"; cat "$tmp/wide.txt"; fail=1; }
# --columns: the strategy, then the columns asked for, in that order.
COLUMNS=80 "$bin" run "${small[@]}" -s sendfile --tmpdir "$tmp" -o "$tmp/c.json" --columns p99,mbps \
  >"$tmp/cols.txt" 2>/dev/null
grep -qE '^strategy +p99 us +MB/s$' "$tmp/cols.txt" || { echo "FAIL: --columns p99,mbps"; cat "$tmp/cols.txt"; fail=1; }
[ $fail -eq 0 ] && echo "ok: --wide, --columns"
exit $fail
