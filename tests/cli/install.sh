#!/usr/bin/env bash
# `cmake --install` into a temporary prefix gives a zc-bench that works from
# any folder: `run` and `plot` (with the installed plot.py, found relative to
# the executable), a man page with every subcommand's options, bash
# completion; `cpack` makes a .deb that holds the same files.
set -u
bin=$1; src=$2
build=$(dirname "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
[ -s "$build/zc-bench.1.gz" ] || { echo "skip: no man page in $build (help2man not installed)"; exit 77; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; exit 1; }
for f in bin/zc-bench share/zc-bench/plot.py share/man/man1/zc-bench.1.gz \
  share/bash-completion/completions/zc-bench; do
  [ -s "$prefix/$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
[ $fail -eq 0 ] || exit 1
echo "ok   installed: $(cd "$prefix" && find . -type f | sort | tr '\n' ' ')"

# From a folder outside the source tree, with nothing pointing back at it.
mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere" || exit 1
unset ZC_BENCH_EXE ZC_PLOT_SCRIPT
zc=$prefix/bin/zc-bench
"$zc" run -s read-write,sendfile --size 1M --reps 2 --warmup 0 -q -o r.json --tmpdir "$tmp" ||
  { echo "FAIL: installed run"; fail=1; }
python3 -c 'import json,sys; d=json.load(open("r.json")); assert all(r["verified"] for r in d["runs"]), d' ||
  { echo "FAIL: installed run's results"; fail=1; }
if python3 -c 'import matplotlib' 2>/dev/null || /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  # A marker in the installed copy shows which plot.py ran (the source
  # tree's, compiled in as the build tree's fallback, exists here too).
  echo 'print("installed plot.py ran", file=sys.stderr)' >>"$prefix/share/zc-bench/plot.py"
  "$zc" plot r.json >plot.out 2>plot.err || { echo "FAIL: installed plot"; cat plot.err; fail=1; }
  grep -q "installed plot.py ran" plot.err || { echo "FAIL: plot did not run the installed plot.py"; fail=1; }
  [ -s r-throughput.png ] || { echo "FAIL: no chart"; fail=1; }
else
  echo "skipped: zc-bench plot (python3-matplotlib is not installed)"
fi

# The man page has every subcommand's options (from their --help).
zcat "$prefix/share/man/man1/zc-bench.1.gz" >man.roff
for want in '\-\-gbench\-aggregates\-only' '\-\-listen' 'zc\-bench compare' 'zc\-bench plot'; do
  grep -qF -- "$want" man.roff || { echo "FAIL: man page lacks $want"; fail=1; }
done
grep -q '^\.TH "\?ZC-BENCH' man.roff || { echo "FAIL: man page title"; head -3 man.roff; fail=1; }
# Completion: subcommands and options from the installed binary's help.
complete_words() {
  PATH=$prefix/bin:$PATH bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
    _zc_bench; echo "${COMPREPLY[*]}"' _ "$prefix/share/bash-completion/completions/zc-bench" "$@"
}
[ "$(complete_words zc-bench ru)" = run ] || { echo "FAIL: completion of 'ru'"; fail=1; }
[ "$(complete_words zc-bench run --wi)" = --wide ] || { echo "FAIL: completion of 'run --wi'"; fail=1; }
[ "$(complete_words zc-bench run --preset b)" = broker ] || { echo "FAIL: completion of '--preset b'"; fail=1; }
[ "$(complete_words zc-bench run --workload i)" = ingest ] || { echo "FAIL: completion of '--workload i'"; fail=1; }
[ "$(complete_words zc-bench run --format m)" = "" ] || { echo "FAIL: run --format offers markdown"; fail=1; }
[ "$(complete_words zc-bench compare --format m)" = markdown ] || { echo "FAIL: compare --format m"; fail=1; }
# The names come from the binary (list --complete), none from the script:
# every preset and workload it has, and no list that could drift.
presets=$("$zc" list --complete=--preset | tr '\n' ' ')
[ "$(complete_words zc-bench run --preset '') " = "$presets" ] && [ -n "${presets// /}" ] ||
  { echo "FAIL: --preset completes '$(complete_words zc-bench run --preset '')', the binary has '$presets'"; fail=1; }
[ "$(complete_words zc-bench run --units G)" = Gbit/s ] || { echo "FAIL: --units G"; fail=1; }
[ "$(complete_words zc-bench run --sink ve)" = veth ] || { echo "FAIL: --sink ve"; fail=1; }
[ "$(complete_words zc-bench run -s sendf)" = sendfile ] || { echo "FAIL: -s sendf"; fail=1; }
if grep -nwE 'kafka|broker|ingest|transfer|sendfile|gbench|tcp|veth|hot|seq' "$src/scripts/zc-bench.bash-completion"; then
  echo "FAIL: the completion script lists names the binary should give"; fail=1
fi
words=$(complete_words zc-bench run --)
[ "$(tr ' ' '\n' <<<"$words" | sort | uniq -d)" = "" ] || { echo "FAIL: run's options offered twice"; fail=1; }
[ $fail -eq 0 ] && echo "ok   run, plot, man page and completion from $PWD"

# The JVM strategies: their description files and jar next to each other in
# <prefix>/share/zc-bench/strategies, found by the installed binary (not
# the build tree's copy), and a run of one verified.
jvm=share/zc-bench/strategies
if [ -s "$build/$jvm/zc-bench-jvm.jar" ]; then
  for f in "$jvm/zc-bench-jvm.jar" "$jvm/java-transfer-to.strategy" "$jvm/java-heap-buffer.strategy"; do
    [ -s "$prefix/$f" ] || { echo "FAIL: $f not installed"; fail=1; }
  done
  "$zc" list --json >list.json 2>list.err || { echo "FAIL: installed list"; fail=1; }
  python3 - "$prefix" <<'PY' || fail=1
import json, shutil, sys
prefix = sys.argv[1]
s = {x["id"]: x for x in json.load(open("list.json"))}["java-transfer-to"]
where = s["external"]["description"]
assert where.startswith(prefix + "/share/zc-bench/strategies/"), where
assert s["supported"] or not shutil.which("java"), s
print("ok   java-transfer-to listed from", where, "supported" if s["supported"] else s["reason"])
PY
  if command -v java >/dev/null; then
    "$zc" run -s java-transfer-to --size 1M --reps 1 --warmup 0 -q -o j.json --tmpdir "$tmp" &&
      python3 -c 'import json; r=json.load(open("j.json"))["runs"][0]; assert r["verified"], r' &&
      echo "ok   installed java-transfer-to run verified" ||
      { echo "FAIL: installed java-transfer-to run"; fail=1; }
  fi
else
  echo "skipped: the JVM strategies (no JDK when $build was configured)"
fi

# The .deb: the same files under /usr, dependencies from dpkg-shlibdeps.
if ! command -v dpkg-shlibdeps >/dev/null; then
  echo "skipped: the .deb (dpkg-shlibdeps not installed; Debian: dpkg-dev)"
else
  cpack --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1 ||
    { echo "FAIL: cpack"; cat "$tmp/cpack.log"; exit 1; }
  deb=$(ls "$tmp"/pkg/*.deb)
  dpkg-deb -c "$deb" >contents
  for f in ./usr/bin/zc-bench ./usr/share/zc-bench/plot.py ./usr/share/man/man1/zc-bench.1.gz \
    ./usr/share/bash-completion/completions/zc-bench ./usr/share/zc-bench/strategies/java-transfer-to.strategy \
    ./usr/share/doc/zc-bench/copyright ./usr/share/doc/zc-bench/changelog.gz; do
    grep -qF " $f" contents || { echo "FAIL: $f not in $(basename "$deb")"; cat contents; fail=1; }
  done
  dpkg-deb -f "$deb" Depends | grep -q libc6 || { echo "FAIL: no dependencies"; fail=1; }
  [ $fail -eq 0 ] && echo "ok   $(basename "$deb"): $(awk '{print $NF}' contents | grep -v '/$' | tr '\n' ' ')"
fi
exit $fail
