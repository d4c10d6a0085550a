#!/usr/bin/env bash
# The progress bar: drawn with an ETA on stderr when it is a terminal (a
# pseudo-terminal from `script`), coloured unless NO_COLOR is set; nothing
# with --quiet or when stderr is a file.
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
grep -q 'ETA' "$tmp/tty" && grep -q ' runs ' "$tmp/tty" || { echo "FAIL: no progress bar on a terminal"; cat -v "$tmp/tty"; fail=1; }
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
