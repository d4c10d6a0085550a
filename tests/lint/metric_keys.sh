#!/usr/bin/env bash
# Every metric a report reads by name (harness/report/*.cpp, cmd/*.cpp,
# scripts/plot.py) is declared in a workload's *_metrics.cpp; every metric
# declared says which way is better and its role, and each workload declares
# exactly one throughput and one cpu role. A report that reads a figure no
# workload writes would print "n/a" forever without a word.
set -euo pipefail
root=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
python3 - <<'PY'
import glob, re, sys

declared = {}  # key -> set of workloads
bad = []
for path in sorted(glob.glob("harness/workloads/*/*_metrics.cpp")):
    text = open(path).read()
    if "MetricDef{" not in text:
        continue
    rows = re.findall(r'MetricDef\{"([a-z0-9_]+)",\s*"[^"]*",\s*(Better::\w+),\s*Role::(\w+),', text)
    if len(rows) != text.count("MetricDef{"):
        bad.append(f"{path}: a MetricDef without unit, better and role in that order")
    roles = [r for _, _, r in rows]
    for role in ("throughput", "cpu"):
        if roles.count(role) != 1:
            bad.append(f"{path}: {roles.count(role)} metrics of role {role}, want exactly 1")
    workload = path.split("/")[2]
    for key, _, _ in rows:
        declared.setdefault(key, set()).add(workload)

# Metric-like names: what the workloads' keys end with.
suffix = re.compile(r"_(s|ns|per_byte|bytes|bytes_per_s|per_s|fraction|calls|switches|faults|"
                    r"per_chunk|per_record|us_per_kb|share|amplification|pages|folios|skbs|"
                    r"sends|notifications|cv|p\d+_ns|max_ns)$")
# Names that look like metrics but are something else (parameters, fields
# of other sections, Google Benchmark's own).
not_metrics = {"size_bytes", "memory_bytes", "limit_bytes_per_s", "max_results_bytes",
               "bytes_per_s", "elapsed_s", "timeout_s", "max_time_s", "idle_timeout_s",
               "mode_switches_per_chunk",  # the ledger's
               "cpu_per_byte"}  # compare's name for the cpu role
sources = glob.glob("harness/report/*.cpp") + glob.glob("cmd/*.cpp") + ["scripts/plot.py"]
for path in sorted(sources):
    for n, line in enumerate(open(path), 1):
        for key in re.findall(r'"([a-z][a-z0-9_]*)"', line):
            if suffix.search(key) and key not in declared and key not in not_metrics:
                bad.append(f"{path}:{n}: reads '{key}', which no workload declares")
for b in bad:
    print("metric keys:", b, file=sys.stderr)
if bad:
    sys.exit(1)
print(f"ok: {len(declared)} metrics declared, every one a report reads among them")
PY
