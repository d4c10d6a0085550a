#!/usr/bin/env bash
# scripts/run takes the user's -o and --format: `-o FILE` is the results
# file (no second -o), `--format csv` gets a .csv name and no charts (plot
# reads the native JSON), exit 0; a run's charts land next to its JSON.
# ZC_NO_BUILD=1: the build under test, as it is. From a scratch tree whose
# scripts/ and build/ link to the real ones, so results/ stays clean.
set -u
bin=$1; src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tree"
ln -s "$src/scripts" "$tmp/tree/scripts"
ln -s "$(cd "$(dirname "$bin")" && pwd)" "$tmp/tree/build"
export ZC_NO_BUILD=1 ZC_BUILD=$tmp/tree/build
fail=0
small=(-s sendfile --size 1M --reps 2 --warmup 0)

cd "$tmp" || exit 1
tree/scripts/run "${small[@]}" -o mine.json >out 2>err || { echo "FAIL: -o mine.json"; cat err; fail=1; }
[ -s mine.json ] && [ -s mine-throughput.png ] || { echo "FAIL: no mine.json or its charts"; ls; fail=1; }

tree/scripts/run "${small[@]}" --format csv -q >out 2>err || { echo "FAIL: --format csv"; cat err; fail=1; }
csv=$(ls tree/results/*.csv 2>/dev/null | head -1)
[ -n "$csv" ] && head -1 "$csv" | grep -q '^name,strategy' || { echo "FAIL: no CSV in results/"; ls -R tree/results; fail=1; }
ls tree/results/*.json >/dev/null 2>&1 && { echo "FAIL: a .json name for CSV"; fail=1; }
grep -q "plot failed" err && { echo "FAIL: tried to plot a CSV"; fail=1; }

tree/scripts/run "${small[@]}" --format=gbench --output=g.json -q 2>err || { echo "FAIL: --format=gbench --output="; cat err; fail=1; }
python3 -c 'import json; assert "benchmarks" in json.load(open("g.json"))' || fail=1
[ $fail -eq 0 ] && echo "ok: -o, --format csv (.csv, no charts), --format=/--output= forms"
exit $fail
