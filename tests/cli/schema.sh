#!/usr/bin/env bash
# Real output of every workload zc-bench offers (as `zc-bench list --json`
# reports them), including an interrupted run, validates against the
# zc-bench/1 JSON Schema in harness/report/schema/.
set -u
bin=$1; src=$2
schema=$src/harness/report/schema/zc-bench-1.schema.json
python3 -c 'import jsonschema' 2>/dev/null || { echo "skip: python3-jsonschema is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every workload a registered strategy belongs to (transfer when list does
# not say).
workloads=$("$bin" list --json | python3 -c '
import json, sys
print(" ".join(sorted({s.get("workload", "transfer") for s in json.load(sys.stdin)})))')
echo "workloads: $workloads"
docs=()
for w in $workloads; do
  case $w in
    transfer) args=(--size 2M --chunk 512K --sink tcp,null,file) ;;
    append)   args=(--workload append --size 1M --record 4K) ;;
    *)        args=(--workload "$w" --size 1M) ;;
  esac
  "$bin" run "${args[@]}" --reps 2 --warmup 0 -q -o "$tmp/$w.json" --tmpdir "$tmp" 2>"$tmp/$w.err"
  rc=$?
  [ $rc -le 1 ] && [ -s "$tmp/$w.json" ] || { echo "FAIL: $w run: exit $rc"; cat "$tmp/$w.err"; exit 1; }
  docs+=("$tmp/$w.json")
done

# An interrupted document (complete: false, a run marked interrupted).
"$bin" run -s read-write --size 32M --chunk 64K --reps 500 --warmup 0 -q --sink file \
  -o "$tmp/interrupted.json" --tmpdir "$tmp" 2>/dev/null &
pid=$!
sleep 1
kill -INT $pid; wait $pid
docs+=("$tmp/interrupted.json")

python3 - "$schema" "${docs[@]}" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
failed = False
for path in sys.argv[2:]:
    doc = json.load(open(path))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:10]:
        print(f"FAIL {path}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
    failed |= bool(errors)
    statuses = sorted({r["status"] for r in doc["runs"]})
    print(f"{'FAIL' if errors else 'ok  '} {path.split('/')[-1]}: {len(doc['runs'])} runs {statuses}, {len(errors)} errors")
# The schema must be able to fail: a document without its runs' metrics units is rejected.
doc = json.load(open(sys.argv[2]))
bad = json.loads(json.dumps(doc))
del bad["runs"][0]["metrics"]["wall_s"]["unit"]
bad["runs"][0]["status"] = "fine"
if len(list(validator.iter_errors(bad))) < 2:
    print("FAIL: the schema accepts a broken document"); failed = True
# The fields added for comparisons: the median's interval on every summary
# of two or more repetitions, and the verdict section.
transfer = next(json.load(open(p)) for p in sys.argv[2:] if p.endswith("/transfer.json"))
ok_runs = [r for r in transfer["runs"] if r["status"] == "ok"]
tp = ok_runs[0]["metrics"]["throughput_bytes_per_s"]
if not (tp["ci95_low"] <= tp["median"] <= tp["ci95_high"] and tp["ci95_coverage"] == 0.5):
    print(f"FAIL: throughput lacks its interval: {tp}"); failed = True
if not transfer.get("comparisons") or not all("sentence" in c for c in transfer["comparisons"]):
    print("FAIL: no comparisons section in a transfer document with several strategies"); failed = True
interrupted = json.load(open(sys.argv[-1]))
if interrupted["complete"] is not False or not any(r["status"] == "interrupted" for r in interrupted["runs"]):
    print("FAIL: the interrupted document is not marked incomplete with an interrupted run"); failed = True
sys.exit(1 if failed else 0)
PY
