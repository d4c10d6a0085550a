#!/usr/bin/env bash
# The broker workload from the command line: bad values of its options are
# one line and exit 2; a small run of its three phases prints its table
# within 80 columns (the catch-up tax under it) and writes verified runs
# with parameters.lag and parameters.lag_read; as root the page cache is
# bounded by a memory cgroup, as nobody the run still finishes and says
# why it is not; nothing is left behind.
set -u
bin=$1
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"
expect_usage_saying "--streams"     run --preset broker --streams 2
expect_usage_saying "--producers"   run --workload ingest --producers 2 --streams 2
expect_usage_saying "--producers"   run --preset broker --producers 0
expect_usage_saying "--consumers"   run --preset broker --consumers 100
expect_usage_saying "--consume"     run --preset broker --consume copy-file-range
expect_usage_saying "--consume"     run --preset broker --consume bogus
expect_usage_saying "--lag"         run --preset broker --lag sometimes
expect_usage_saying "--lag-read"    run --preset broker --lag-read mmap
expect_usage_saying "--lag-read"    run --preset broker --lag caught-up --lag-read direct
expect_usage_saying "--lag-read"    run --workload ingest --lag-read direct
expect_usage_saying "--cache-limit" run --preset broker --size 32M --cache-limit 16M
expect_usage_saying "--cache-limit" run --preset broker --size 32M --cache-limit 0
expect_usage_saying "--cache-limit" run --preset broker --size 32M --cache-limit 4M
expect_usage_saying "--cache-limit" run --preset broker --size 16M
expect_usage_saying "--cache-limit" run --preset broker --size 32M --cache-limit 2M,4M
expect_usage_saying "--cache-limit" run -s read-write --cache-limit 8M
expect_usage_saying "--record"      run --preset broker --record 16
expect_usage_saying "--sink"        run --preset broker --sink veth
expect_usage_saying "--size"        run --preset broker --size 16K --producers 4 --record 16K
expect_usage_saying "--producers"   run -s read-write --producers 2
expect_usage_saying "--strategy"    run --preset broker -s sendfile
[ $fail -eq 0 ] || exit 1

# broker_run NAME [prefix...]: the three phases, 32M logs, as root or as the
# user the prefix runs it as.
broker_run() {
  local name=$1
  shift
  mkdir -m 777 "$tmp/$name"
  COLUMNS=80 "$@" "$bin" run --preset broker -s recv-write --consume sendfile --sink unix \
    --size 32M --reps 1 --warmup 0 --lag-read buffered,direct --tmpdir "$tmp/$name" \
    -o "$tmp/$name/b.json" >"$tmp/$name/table" 2>"$tmp/$name/err" || {
    echo "FAIL $name: broker run failed"; cat "$tmp/$name/err" "$tmp/$name/table"; return 1; }
  for want in 'producers alone:' 'with caught-up consumers' 'buffered reads:' 'direct reads:' \
    'catch-up tax: producer p99'; do
    grep -q "$want" "$tmp/$name/table" || {
      echo "FAIL $name: no '$want' in the table"; cat "$tmp/$name/table"; return 1; }
  done
  awk 'length > 80 { print "wider than 80: " $0; bad = 1 } END { exit bad }' \
    "$tmp/$name/table" || return 1
  python3 - "$tmp/$name/b.json" "$name" <<'PY' || return 1
import json, sys
doc = json.load(open(sys.argv[1]))
name = sys.argv[2]
assert doc["preset"] == "broker"
runs = doc["runs"]
phases = [(r["parameters"]["lag"], r["parameters"]["lag_read"]) for r in runs]
assert phases == [("none", "n/a"), ("caught-up", "n/a"), ("lagging", "buffered"),
                  ("lagging", "direct")], phases
for r in runs:
    assert r["workload"] == "broker"
    assert r["status"] == "ok" and r["verified"] is True, (r["name"], r.get("reason"))
    assert r["metrics"]["producer_latency_p99_ns"]["available"] is True
    bound = r["cache_bound"]
    if name == "root":
        assert bound["method"].startswith("memory cgroup"), bound
        assert r["metrics"]["cache_peak_bytes"]["available"] is True
    else:
        assert bound["method"] == "none" and "refused" in bound["reason"], bound
        assert any("not bounded" in w for w in r["warnings"]), r["warnings"]
for r in runs[1:]:
    assert r["metrics"]["e2e_latency_p99_ns"]["available"] is True
taxes = doc["catch_up_tax"]
assert [t["lag_read"] for t in taxes] == ["buffered", "direct"], taxes
for t in taxes:
    assert t["metric"] == "producer_latency_p99_ns" and t["ratio"]["estimate"] > 0, t
print(f"ok   {name}: 4 phases verified, cache bound: {runs[0]['cache_bound']['method']}")
PY
  # Nothing left: no log, no memory cgroup.
  [ -z "$(ls -A "$tmp/$name" | grep -v -e '^b.json$' -e '^table$' -e '^err$')" ] || {
    echo "FAIL $name: left behind: $(ls -A "$tmp/$name")"; return 1; }
  # Another test's zc-bench may hold one right now (ctest -j): a cgroup is
  # left behind when the process its name carries (zc-bench-PID-N) is gone.
  local cg pid
  for cg in /sys/fs/cgroup/memory/*/*/zc-bench-* /sys/fs/cgroup/memory/*/zc-bench-* \
    /sys/fs/cgroup/zc-bench-*; do
    [ -d "$cg" ] || continue
    pid=${cg##*/zc-bench-}; pid=${pid%%-*}
    [ -d "/proc/$pid" ] && continue
    echo "FAIL $name: a memory cgroup was left behind: $cg"; return 1
  done
}
broker_run root || exit 1
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && group=$(id -gn nobody 2>/dev/null); then
  cp "$bin" "$tmp/zc-bench" && chmod 755 "$tmp/zc-bench"
  bin=$tmp/zc-bench
  broker_run nobody env -u ZC_BENCH_EXE HOME="$tmp" setpriv --reuid=nobody --regid="$group" \
    --clear-groups || exit 1
  bin=$1
fi

# The broker table takes --columns too: its keys, then the columns asked for.
# With --sync interval:MS a producer a window ahead of its acknowledgements
# waits for one, so the broker syncs then too (it used to wait for the
# producer: "the peer ended its stream 16384 bytes early").
COLUMNS=80 "$bin" run --preset broker -s recv-write --consume sendfile --sink unix --size 32M \
  --reps 1 --warmup 0 --lag lagging --sync interval:20 --columns in,resident,consumer --tmpdir "$tmp" \
  -o "$tmp/bc.json" >"$tmp/table" 2>"$tmp/err" || {
  echo "broker --columns failed"; cat "$tmp/err"; exit 1; }
grep -qE '^ingest +consume +in +resident +cons ns/B$' "$tmp/table" || {
  echo "broker --columns not followed"; cat "$tmp/table"; exit 1; }
grep -q 'more columns: --columns' "$tmp/table" || { echo "broker: no hint of more columns"; exit 1; }
python3 - "$tmp/bc.json" <<'PY' || exit 1
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    assert r["status"] == "ok" and r["verified"] is True, (r["name"], r.get("reason"))
    assert r["parameters"]["sync"] == "interval:20", r["parameters"]["sync"]
print("ok   --sync interval:20: every run verified")
PY

if python3 -c 'import jsonschema' 2>/dev/null; then
  python3 - "$2/harness/report/schema/zc-bench-1.schema.json" "$tmp/root/b.json" <<'PY' || exit 1
import json, sys
import jsonschema
v = jsonschema.Draft7Validator(json.load(open(sys.argv[1])))
bad = 0
for path in sys.argv[2:]:
    for e in list(v.iter_errors(json.load(open(path))))[:5]:
        print(f"FAIL {path}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"); bad = 1
sys.exit(bad)
PY
fi
echo "ok: broker"
