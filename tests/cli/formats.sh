#!/usr/bin/env bash
# --format csv is one row per run with the main figures (--format gbench:
# gbench.sh).
set -eu
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(-s all --size 1M --chunk 256K --sink null,pipe --reps 3 --warmup 0 -q --tmpdir "$tmp")
"$bin" run "${common[@]}" --format csv -o "$tmp/r.csv"
"$bin" run "${common[@]}" --format json -o "$tmp/r.json"

python3 - "$tmp/r.csv" "$tmp/r.json" <<'PY'
import csv, json, sys
native = json.load(open(sys.argv[2]))
runs = [r["name"] for r in native["runs"]]
assert any(r["status"] == "unsupported" for r in native["runs"]), "wanted an unsupported run too"

rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["name"] for r in rows] == runs, ([r["name"] for r in rows], runs)
for r, n in zip(rows, native["runs"]):
    assert r["strategy"] == n["strategy"] and r["status"] == n["status"]
    if r["status"] != "ok":
        continue
    assert float(r["throughput_bytes_per_s_median"]) > 0
    # (the JSON is another invocation's: only the interval's shape compares)
    low, mid, high = (float(r["throughput_bytes_per_s_" + k]) for k in ("ci95_low", "median", "ci95_high"))
    assert low <= mid <= high, r
    assert int(r["cpu_copies"]) == n["ledger"]["cpu_copies"]
    # pipe has a receiver process; null has not: an empty cell, never a zero.
    assert (r["receiver_cpu_ns_per_byte_median"] == "") == (n["sink"] == "null"), r
# Unsupported runs keep their row and say why; no "null"/"nan" cells.
for r in rows:
    assert (r["reason"] != "") == (r["status"] != "ok"), r
    assert not any(v in ("null", "nan", "NaN") for k, v in r.items() if k != "sink"), r
print(f"ok: csv {len(rows)} rows")
PY
