#!/usr/bin/env bash
# `zc-bench merge` of two hosts' files: one document that validates against
# the zc-bench/1 schema, every run with its host (and its name with it),
# each host's environment kept; compare, plot and the table read it; bad
# inputs (another schema version, Google Benchmark JSON, not strict JSON, a
# file twice, a log without a document) get one line and exit 2. The second
# host is the first file with its hostname changed, as a second machine
# would have written it.
set -u
bin=$1 src=$2
python3 -c 'import jsonschema' 2>/dev/null || { echo "skipped: python3-jsonschema is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/cli/common.bash"

"$bin" run -s read-write,sendfile --sink tcp --size 1M --reps 2 --warmup 0 -q -o "$tmp/a.json" \
  --tmpdir "$tmp" 2>"$tmp/run.err" || { echo "FAIL: run"; cat "$tmp/run.err"; exit 1; }
host=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["runs"][0]["host"])' "$tmp/a.json") ||
  { echo "FAIL: run writes no host"; exit 1; }
[ "$host" = "$(uname -n)" ] || { echo "FAIL: host '$host' is not $(uname -n)"; exit 1; }
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
doc = json.load(open(f"{tmp}/a.json"))
doc["environment"]["hostname"] = "other-host"
for r in doc["runs"]:
    r["host"] = "other-host"
json.dump(doc, open(f"{tmp}/b.json", "w"))
# A file from before `host` existed: merge takes the environment's.
for r in doc["runs"]:
    del r["host"]
doc["environment"]["hostname"] = "old-host"
json.dump(doc, open(f"{tmp}/old.json", "w"))
bad = dict(doc, schema="zc-bench/2")
json.dump(bad, open(f"{tmp}/v2.json", "w"))
open(f"{tmp}/nan.json", "w").write(json.dumps(doc).replace('"wall_s": {', '"wall_s": {"x": NaN, ', 1))
PY
COLUMNS=80 "$bin" merge "$tmp/a.json" "$tmp/b.json" "$tmp/old.json" -o "$tmp/all.json" >"$tmp/table" 2>"$tmp/err" ||
  { echo "FAIL: merge"; cat "$tmp/err"; exit 1; }
cat "$tmp/table" "$tmp/err"
grep -q "other-host" "$tmp/table" && grep -q "host" "$tmp/table" ||
  { echo "FAIL: the table has no host column"; exit 1; }
python3 -c 'import sys; sys.exit(any(len(l) > 80 for l in open(sys.argv[1], encoding="utf-8").read().splitlines()))' \
  "$tmp/table" || { echo "FAIL: the table is wider than 80 columns"; exit 1; }
python3 - "$src/harness/report/schema/zc-bench-1.schema.json" "$tmp/all.json" "$host" <<'PY' || exit 1
import json, sys, jsonschema
schema, doc, host = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
assert not errors, [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5]]
runs = doc["runs"]
assert [r["host"] for r in runs] == [host] * 2 + ["other-host"] * 2 + ["old-host"] * 2, [r["host"] for r in runs]
assert all(r["name"].endswith("/host:" + r["host"]) for r in runs)
assert all("peer" not in r for r in runs), "a local run has no peer"
assert sorted(doc["hosts"]) == sorted([host, "other-host", "old-host"])
assert doc["hosts"]["other-host"]["hostname"] == "other-host"
assert [m["file"].split("/")[-1] for m in doc["merged_from"]] == ["a.json", "b.json", "old.json"]
assert len(doc["comparisons"]) >= 3, "a ranking per host"
print(f"ok   merged: {len(runs)} runs from 3 hosts, schema-valid")
PY
# Merging the merged document again changes nothing in the names.
"$bin" merge -q "$tmp/all.json" -o "$tmp/again.json" || { echo "FAIL: merge of a merged document"; exit 1; }
python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert [r["name"] for r in a["runs"]] == [r["name"] for r in b["runs"]]
assert sorted(a["hosts"]) == sorted(b["hosts"])' "$tmp/all.json" "$tmp/again.json" ||
  { echo "FAIL: a second merge renamed runs"; exit 1; }

"$bin" compare "$tmp/all.json" "$tmp/all.json" --format json >"$tmp/cmp.json" 2>"$tmp/cmp.err"
rc=$?
[ $rc -le 1 ] && python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert len(c["runs"]) == 6 and not c["only_base"] and not c["regressed"]' "$tmp/cmp.json" ||
  { echo "FAIL: compare of the merged document (exit $rc)"; cat "$tmp/cmp.err"; exit 1; }
echo "ok   compare reads it (exit $rc)"
"$bin" plot "$tmp/all.json" -o "$tmp/plots" >"$tmp/plot.out" 2>&1 && [ -s "$tmp/plots/all-throughput.png" ] ||
  { echo "FAIL: plot"; cat "$tmp/plot.out"; exit 1; }
echo "ok   plot reads it"

"$bin" run -s read-write --sink null --size 1M --reps 1 --warmup 0 -q --format gbench \
  -o "$tmp/gbench.json" --tmpdir "$tmp" 2>/dev/null
printf 'zc-bench: 1 run\nno document here\n' >"$tmp/nodoc.log"
expect_usage_saying "is not \"zc-bench/1\"" merge "$tmp/a.json" "$tmp/v2.json"
expect_usage_saying "Google Benchmark JSON" merge "$tmp/gbench.json"
expect_usage_saying "not JSON" merge "$tmp/a.json" "$tmp/nan.json"
expect_usage_saying "is in both" merge "$tmp/a.json" "$tmp/a.json"
expect_usage_saying "does not exist" merge "$tmp/a.json" "$tmp/missing.json"
expect_usage_saying "no results document in the log" merge --from-logs "$tmp/nodoc.log"
expect_usage "no files" merge
# A log as kubectl logs gives it (stderr's table around the document).
{ echo "zc-bench: 2 runs x 2 repetitions..."; cat "$tmp/a.json"; echo; echo "strategy  MB/s"; } >"$tmp/a.log"
"$bin" merge -q --from-logs "$tmp/a.log" -o "$tmp/fromlog.json" && python3 -c '
import json, sys; assert len(json.load(open(sys.argv[1]))["runs"]) == 2' "$tmp/fromlog.json" ||
  { echo "FAIL: --from-logs"; fail=1; }
[ $fail -eq 0 ] && echo ok
exit $fail
