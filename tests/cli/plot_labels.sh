#!/usr/bin/env bash
# Plot labels tell every run apart: the append preset's runs (strategy x
# pattern x sync) and the kafka preset's rows (the articles' four and SSL's)
# (two of them sendfile over veth, scatter-gather off and on) each get their
# own label and their own figure (-append, -kafka). Read with
# `plot.py --list-labels` (the labels the script would draw), not pixels.
set -u
bin=$1; src=$2
python3 -c 'import matplotlib' 2>/dev/null || /usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
  { echo "skip: python3-matplotlib is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

check() {  # check RESULTS PRESET: distinct labels in every chart, the preset's figure
  local json=$1 preset=$2
  python3 "$src/scripts/plot.py" --list-labels "$json" >"$tmp/labels.json" ||
    { echo "FAIL: --list-labels $json"; fail=1; return; }
  python3 - "$tmp/labels.json" "$preset" <<'PY' || fail=1
import json, sys
labels, preset = json.load(open(sys.argv[1])), sys.argv[2]
for chart, names in labels.items():
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"{chart}: labels drawn twice: {dup}"
if preset == "kafka":
    rows = ["read + write", "mmap + write", "sendfile (NIC scatter-gather off)",
            "sendfile + NIC gather (sg on)", "read + SSL_write"]
    # kTLS sendfile is drawn only where the kernel has TLS (unsupported here).
    assert labels["kafka"] in (rows, rows + ["kTLS sendfile"]), labels["kafka"]
    # sg=off and sg=on stay apart; one bar per drawn row
    assert len(labels["copies"]) == len(labels["kafka"]), labels["copies"]
if preset == "append":
    assert len(labels["throughput"]) == 12, labels["throughput"]
    for sync in ("none", "every:1"):
        for s in ("append-write", "append-mmap", "append-direct"):
            for pattern in ("seq", "random"):
                assert f"sync {sync}: {s} {pattern}" in labels["append"], (sync, s, pattern)
print(f"ok   {preset}: " + "; ".join(f"{k} {len(v)}" for k, v in labels.items() if v))
PY
  python3 "$src/scripts/plot.py" "$json" -o "$tmp/charts" >/dev/null || { echo "FAIL: plot $json"; fail=1; }
  local stem
  stem=$(basename "$json" .json)
  [ -s "$tmp/charts/$stem-$preset.png" ] && [ -s "$tmp/charts/$stem-$preset.svg" ] ||
    { echo "FAIL: no $preset figure"; ls "$tmp/charts"; fail=1; }
}

# Synced appends are slow on real storage: a small log, one repetition.
"$bin" run --preset append --size 256K --reps 1 --warmup 0 -q --tmpdir "$tmp" -o "$tmp/append.json" ||
  { echo "FAIL: append preset run"; exit 1; }
check "$tmp/append.json" append

if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: the kafka preset (the veth sink needs CAP_NET_ADMIN; run as root)"
else
  "$bin" run --preset kafka --size 2M --reps 2 --warmup 1 -q --tmpdir "$tmp" -o "$tmp/kafka.json" ||
    { echo "FAIL: kafka preset run"; exit 1; }
  check "$tmp/kafka.json" kafka
fi
exit $fail
