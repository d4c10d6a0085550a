#!/usr/bin/env bash
# The progress bar: drawn with an ETA on stderr when it is a terminal (a
# pseudo-terminal from `script`), coloured unless NO_COLOR is set; nothing
# with --quiet or when stderr is a file. Interleaved runs count rounds, which
# never go back; --no-interleave counts runs; every line fits COLUMNS.
set -u
bin=$1
command -v script >/dev/null || { echo "skip: script(1) (util-linux) is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
run="$bin run -s read-write,sendfile --size 2M --chunk 256K,512K --sink null --reps 3 --warmup 0 -o $tmp/r.json --tmpdir $tmp"
on_tty() {  # on_tty OUTFILE ENV... -- everything the terminal would show
  local out=$1; shift
  env TERM=xterm "$@" script -qfec "$run $EXTRA >/dev/null" /dev/null >"$out" 2>&1 </dev/null
}
EXTRA="" on_tty "$tmp/tty"
grep -q 'ETA' "$tmp/tty" && grep -q ' round [1-3]/3 ' "$tmp/tty" || { echo "FAIL: no progress bar with rounds on a terminal"; cat -v "$tmp/tty"; fail=1; }
# The rounds seen, in order, never go back.
tr '\r' '\n' <"$tmp/tty" | grep -o 'round [0-9]*' | awk '{print $2}' >"$tmp/rounds"
sort -nc "$tmp/rounds" && [ -s "$tmp/rounds" ] || { echo "FAIL: the round counter went back: $(tr '\n' ' ' <"$tmp/rounds")"; fail=1; }
EXTRA="--no-interleave" on_tty "$tmp/seq" COLUMNS=60
grep -q ' runs ' "$tmp/seq" && grep -q 'rep [1-3]/3' "$tmp/seq" || { echo "FAIL: no run counter with --no-interleave"; cat -v "$tmp/seq"; fail=1; }
tr '\r' '\n' <"$tmp/seq" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep ETA | awk 'length > 60 {bad = 1; print} END {exit bad}' ||
  { echo "FAIL: a progress line wider than COLUMNS=60"; fail=1; }
grep -q $'\033\\[32m' "$tmp/tty" || { echo "FAIL: no colour on a terminal without NO_COLOR"; fail=1; }
grep -q $'\r\033\\[K' "$tmp/tty" || { echo "FAIL: the bar is not cleared at the end"; fail=1; }
EXTRA="" on_tty "$tmp/nocolor" NO_COLOR=1
grep -q 'ETA' "$tmp/nocolor" || { echo "FAIL: no progress bar with NO_COLOR"; fail=1; }
! grep -q $'\033\\[3[0-9]m' "$tmp/nocolor" || { echo "FAIL: colour despite NO_COLOR"; cat -v "$tmp/nocolor"; fail=1; }
EXTRA="--quiet" on_tty "$tmp/quiet"
! grep -q 'ETA' "$tmp/quiet" || { echo "FAIL: progress despite --quiet"; fail=1; }
$run >/dev/null 2>"$tmp/err"
! grep -q 'ETA' "$tmp/err" && ! grep -q $'\033' "$tmp/err" || { echo "FAIL: progress or escapes in a non-terminal stderr"; cat -v "$tmp/err"; fail=1; }
[ $fail -eq 0 ] && echo "ok: $(tr '\r' '\n' <"$tmp/nocolor" | grep -m1 ETA)"
exit $fail
