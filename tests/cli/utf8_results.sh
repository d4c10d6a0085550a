#!/usr/bin/env bash
# No run loses its results to bytes that are not UTF-8: -o, --tmpdir and
# --file names with a \xff byte, and external programs that print random
# bytes, Latin-1 or terminal codes, all end with their results written
# (strict JSON, the bytes escaped as \xNN) and never "saving them ... failed
# too"; nothing of what a program printed reaches the terminal raw. As root,
# and -o as nobody.
set -u
umask 022
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
source "$(dirname "$0")/common.bash"  # fail=0, ok, bad

# strict FILE WANT...: FILE is strict UTF-8 JSON holding each WANT (text).
strict() {
  python3 - "$@" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")  # strict: a byte that is not UTF-8 fails here
doc = json.loads(text)
for want in sys.argv[2:]:
    assert want in text, (want, text[:300])
PY
}
# clean NAME RC: the run's stderr never says the results were lost.
clean() {
  if grep -q "failed too\|type_error" "$tmp/err"; then bad "$1: $(cat "$tmp/err")"; return 1; fi
  if grep -q $'\033' "$tmp/err" "$tmp/out" 2>/dev/null; then bad "$1: an ESC byte reached the terminal"; return 1; fi
}
run() { "$bin" run --size 1M --reps 1 --warmup 0 "$@" >"$tmp/out" 2>"$tmp/err"; }

# 1. -o, --tmpdir, --file with a byte that is not UTF-8.
o=$tmp/$'o\xff.json'
run -s read-write --sink null -q -o "$o" --tmpdir "$tmp"
rc=$?
{ [ $rc -eq 0 ] && clean "-o" && strict "$o" 'o\\xff.json'; } && ok "-o o\\xff.json: written, escaped in command_line" ||
  { bad "-o: exit $rc"; cat "$tmp/err"; }
u=$tmp/$'u\xffdir'
mkdir "$u"
run -s read-write --sink null -q -o "$tmp/u.json" --tmpdir "$u"
rc=$?
{ [ $rc -eq 0 ] && clean "--tmpdir" && strict "$tmp/u.json" 'u\\xffdir'; } && ok "--tmpdir u\\xffdir: written" ||
  { bad "--tmpdir: exit $rc"; cat "$tmp/err"; }
src=$tmp/$'src\xff.bin'
head -c 1M /dev/urandom >"$src"
"$bin" run -s read-write,sendfile --sink tcp --reps 1 --warmup 0 --file "$src" -o "$tmp/f.json" \
  --tmpdir "$tmp" >"$tmp/out" 2>"$tmp/err"
rc=$?
{ [ $rc -eq 0 ] && clean "--file" && strict "$tmp/f.json" 'src\\xff.bin'; } &&
  ok "--file src\\xff.bin: written, table printed" || { bad "--file: exit $rc"; cat "$tmp/err"; }

# 2. External programs that print what is not UTF-8 (or is terminal codes).
d=$tmp/strategies
mkdir "$d"
describe() {  # describe ID SCRIPT
  printf 'id = %s\ndata-path = test program\ncommand = {dir}/%s.sh\nsinks = tcp null\nledger = source-into-page-cache\nledger = sink-copy-from page-cache\nsyscalls-per-chunk = 1\ndata-syscalls = read write\nstartup-timeout = 10\n' \
    "$1" "$1" >"$d/$1.strategy"
  printf '#!/bin/sh\n%s\n' "$2" >"$d/$1.sh"
  chmod 755 "$d/$1.sh"
}
describe noise 'head -c 200000 /dev/urandom; echo'
describe latin1 "printf 'caf\\351 \\033]0;pwned\\007\\033[2J\\n' >&2; printf 'error caf\\351 \\033[2J\\n'"
describe oddkey "echo ready; read -r go <&4; cat >&0 <&3; exec 0>&-; printf 'done bytes=%s \\377\\033=1\\n' \"\$ZC_SIZE\"; read -r eof <&4"
export ZC_STRATEGY_PATH=$d
for id in noise latin1 oddkey; do
  want=1 sink=null
  [ $id = oddkey ] && want=0 sink=tcp
  run -s $id --sink $sink -o "$tmp/$id.json" --tmpdir "$tmp"
  rc=$?
  if [ $rc -eq $want ] && clean "$id" && strict "$tmp/$id.json"; then
    ok "$id: exit $rc, results written: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print(r["status"], r.get("reason", "")[:140])' "$tmp/$id.json")"
  else
    bad "$id: exit $rc (want $want)"; cat "$tmp/err"; head -c 600 "$tmp/out"
  fi
done
python3 - "$tmp/latin1.json" "$tmp/oddkey.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert "caf\\xe9" in r["reason"] and "\\x1b]0;pwned" in r["reason"], r["reason"]
r = json.load(open(sys.argv[2]))["runs"][0]
ev = json.dumps(r)
assert "\\\\xff" in ev, "the odd key is not kept escaped"
print("ok   escaped: Latin-1 and ESC in the reason, \\xff in a done field's key")
PY
unset ZC_STRATEGY_PATH

# 3. As nobody: -o with a \xff byte.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  cp "$bin" "$tmp/zc-bench" && chmod 755 "$tmp/zc-bench"
  mkdir "$tmp/user" && chown nobody "$tmp/user"
  (cd "$tmp/user" && env -u ZC_BENCH_EXE TMPDIR="$tmp/user" setpriv --reuid=nobody \
    --regid="$(id -gn nobody)" --clear-groups "$tmp/zc-bench" run -s read-write --sink tcp \
    --size 1M --reps 1 --warmup 0 -q -o $'n\xff.json' >"$tmp/out" 2>"$tmp/err")
  rc=$?
  { [ $rc -eq 0 ] && clean "nobody" && strict "$tmp/user/"$'n\xff.json' 'n\\xff.json'; } &&
    ok "as nobody: -o n\\xff.json written" || { bad "as nobody: exit $rc"; cat "$tmp/err"; }
fi
exit $fail
