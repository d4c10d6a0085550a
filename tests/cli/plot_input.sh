#!/usr/bin/env bash
# Bad input to `zc-bench plot` and scripts/plot.py: a FIFO (used to block
# forever), /dev/zero (read without end), an oversized file, and documents
# whose runs lack a field or have it wrongly typed (a 22-line traceback).
# Each is one line on stderr naming the file and what is wrong, exit 2.
set -u
bin=$1; src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"

mkfifo "$tmp/results.fifo"
truncate -s 300M "$tmp/huge.json"  # sparse: no disk space used
expect_usage_saying "is a FIFO" plot "$tmp/results.fifo"
expect_usage_saying "is a device" plot /dev/zero
expect_usage_saying "is a folder" plot "$tmp"
expect_usage_saying "larger than a results file" plot "$tmp/huge.json"
expect_usage_saying "No such file" plot "$tmp/none.json"

if ! python3 -c 'import matplotlib' 2>/dev/null && ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  echo "skip the script's checks: python3-matplotlib is not installed"
  exit $fail
fi

# script_rejects WANT FILE: plot.py itself (bounded by `timeout` in case it
# blocks) exits 2 with one line that has WANT.
script_rejects() {
  local want=$1 file=$2
  timeout 60 python3 "$src/scripts/plot.py" "$file" -o "$tmp/charts" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -qF -- "$want" "$tmp/err"; then
    echo "FAIL plot.py $(basename "$file"): exit $rc, wanted one line with '$want':"; head -5 "$tmp/err"; fail=1
    return
  fi
  echo "ok   plot.py: $(cat "$tmp/err")"
}
script_rejects "is a FIFO" "$tmp/results.fifo"
script_rejects "is a device" /dev/zero
script_rejects "larger than a results file" "$tmp/huge.json"

# Documents from a real run, each broken in one place.
"$bin" run -s sendfile --size 1M --sink null --reps 1 --warmup 0 -q -o "$tmp/r.json" --tmpdir "$tmp" ||
  { echo "FAIL: run"; exit 1; }
mutate() {  # mutate NAME PYTHON-STATEMENT (on doc)
  python3 - "$tmp/r.json" "$tmp/$1.json" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(doc, open(sys.argv[2], "w"))
PY
}
mutate no-params 'for r in doc["runs"]: del r["parameters"]'
mutate size-text 'doc["runs"][0]["parameters"]["size"] = "1M"'
mutate runs-object 'doc["runs"] = {"a": 1}'
mutate metric-text 'doc["runs"][0]["metrics"]["throughput_bytes_per_s"]["median"] = "fast"'
mutate no-ledger 'del doc["runs"][0]["ledger"]'
mutate run-number 'doc["runs"][0] = 7'
printf '\xff\xfe{' >"$tmp/binary.json"
for tool in cli script; do
  check() {  # check WANT NAME
    if [ $tool = cli ]; then
      expect_usage_saying "$1" plot "$tmp/$2.json"
      grep -qF "$tmp/$2.json" "$tmp/err" || { echo "FAIL: the file is not named"; fail=1; }
    else
      script_rejects "$1" "$tmp/$2.json"
    fi
  }
  check "runs[0].parameters is missing" no-params
  check "runs[0].parameters.size must be a positive integer, not a string" size-text
  check "runs must be an array, not an object" runs-object
  check "runs[0].metrics.throughput_bytes_per_s.median must be a number or null, not a string" metric-text
  check "runs[0].ledger is missing" no-ledger
  check "runs[0] must be an object, not a number" run-number
  check "not valid JSON" binary
done
# The good document still plots.
"$bin" plot "$tmp/r.json" -o "$tmp/good" >/dev/null 2>"$tmp/err" && [ -s "$tmp/good/r-throughput.png" ] ||
  { echo "FAIL: a good document no longer plots"; cat "$tmp/err"; fail=1; }
[ $fail -eq 0 ] && echo ok
exit $fail
