#!/usr/bin/env bash
# Nothing outlives the run: an external program's descendants, even one
# that left its session ((setsid sleep &)), are gone when zc-bench exits,
# on a normal end and on a broken protocol; and every child is reaped
# before zc-bench exits, SIGTERM included. zc-bench runs under a small
# subreaper (below) that reports every process reparented to it: what
# zc-bench left behind, alive or as a zombie. As root and as nobody.
set -u
umask 022
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
source "$(dirname "$0")/common.bash"  # fail=0, ok, bad

# reaper.py [--term SECONDS] CMD...: runs CMD as a child of a subreaper;
# with --term, sends it SIGTERM after SECONDS. Then waits a moment for
# orphans and prints "left: N" (processes reparented to it: zc-bench's
# leftovers, zombies included; it kills and reaps them) and "exit: RC".
cat >"$tmp/reaper.py" <<'PY'
import ctypes, os, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
args = sys.argv[1:]
term = None
if args[0] == "--term":
    term, args = float(args[1]), args[2:]
pid = os.fork()
if pid == 0:
    os.execvp(args[0], args)
if term is not None:
    time.sleep(term)
    os.kill(pid, signal.SIGTERM)
_, status = os.waitpid(pid, 0)
time.sleep(0.5)  # orphans of a dying tree arrive
left = []
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            stat = open(f"/proc/{p}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == os.getpid():
            left.append(f"{p}:{fields[0]}:{open(f'/proc/{p}/cmdline').read().replace(chr(0), ' ')}")
for p in left:
    try:
        os.kill(int(p.split(":")[0]), signal.SIGKILL)
    except OSError:
        pass
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
print("left:", len(left), " ".join(left))
print("exit:", os.waitstatus_to_exitcode(status))
PY

d=$tmp/strategies
mkdir "$d"
describe() {  # describe ID SCRIPT
  printf 'id = %s\ndata-path = test program\ncommand = {dir}/%s.sh\nsinks = tcp null\nledger = source-into-page-cache\nledger = sink-copy-from page-cache\nsyscalls-per-chunk = 1\ndata-syscalls = read write\nstartup-timeout = 10\n' \
    "$1" "$1" >"$d/$1.strategy"
  printf '#!/bin/sh\n%s\n' "$2" >"$d/$1.sh"
  chmod 755 "$d/$1.sh"
}
# Moves the bytes, after leaving a grandchild in a session of its own.
describe escaper '(setsid sleep 4242 &)
echo ready; read -r go <&4; cat >&0 <&3; exec 0>&-; echo "done bytes=$ZC_SIZE"; read -r eof <&4'
# Leaves one and breaks the protocol.
describe breaker '(setsid sleep 4243 &)
echo "not the protocol"; exec sleep 4244'

check() {  # check LABEL WANT_EXIT [reaper options] -- zc-bench args
  local label=$1 want=$2; shift 2
  local ropts=()
  while [ "$1" != "--" ]; do ropts+=("$1"); shift; done
  shift
  python3 "$tmp/reaper.py" "${ropts[@]}" "$@" >"$tmp/reaper.out" 2>"$tmp/err"
  local left rc
  left=$(sed -n 's/^left: \([0-9]*\).*/\1/p' "$tmp/reaper.out")
  rc=$(sed -n 's/^exit: //p' "$tmp/reaper.out")
  if [ "$left" = 0 ] && [ "$rc" = "$want" ] && ! pgrep -f "sleep 424[2-4]" >/dev/null; then
    ok "$label: exit $rc, nothing left"
  else
    bad "$label: exit $rc (want $want); $(cat "$tmp/reaper.out"); $(pgrep -af "sleep 424[2-4]")"
    tail -3 "$tmp/err"
  fi
}
common=(--size 1M --reps 2 --warmup 0 -q --tmpdir "$tmp")
export ZC_STRATEGY_PATH=$d
check "setsid grandchild, normal end" 0 -- "$bin" run -s escaper --sink tcp "${common[@]}" -o "$tmp/a.json"
check "setsid grandchild, broken protocol" 1 -- "$bin" run -s breaker --sink null "${common[@]}" -o "$tmp/b.json"
# SIGTERM mid-run: receivers (tcp sinks, one process each) reaped first.
check "SIGTERM during a run with receivers" 130 --term 1.5 -- "$bin" run -s read-write,sendfile,splice \
  --sink tcp,unix --size 64M --chunk 64K --reps 200 --warmup 0 -q -o "$tmp/t.json" --tmpdir "$tmp"
check "SIGTERM during an ingest run (producer processes)" 130 --term 1.5 -- "$bin" run --workload ingest \
  -s all --sink tcp,unix --size 64M --record 64K --reps 200 --warmup 0 -q -o "$tmp/i.json" --tmpdir "$tmp"
check "SIGTERM during an external run" 130 --term 1 -- "$bin" run -s escaper --sink tcp --size 64M \
  --reps 200 --warmup 0 -q -o "$tmp/e.json" --tmpdir "$tmp"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  cp "$bin" "$tmp/zc-bench" && chmod 755 "$tmp/zc-bench" && chmod -R a+rX "$tmp"
  mkdir "$tmp/user" && chown nobody "$tmp/user"
  nobody=(setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups env -u ZC_BENCH_EXE
    TMPDIR="$tmp/user" "$tmp/zc-bench")
  cd "$tmp/user" || exit 1
  check "as nobody: setsid grandchild" 0 -- "${nobody[@]}" run -s escaper --sink tcp --size 1M --reps 1 \
    --warmup 0 -q -o "$tmp/user/n.json"
  check "as nobody: SIGTERM with receivers" 130 --term 1.5 -- "${nobody[@]}" run -s read-write,sendfile \
    --sink tcp --size 64M --chunk 64K --reps 200 --warmup 0 -q -o "$tmp/user/t.json"
fi
exit $fail
