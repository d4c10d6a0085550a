#!/usr/bin/env bash
# --format gbench is Google Benchmark's JSON layout, strict enough for the
# tools that read it unchanged: Python's json with NaN/Infinity refused,
# node's JSON.parse (github-action-benchmark's `googlecpp` reader), and
# Google Benchmark's own tools/compare.py where Debian installs it
# (libbenchmark-tools: /usr/share/benchmark/compare.py, with scipy). Every
# repetition carries bytes_per_second; the only aggregate is the median,
# its interval as counters, so compare.py shows no interval as a time.
# --format github-benchmark is github-action-benchmark's custom format.
set -eu
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(-s all --size 1M --chunk 256K --sink null,pipe --reps 3 --warmup 0 -q --tmpdir "$tmp")
"$bin" run "${common[@]}" --format json -o "$tmp/native.json"
"$bin" run "${common[@]}" --format gbench -o "$tmp/a.json"
"$bin" run "${common[@]}" --format gbench -o - >"$tmp/b.json"
"$bin" run "${common[@]}" --format gbench --gbench-aggregates-only -o "$tmp/agg.json"
"$bin" run -s sendfile --size 1M --sink null --reps 1 --warmup 0 -q --tmpdir "$tmp" \
  --format gbench --gbench-aggregates-only -o "$tmp/one.json"
"$bin" run "${common[@]}" --format github-benchmark -o "$tmp/gab.json"
"$bin" run "${common[@]}" --format github-benchmark --metric cpu -o "$tmp/gab_cpu.json"
if "$bin" run "${common[@]}" --format github-benchmark --metric frobs -o "$tmp/x.json" 2>"$tmp/err"; then
  echo "FAIL: --metric frobs accepted"; exit 1
fi

python3 - "$tmp" <<'PY'
import json, math, sys
tmp = sys.argv[1]
def refuse(const):
    raise ValueError(f"non-JSON constant {const}")
def load(name):
    with open(f"{tmp}/{name}") as f:
        return json.load(f, parse_constant=refuse)
native, a, b, agg, one = (load(n) for n in ("native.json", "a.json", "b.json", "agg.json", "one.json"))

def numbers(x):
    if isinstance(x, dict):
        for v in x.values(): yield from numbers(v)
    elif isinstance(x, list):
        for v in x: yield from numbers(v)
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        yield x
for doc in (a, b, agg, one):
    assert all(math.isfinite(v) for v in numbers(doc)), "a non-finite number"

# The context Google Benchmark writes, from the results document.
ctx = a["context"]
for key in ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
            "caches", "load_avg", "library_build_type"):
    assert key in ctx, f"context lacks {key}"
assert ctx["executable"].endswith("zc-bench") and ctx["num_cpus"] >= 1 and len(ctx["load_avg"]) == 3
for c in ctx["caches"]:
    assert set(c) == {"type", "level", "size", "num_sharing"} and c["size"] > 0, c

runs = {r["name"]: r for r in native["runs"]}
ran = [n for n, r in runs.items() if r["status"] == "ok"]
unsupported = [n for n, r in runs.items() if r["status"] == "unsupported"]
assert ran and unsupported, "wanted ok and unsupported runs"

benches = a["benchmarks"]
iterations = [x for x in benches if x["run_type"] == "iteration" and not x.get("skipped")]
skipped = [x for x in benches if x.get("skipped")]
aggregates = [x for x in benches if x["run_type"] == "aggregate"]
for x in benches:
    # What compare.py reads: names, times, units, the run's identity.
    for key in ("name", "run_name", "run_type", "family_index", "per_family_instance_index",
                "repetitions", "threads", "iterations", "real_time", "cpu_time", "time_unit"):
        assert key in x, f"{x.get('name')} lacks {key}"
    assert x["time_unit"] == "ns" and x["run_name"] in runs, x
# One entry per repetition; each unsupported run is skipped, not an error.
assert len(iterations) == 3 * len(ran), (len(iterations), len(ran))
assert sorted(x["name"] for x in skipped) == sorted(unsupported)
for x in skipped:
    assert x["skip_message"] == runs[x["name"]]["reason"] and "error_occurred" not in x, x
assert not any(x.get("error_occurred") for x in benches)
for x in iterations:
    assert x["iterations"] == 1 and 0 <= x["repetition_index"] < 3
    assert x["throughput_bytes_per_s"] > 0 and x["syscalls"] > 0, x
    assert x["bytes_per_second"] == x["throughput_bytes_per_s"], x
    assert abs(x["real_time"] * 1e-9 - x["wall_s"]) <= 1e-9 * x["wall_s"], x
# Aggregates: the median only, a time; the interval's ends are counters.
for x in aggregates:
    assert x["name"] == x["run_name"] + "_" + x["aggregate_name"], x
    assert x["aggregate_unit"] == "time", x
    # real_time is the wall time's median, also a counter
    assert abs(x["real_time"] * 1e-9 - x["wall_s"]) <= 1e-9 * x["wall_s"], x
    assert x["bytes_per_second_ci95_low"] <= x["bytes_per_second"] <= x["bytes_per_second_ci95_high"], x
names = {x["aggregate_name"] for x in aggregates}
assert names == {"median"}, names
assert len(aggregates) == len(ran), (len(aggregates), len(ran))

# Two identical invocations give the same names in the same order.
def order(doc): return [x["name"] for x in doc["benchmarks"]]
assert order(a) == order(b), "entries differ between identical invocations"

# Aggregates only: one entry per name, every one a time (what a dashboard
# plots), nothing for runs that measured nothing.
names = [x["name"] for x in agg["benchmarks"]]
assert len(names) == len(set(names)), "repeated names in the aggregates-only output"
assert all(x["run_type"] == "aggregate" and x["aggregate_unit"] == "time" for x in agg["benchmarks"])
assert {x["run_name"] for x in agg["benchmarks"]} == set(ran)
# One repetition has no aggregates: the repetition stands in (as in Google Benchmark).
assert [x["run_type"] for x in one["benchmarks"]] == ["iteration"], one["benchmarks"]
print(f"ok: {len(iterations)} repetitions, {len(aggregates)} aggregates, {len(skipped)} skipped; "
      f"aggregates-only {len(names)} entries")

# github-action-benchmark's custom format: an array of {name, unit, value,
# range, extra}, nothing else; one entry per run that measured something.
for name, unit, key in (("gab.json", "MB/s", "throughput_bytes_per_s"),
                        ("gab_cpu.json", "ns/B", "sender_cpu_ns_per_byte")):
    doc = load(name)
    assert isinstance(doc, list) and len(doc) == len(ran), (name, len(doc), len(ran))
    for e in doc:
        assert set(e) <= {"name", "unit", "value", "range", "extra"} and \
            {"name", "unit", "value", "extra"} <= set(e), e
        assert isinstance(e["name"], str) and e["name"] in ran and e["unit"] == unit, e
        assert isinstance(e["value"], (int, float)) and math.isfinite(e["value"]) and e["value"] > 0, e
        assert e["range"].startswith("\u00b1 ") and isinstance(e["extra"], str), e
print(f"ok: github-benchmark {len(load('gab.json'))} entries in MB/s and in ns/B")
PY

if command -v node >/dev/null; then
  # github-action-benchmark's googlecpp extractor: JSON.parse, then name,
  # real_time and time_unit of every entry.
  node -e '
    const fs = require("fs");
    for (const f of process.argv.slice(1)) {
      const doc = JSON.parse(fs.readFileSync(f, "utf8"));
      for (const b of doc.benchmarks)
        if (typeof b.name !== "string" || !Number.isFinite(b.real_time) || !b.time_unit)
          throw new Error(f + ": " + JSON.stringify(b));
    }
    console.log("ok: node JSON.parse read " + (process.argv.length - 1) + " files");
  ' "$tmp/a.json" "$tmp/b.json" "$tmp/agg.json" "$tmp/one.json"
  # github-action-benchmark's custom extractor: JSON.parse, an array whose
  # entries have a string name and unit and a numeric value.
  node -e '
    const fs = require("fs");
    for (const f of process.argv.slice(1)) {
      const doc = JSON.parse(fs.readFileSync(f, "utf8"));
      if (!Array.isArray(doc) || doc.length === 0) throw new Error(f + ": not a non-empty array");
      for (const b of doc)
        if (typeof b.name !== "string" || typeof b.unit !== "string" ||
            typeof b.value !== "number" || !Number.isFinite(b.value) ||
            (b.range !== undefined && typeof b.range !== "string") ||
            (b.extra !== undefined && typeof b.extra !== "string"))
          throw new Error(f + ": " + JSON.stringify(b));
    }
    console.log("ok: node read the custom format");
  ' "$tmp/gab.json" "$tmp/gab_cpu.json"
else
  echo "skipped: node JSON.parse (nodejs is not installed)"
fi

compare=$(find /usr/share -name compare.py -path '*benchmark*' 2>/dev/null | head -1)
if [ -z "$compare" ]; then
  echo "skipped: Google Benchmark's compare.py (not installed; Debian: libbenchmark-tools)"
elif ! /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
  echo "skipped: Google Benchmark's compare.py needs scipy (Debian: python3-scipy)"
else
  (cd "$(dirname "$compare")" && /usr/bin/python3 compare.py --no-color benchmarks "$tmp/a.json" "$tmp/b.json") \
    >"$tmp/compare.out" 2>&1 || { echo "FAIL: compare.py"; cat "$tmp/compare.out"; exit 1; }
  (cd "$(dirname "$compare")" && /usr/bin/python3 compare.py --no-color -a benchmarks "$tmp/agg.json" "$tmp/agg.json") \
    >>"$tmp/compare.out" 2>&1 || { echo "FAIL: compare.py on aggregates"; cat "$tmp/compare.out"; exit 1; }
  grep -q "sendfile/null/size:1M/chunk:256K/cache:hot_median" "$tmp/compare.out" ||
    { echo "FAIL: compare.py lists no sendfile median"; cat "$tmp/compare.out"; exit 1; }
  # No statistic but the median is shown as a time.
  if grep -E "_(ci95|stddev|cv|mean|min|max)" "$tmp/compare.out"; then
    echo "FAIL: compare.py shows a spread as a time"; exit 1
  fi
  echo "ok: $compare compared $(grep -c _median "$tmp/compare.out") medians"
fi
