#!/usr/bin/env bash
# Issue 24's wrong ledgers, tried as a user would with description files:
# a wrong sender ledger (no CPU copies where the program does read() and
# write()), zero calls per chunk, and one heap copy fewer must FAIL their
# model check or be refused when the file is loaded. And no evidence, no
# pass: ZC_NO_PERF=1 leaves every transfer, ingest and append run unverified.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"
mkdir -p "$tmp/s"

# The program: the JVM's heap-buffer strategy where a JDK was found at
# build time, else the README's C example (pread + write): the heap-copy
# mutant needs the JVM.
jvm_dir=$(dirname "$bin")/share/zc-bench/strategies
if command -v java >/dev/null && [ -f "$jvm_dir/java-heap-buffer.strategy" ] &&
  [ -f "$jvm_dir/zc-bench-jvm.jar" ]; then
  base=$jvm_dir/java-heap-buffer.strategy dir=$jvm_dir id=java-heap-buffer calls='read write'
else
  base=${ZC_TEST_STRATEGY_DIR:?}/example-read-write.strategy dir=$ZC_TEST_STRATEGY_DIR
  id=example-read-write calls='pread64 write'
  echo "note: no JVM strategies here: the heap-copy mutant is left out"
fi
mutant() {  # NAME SED-EXPRESSIONS...: a copy of the base description
  local name=$1; shift
  sed -e "s/^id = $id\$/id = $name/" -e "s|{dir}|$dir|g" "$@" "$base" >"$tmp/s/$name.strategy"
}
mutant mut-no-copies -e '/^ledger = hop/d' \
  -e 's/sink-copy-from user-buffer/sink-by-reference-from page-cache/'
mutant mut-zero-calls -e 's/^syscalls-per-chunk = .*/syscalls-per-chunk = 0/' \
  -e 's/^data-syscalls = .*/data-syscalls = sendfile/'
[ "$id" = java-heap-buffer ] && mutant mut-heap-fewer -e '/user-buffer -> runtime-heap/d'
export ZC_STRATEGY_PATH=$tmp/s

# 2. Zero calls per chunk: refused when the file is loaded, file and line named.
"$bin" list >"$tmp/list" 2>&1
if grep -q "mut-zero-calls.strategy:[0-9]*: syscalls-per-chunk must be > 0" "$tmp/list"; then
  echo "ok   2: $(grep mut-zero-calls "$tmp/list")"
else
  echo "FAIL 2: syscalls-per-chunk = 0 was not refused at load"; grep mut- "$tmp/list"; fail=1
fi
expect_usage_saying "mut-zero-calls" run -s mut-zero-calls --sink tcp \
  --size 1M -q -o "$tmp/x.json"

# 1 and 3: FAIL, with kernel evidence or without (the ledger's own
# inconsistency and its broken path fail too).
ids=mut-no-copies
[ -f "$tmp/s/mut-heap-fewer.strategy" ] && ids=$ids,mut-heap-fewer
"$bin" run -s "$ids" --sink tcp --size 4M --reps 1 --warmup 1 -q -o "$tmp/m.json" \
  --tmpdir "$tmp" >"$tmp/out" 2>&1 || { echo "FAIL: run exited $?"; cat "$tmp/out"; fail=1; }
python3 - "$tmp/m.json" <<'PY' || fail=1
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    assert r["status"] == "ok", (r["name"], r.get("reason"))
    assert r["model_check"]["status"] == "fail", (r["name"], r["copy_verdict"])
    assert r["copy_verdict"].startswith("MODEL CHECK FAILED"), r["copy_verdict"]
    print("ok   %s: %s" % (r["strategy"], r["copy_verdict"][:150]))
PY

# No evidence, no pass: every workload's runs without perf events.
ZC_NO_PERF=1 "$bin" run -s read-write,sendfile,splice --sink tcp,pipe,file --size 2M --reps 1 -q \
  -o "$tmp/n1.json" --tmpdir "$tmp" >/dev/null 2>&1
ZC_NO_PERF=1 "$bin" run --workload ingest -s all --sink tcp --size 2M --reps 1 -q \
  -o "$tmp/n2.json" --tmpdir "$tmp" >/dev/null 2>&1
ZC_NO_PERF=1 "$bin" run --workload append -s all --size 1M --reps 1 -q \
  -o "$tmp/n3.json" --tmpdir "$tmp" >/dev/null 2>&1
python3 - "$tmp/n1.json" "$tmp/n2.json" "$tmp/n3.json" <<'PY' || fail=1
import json, sys
n = 0
for f in sys.argv[1:]:
    for r in json.load(open(f))["runs"]:
        if r["status"] != "ok":
            continue
        n += 1
        assert r["model_check"]["status"] == "not_measured", (r["name"], r["model_check"]["status"])
        assert r["model_check"].get("unchecked"), (r["name"], "UNCHECKED hops not named")
assert n >= 13, n
print("ok   ZC_NO_PERF=1: %d runs, none passes, each names its unchecked hops" % n)
PY
exit $fail
