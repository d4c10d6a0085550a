#!/usr/bin/env bash
# zc-bench compare: a file against itself passes (0); a copy with one run's
# throughput cut by 30% fails (1) naming that run; a change inside the runs'
# spread is noise (0); direction is per metric; runs in one file only are
# listed; truncated, non-JSON, foreign or mismatched input exits 2 with one
# line naming the file.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# One repetition: min = max = median, so the seeded changes below are
# outside the spread by construction and the test cannot flake on noise.
"$bin" run -s read-write,sendfile --size 2M --chunk 512K --sink null,pipe --reps 1 --warmup 0 -q \
  -o "$tmp/base.json" --tmpdir "$tmp" || { echo "FAIL: run"; exit 1; }

# Seeded variants of the base document.
python3 - "$tmp" <<'PY' || exit 1
import copy, json, sys
d = sys.argv[1]
base = json.load(open(f"{d}/base.json"))
# A run with measurable CPU (a receiver process hashing every byte).
victim = max(base["runs"], key=lambda r: r["metrics"]["total_cpu_ns_per_byte"]["median"])["name"]
def variant(name, edit):
    doc = copy.deepcopy(base)
    run = next(r for r in doc["runs"] if r["name"] == victim)
    edit(doc, run)
    json.dump(doc, open(f"{d}/{name}.json", "w"))
def scale(metric, f, spread=None):
    def edit(doc, run):
        m = run["metrics"][metric]
        for k in ("mean", "median", "min", "max"):
            m[k] *= f
        if spread:
            m["min"], m["max"] = m["median"] * spread[0], m["median"] * spread[1]
    return edit
variant("slower", scale("throughput_bytes_per_s", 0.7))
variant("faster", scale("throughput_bytes_per_s", 1.3))
# The new runs' repetitions range from 0.6x to 1.5x their median: the base
# median lies inside, so the 30% drop is noise.
variant("noisy", scale("throughput_bytes_per_s", 0.7, spread=(0.6, 1.5)))
variant("cpu_up", scale("total_cpu_ns_per_byte", 1.3))
variant("failed", lambda doc, run: run.update(status="error", reason="receiver died"))
variant("renamed", lambda doc, run: run.update(name=victim + "/receiver:truncate"))
variant("loaded", lambda doc, run: doc["environment"]["warnings"].append(
    "CPU governor is 'powersave' (seeded by the test)"))
variant("other_schema", lambda doc, run: doc.update(schema="zc-bench/0"))
json.dump({**base, "runs": [dict(r, name=r["name"] + "/x") for r in base["runs"]]},
          open(f"{d}/disjoint.json", "w"))
open(f"{d}/victim", "w").write(victim)
text = open(f"{d}/base.json").read()
open(f"{d}/truncated.json", "w").write(text[: len(text) // 2])
open(f"{d}/garbage.json", "w").write("strategy  sink  MB/s\nread-write tcp 800\n")
PY
victim=$(cat "$tmp/victim")
"$bin" run -s sendfile --size 1M --sink null --reps 1 --warmup 0 -q --format gbench \
  -o "$tmp/gbench.json" --tmpdir "$tmp"

expect() {  # expect STATUS WHAT ARGS... ; output in $tmp/out, $tmp/err
  local want=$1 what=$2; shift 2
  "$bin" compare "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne "$want" ]; then
    echo "FAIL $what: exit $rc, expected $want"; cat "$tmp/out" "$tmp/err"; fail=1; return 1
  fi
  echo "ok   $what: exit $rc"
}
expect_usage() {  # exit 2, one line on stderr naming the file, nothing on stdout
  local what=$1 file=$2; shift 2
  expect 2 "$what" "$@" || return
  if [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ -s "$tmp/out" ] || ! grep -qF "$file" "$tmp/err"; then
    echo "FAIL $what: wanted one line naming $file"; cat "$tmp/err"; fail=1
  else
    echo "     $(cat "$tmp/err")"
  fi
}
has() { grep -qF -- "$1" "$tmp/out" || { echo "FAIL: output lacks '$1'"; cat "$tmp/out"; fail=1; }; }
hasnt() { ! grep -qF -- "$1" "$tmp/out" || { echo "FAIL: output has '$1'"; cat "$tmp/out"; fail=1; }; }

expect 0 "itself" "$tmp/base.json" "$tmp/base.json" && has "no regression" && hasnt REGRESSION
expect 1 "throughput -30%" "$tmp/base.json" "$tmp/slower.json" && has "REGRESSION" &&
  grep -F "regression past 5%" "$tmp/out" | grep -qF "$victim" || { echo "FAIL: summary does not name $victim"; fail=1; }
cat "$tmp/out"
expect 0 "throughput +30% is better" "$tmp/base.json" "$tmp/faster.json" && has "better"
expect 0 "throughput -30% past the threshold of 40%" "$tmp/base.json" "$tmp/slower.json" --threshold 40
expect 0 "throughput -30% inside the spread" "$tmp/base.json" "$tmp/noisy.json" && has "noise"
expect 1 "cpu per byte +30%" "$tmp/base.json" "$tmp/cpu_up.json" --metric cpu_per_byte && has "total_cpu_ns_per_byte"
expect 0 "cpu per byte -30% is better" "$tmp/cpu_up.json" "$tmp/base.json" --metric cpu_per_byte
expect 0 "cpu per byte not gated" "$tmp/base.json" "$tmp/cpu_up.json" --metric throughput
expect 1 "run now fails" "$tmp/base.json" "$tmp/failed.json" && has "receiver died"
expect 0 "an environment warning on one side is noted" "$tmp/base.json" "$tmp/loaded.json" &&
  has "only NEW's environment warns: CPU governor is 'powersave' (seeded by the test)"
expect 0 "runs in one file only" "$tmp/base.json" "$tmp/renamed.json" &&
  has "only in BASE: $victim" && has "only in NEW: $victim/receiver:truncate"
expect 1 "markdown" "$tmp/base.json" "$tmp/slower.json" --format markdown &&
  has "| run | metric | base | new | change | verdict |" && has "**regression**"
expect 1 "json" "$tmp/base.json" "$tmp/slower.json" --format json &&
  python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
bad = [r["name"] for r in c["runs"] if r["regressed"]]
assert c["regressed"] is True and bad == [sys.argv[2]], bad' "$tmp/out" "$victim" || { echo "FAIL: json"; fail=1; }

expect_usage "truncated"      truncated.json "$tmp/base.json" "$tmp/truncated.json"
expect_usage "not JSON"       garbage.json   "$tmp/garbage.json" "$tmp/base.json"
expect_usage "missing file"   nope.json      "$tmp/base.json" "$tmp/nope.json"
expect_usage "gbench file"    gbench.json    "$tmp/gbench.json" "$tmp/base.json"
expect_usage "other schema"   other_schema.json "$tmp/base.json" "$tmp/other_schema.json"
expect_usage "nothing in common" disjoint.json "$tmp/base.json" "$tmp/disjoint.json"
expect_usage "unknown metric" frobs "$tmp/base.json" "$tmp/base.json" --metric frobs
expect_usage "bad format"     xml "$tmp/base.json" "$tmp/base.json" --format xml
exit $fail
