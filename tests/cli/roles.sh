#!/usr/bin/env bash
# One metric vocabulary: every ok run of transfer, append, ingest and the
# broker has exactly one throughput and one cpu role metric, every metric
# says which way is better, and every figure a repetition wrote is a
# declared metric of the run (an undeclared one would be dropped without a
# word). io-uring-ingest's cpu figure is the whole process. gbench output for
# ingest and append has cpu_time > 0 on every iteration, the cpu role times
# the bytes moved, with aggregates. --preset broker runs say "workload": "broker".
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
  local out=$1; shift
  "$bin" run "$@" --tmpdir "$tmp" -q -o "$tmp/$out" >/dev/null 2>"$tmp/err" || {
    echo "FAIL: run $* (status $?)"; cat "$tmp/err"; exit 1; }
}
run t.json -s read-write,sendfile --sink null,pipe --size 1M --chunk 256K --reps 2 --warmup 1
run a.json --workload append -s append-write,append-mmap --size 1M --record 4K --reps 2 --warmup 1
run i.json --workload ingest -s recv-write,io-uring-ingest --sink tcp --size 2M --record 64K \
  --reps 2 --warmup 1
run b.json --preset broker -s recv-write --consume sendfile --lag caught-up --sink unix \
  --size 32M --reps 1 --warmup 0
run ig.json --workload ingest -s recv-write,io-uring-ingest --sink tcp --size 2M --record 64K \
  --reps 2 --warmup 0 --format gbench
run ag.json --workload append -s append-write --size 1M --record 4K --reps 3 --warmup 0 \
  --format gbench

python3 - "$tmp" <<'PY' || exit 1
import json, sys
d = sys.argv[1]
CPU = {"transfer": "sender_cpu_ns_per_byte", "append": "process_cpu_ns_per_byte",
       "ingest": "process_cpu_ns_per_byte", "broker": "process_cpu_ns_per_byte"}
seen = set()
for f in ("t", "a", "i", "b"):
    doc = json.load(open(f"{d}/{f}.json"))
    for r in doc["runs"]:
        assert r["status"] == "ok", (r["name"], r.get("reason"))
        m = r["metrics"]
        for key, x in m.items():
            assert x.get("better") in ("higher", "lower"), (r["name"], key)
        roles = {}
        for key, x in m.items():
            if "role" in x:
                assert x["role"] in ("throughput", "cpu", "latency", "evidence"), (key, x["role"])
                roles.setdefault(x["role"], []).append(key)
        assert roles.get("throughput") == ["throughput_bytes_per_s"], (r["name"], roles)
        assert roles.get("cpu") == [CPU[r["workload"]]], (r["name"], roles)
        assert m[CPU[r["workload"]]]["better"] == "lower"
        assert m["throughput_bytes_per_s"]["better"] == "higher"
        # Every figure written is declared (the run's metrics hold every
        # declared one that was measured).
        reps = r["repetitions"] + ([r["evidence_repetition"]] if "evidence_repetition" in r else [])
        for rep in reps:
            for key in rep.get("values", {}):
                assert key in m, f"{r['name']}: '{key}' written but not a declared metric"
        seen.add((r["workload"], r.get("strategy")))
        if r.get("strategy") == "io-uring-ingest":
            assert "RUSAGE_SELF" in m["process_cpu_ns_per_byte"]["description"]
assert ("ingest", "io-uring-ingest") in seen and ("append", "append-mmap") in seen, seen
b = json.load(open(f"{d}/b.json"))
assert all("broker" in r["parameters"] and r["workload"] == "broker" for r in b["runs"]), \
    "--preset broker runs say workload broker"

# gbench: cpu_time on every iteration from the cpu role, aggregates present.
for f, src in (("ig", None), ("ag", None)):
    g = json.load(open(f"{d}/{f}.json"))
    its = [x for x in g["benchmarks"] if x["run_type"] == "iteration"]
    aggs = [x for x in g["benchmarks"] if x["run_type"] == "aggregate"]
    assert its and aggs, (f, len(its), len(aggs))
    for x in its:
        cpu = x["process_cpu_ns_per_byte"]
        want = cpu * x["throughput_bytes_per_s"] * x["wall_s"]
        assert x["cpu_time"] > 0 and abs(x["cpu_time"] - want) <= 1e-6 * want, (f, x)
    for x in aggs:
        if x["aggregate_name"] in ("mean", "median", "min", "max"):
            assert x["cpu_time"] > 0, (f, x)
print("ok: roles in transfer, append, ingest and broker; gbench cpu_time for ingest and append")
PY
