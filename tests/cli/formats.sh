#!/usr/bin/env bash
# --format gbench is Google Benchmark's own JSON (read back here the way
# its tools/compare.py reads it: context + benchmarks, name, real_time,
# cpu_time, time_unit, iterations, run_type/aggregate_name, counters);
# --format csv is one row per run with the main figures.
set -eu
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(-s all --size 1M --chunk 256K --sink null,pipe --reps 3 --warmup 0 -q --tmpdir "$tmp")
"$bin" run "${common[@]}" --format gbench -o "$tmp/a.json"
"$bin" run "${common[@]}" --format gbench -o - >"$tmp/b.json"
"$bin" run "${common[@]}" --format csv -o "$tmp/r.csv"
"$bin" run "${common[@]}" --format json -o "$tmp/r.json"

python3 - "$tmp/a.json" "$tmp/b.json" "$tmp/r.csv" "$tmp/r.json" <<'PY'
import csv, json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
native = json.load(open(sys.argv[4]))
runs = [r["name"] for r in native["runs"]]
# Google Benchmark runs what was probed supported; unsupported runs are in
# the native document (and the csv) only.
ran = [r["name"] for r in native["runs"] if r["status"] != "unsupported"]
assert any(r["status"] == "unsupported" for r in native["runs"]), "wanted an unsupported run too"

for key in ("date", "host_name", "num_cpus", "mhz_per_cpu", "caches", "library_build_type"):
    assert key in a["context"], f"context lacks {key}"
benches = a["benchmarks"]
iterations = [x for x in benches if x.get("run_type") == "iteration"]
aggregates = [x for x in benches if x.get("run_type") == "aggregate"]
# One entry per repetition per run, and the aggregates Google Benchmark computes.
assert len(iterations) == 3 * len(ran), (len(iterations), len(ran))
assert {x["aggregate_name"] for x in aggregates} >= {"mean", "median", "stddev", "cv", "min", "max", "ci95_low", "ci95_high", "ci95_coverage"}, \
    {x["aggregate_name"] for x in aggregates}
for x in benches:
    # compare.py: is_potentially_comparable_benchmark() and the report columns.
    for key in ("name", "run_name", "real_time", "cpu_time", "time_unit", "iterations",
                "family_index", "per_family_instance_index", "repetitions", "threads"):
        assert key in x, f"{x.get('name')} lacks {key}"
    assert x["time_unit"] in ("ns", "us", "ms", "s"), x["time_unit"]
    assert x["name"].split("/iterations:")[0] in ran, x["name"]
    assert x["real_time"] > 0, x
for x in iterations:
    assert x["iterations"] == 1
    # Counters are plain numeric fields next to the timings; real_time is
    # the manual (measured) time, the same as the wall_s counter.
    assert x["throughput_bytes_per_s"] > 0 and x["syscalls"] > 0 and x["chunks"] >= 1, x
    assert abs(x["real_time"] * 1e-9 - x["wall_s"]) <= 1e-9 * x["real_time"] + 1e-9, x
    assert x["name"].endswith("/manual_time"), x["name"]

# compare.py's partition_benchmarks(): same names on both sides, every
# partition comparable, repetitions paired.
def names(doc):
    seen = []
    for x in doc["benchmarks"]:
        if x["name"] not in seen: seen.append(x["name"])
    return seen
common = [n for n in names(a) if n in names(b)]
# (Repetitions interleave, so runs finish, and are listed, in any order.)
assert sorted(common) == sorted(names(a)) == sorted(names(b)), "run names differ between identical invocations"
for n in common:
    lhs = [x for x in a["benchmarks"] if x["name"] == n]
    rhs = [x for x in b["benchmarks"] if x["name"] == n]
    assert len(lhs) == len(rhs) and all(l["time_unit"] == r["time_unit"] for l, r in zip(lhs, rhs))

rows = list(csv.DictReader(open(sys.argv[3])))
assert [r["name"] for r in rows] == runs, ([r["name"] for r in rows], runs)
for r, n in zip(rows, native["runs"]):
    assert r["strategy"] == n["strategy"] and r["status"] == n["status"]
    if r["status"] != "ok":
        continue
    assert float(r["throughput_bytes_per_s_median"]) > 0
    assert int(r["cpu_copies"]) == n["ledger"]["cpu_copies"]
    # pipe has a receiver process; null has not: an empty cell, never a zero.
    assert (r["receiver_cpu_ns_per_byte_median"] == "") == (n["sink"] == "null"), r
# Unsupported runs keep their row and say why; no "null"/"nan" cells.
for r in rows:
    assert (r["reason"] != "") == (r["status"] != "ok"), r
    assert not any(v in ("null", "nan", "NaN") for k, v in r.items() if k != "sink"), r
print(f"ok: gbench {len(iterations)} repetitions + {len(aggregates)} aggregates, csv {len(rows)} rows")
PY
