#!/usr/bin/env bash
# A real run from the command line: table on stdout, valid JSON in the file,
# nothing but JSON on stdout with -o -, schema-valid output.
set -eu
bin=$1; src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" run --size 2M --chunk 256K --reps 2 --sink tcp,file -o "$tmp/r.json" --tmpdir "$tmp" >"$tmp/table" 2>"$tmp/err"
grep -q '^strategy' "$tmp/table"
grep -q 'read-write' "$tmp/table"
python3 - "$tmp/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == "zc-bench/1"
assert doc["complete"] is True
runs = doc["runs"]
# Every strategy x sink: a verified result, or "unsupported" with its reason
# (a strategy that cannot use a sink, a feature this machine lacks).
ok = set()
for r in runs:
    if r["status"] == "unsupported":
        assert r["reason"], r["name"]
        continue
    assert r["status"] == "ok", r
    assert r["verified"] is True, r["name"]
    assert r["metrics"]["throughput_bytes_per_s"]["median"] > 0
    ok.add((r["strategy"], r["sink"]))
for s in ("read-write", "mmap-write", "sendfile"):
    for sink in ("tcp", "file"):
        assert (s, sink) in ok, (s, sink)
PY
# -o -: stdout is JSON and only JSON.
"$bin" run -s sendfile --size 1M --reps 2 -o - --tmpdir "$tmp" 2>/dev/null | python3 -c 'import json,sys; json.load(sys.stdin)'
# Nothing left in the temp folder but our own files.
left=$(find "$tmp" -mindepth 1 -name 'zc-bench.*' | wc -l)
[ "$left" -eq 0 ] || { echo "left temporary folders: $left"; exit 1; }
echo ok
