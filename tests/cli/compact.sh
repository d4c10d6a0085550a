#!/usr/bin/env bash
# --compact: the same runs, each metric's description once in
# metric_descriptions; strictly parsed, smaller, valid against the schema,
# and `compare` reads it beside a full document.
set -u
bin=$1; src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
args=(run -s read-write,sendfile --sink tcp --size 2M --chunk 512K --reps 2 --warmup 0 -q --tmpdir "$tmp")
"$bin" "${args[@]}" -o "$tmp/full.json" 2>"$tmp/err" || { echo "FAIL: full run"; cat "$tmp/err"; exit 1; }
"$bin" "${args[@]}" --compact -o "$tmp/compact.json" 2>"$tmp/err" || { echo "FAIL: compact run"; cat "$tmp/err"; exit 1; }

python3 - "$tmp/full.json" "$tmp/compact.json" "$src/harness/report/schema/zc-bench-1.schema.json" <<'PY' || fail=1
import json, os, sys

def strict(path):
    def refuse(token):
        raise ValueError(f"{path}: non-standard JSON token {token}")
    with open(path) as f:
        return json.load(f, parse_constant=refuse)

full, compact = strict(sys.argv[1]), strict(sys.argv[2])
ok = True
if compact.get("compact") is not True:
    print("FAIL: compact document lacks \"compact\": true"); ok = False
described = compact.get("metric_descriptions", {})
if not described:
    print("FAIL: no metric_descriptions"); ok = False
left = sum(1 for r in compact["runs"] for m in r.get("metrics", {}).values() if "description" in m)
total = sum(1 for r in full["runs"] for m in r.get("metrics", {}).values() if "description" in m)
# Every full description is recoverable: the run's own, else the dictionary's.
for r in full["runs"]:
    for key, m in r.get("metrics", {}).items():
        if "description" in m and key not in described:
            print(f"FAIL: {key}'s description is lost"); ok = False
sizes = [os.path.getsize(p) for p in sys.argv[1:3]]
print(f"full {sizes[0]} bytes, compact {sizes[1]} bytes; descriptions in runs: {total} -> {left}")
if sizes[1] >= sizes[0]:
    print("FAIL: compact is not smaller"); ok = False
try:
    import jsonschema
    jsonschema.validate(compact, json.load(open(sys.argv[3])))
except ImportError:
    print("schema check skipped: python3-jsonschema missing")
except jsonschema.ValidationError as e:
    print(f"FAIL: schema: {e.message} at {list(e.absolute_path)}"); ok = False
sys.exit(0 if ok else 1)
PY

"$bin" compare "$tmp/full.json" "$tmp/compact.json" --threshold 90 >"$tmp/cmp" 2>&1
rc=$?
if [ $rc -ge 2 ]; then echo "FAIL: compare full vs compact exited $rc"; cat "$tmp/cmp"; fail=1; fi
exit $fail
