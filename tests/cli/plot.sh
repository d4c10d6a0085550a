#!/usr/bin/env bash
# scripts/plot.py and `zc-bench plot` turn a real results file into
# non-empty PNG and SVG charts titled with the machine and kernel; the chunk
# chart appears for a chunk sweep; bad input is one line and exit 2.
set -u
bin=$1; src=$2
python3 -c 'import matplotlib' 2>/dev/null || /usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
  { echo "skip: python3-matplotlib is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$bin" run -s read-write,sendfile --size 1M --chunk 128K,256K --sink pipe,null --reps 2 --warmup 0 -q \
  -o "$tmp/r.json" --tmpdir "$tmp" || { echo "FAIL: run"; exit 1; }
kernel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["environment"]["kernel_release"])' "$tmp/r.json")

check() {  # check DIR: every chart, both formats, real images
  local dir=$1
  for chart in throughput cpu copies chunk; do
    for ext in png svg; do
      f=$dir/r-$chart.$ext
      if [ ! -s "$f" ]; then echo "FAIL: $f missing or empty"; fail=1; continue; fi
      case $ext in
        png) head -c 8 "$f" | od -An -c | grep -q 'P   N   G' || { echo "FAIL: $f is not a PNG"; fail=1; } ;;
        svg) grep -q '<svg' "$f" && grep -qF "$kernel" "$f" || { echo "FAIL: $f: no SVG titled with kernel $kernel"; fail=1; } ;;
      esac
    done
  done
}
python3 "$src/scripts/plot.py" "$tmp/r.json" -o "$tmp/direct" >"$tmp/out" || { echo "FAIL: plot.py"; fail=1; }
[ "$(wc -l <"$tmp/out")" -eq 8 ] || { echo "FAIL: plot.py listed $(wc -l <"$tmp/out") files, expected 8"; cat "$tmp/out"; fail=1; }
check "$tmp/direct"
"$bin" plot "$tmp/r.json" -o "$tmp/via-cli" >/dev/null || { echo "FAIL: zc-bench plot"; fail=1; }
check "$tmp/via-cli"
# Default folder: next to the JSON.
"$bin" plot "$tmp/r.json" >/dev/null && [ -s "$tmp/r-throughput.png" ] || { echo "FAIL: default folder"; fail=1; }

# No chunk sweep, no chunk chart.
"$bin" run -s sendfile --size 1M --sink null --reps 1 --warmup 0 -q -o "$tmp/one.json" --tmpdir "$tmp"
"$bin" plot "$tmp/one.json" -o "$tmp/one" >/dev/null || { echo "FAIL: plot of one run"; fail=1; }
[ ! -e "$tmp/one/one-chunk.png" ] && [ -s "$tmp/one/one-throughput.svg" ] || { echo "FAIL: one-run charts"; fail=1; }

for bad in "missing:$tmp/nope.json" "truncated:$tmp/cut.json"; do
  head -c 100 "$tmp/r.json" >"$tmp/cut.json"
  "$bin" plot "${bad#*:}" >"$tmp/out" 2>"$tmp/err"; rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
    echo "FAIL ${bad%%:*}: exit $rc"; cat "$tmp/err"; fail=1
  else
    echo "ok   ${bad%%:*}: $(cat "$tmp/err")"
  fi
done
[ $fail -eq 0 ] && echo "ok: $(ls "$tmp/direct" | tr '\n' ' ')"
exit $fail
