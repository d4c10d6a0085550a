#!/usr/bin/env bash
# zc-bench compare: a file against itself passes (0); a copy with one run's
# throughput cut by 30% fails (1) naming that run, also when the two runs'
# repetition ranges overlap (the Mann-Whitney test decides, not min-max);
# a change inside the runs' noise passes; repetitions too few to detect the
# threshold are "undecided": exit 0 with one warning line giving the number
# needed, exit 3 with --strict (a file against itself: 0 even then);
# direction is per metric; a change significant in one run alone is not
# once corrected for every run compared (Holm); runs in one file only are listed; truncated,
# non-JSON, foreign, mistyped, FIFO, device and oversized input exits 2
# with one line naming the file (and the field).
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$bin" run -s read-write,sendfile --size 2M --chunk 512K --sink null,pipe --reps 6 --warmup 0 -q \
  -o "$tmp/real.json" --tmpdir "$tmp" || { echo "FAIL: run"; exit 1; }

# Seeded variants. The per-repetition values of every run are replaced by a
# tight synthetic set around the real median (+-0.5%), so that the verdicts
# below follow from the seeded changes and the test cannot flake on noise.
python3 - "$tmp" <<'PY' || exit 1
import copy, json, statistics, sys
d = sys.argv[1]
doc = json.load(open(f"{d}/real.json"))
# The cpu role of a transfer run: the sender process.
CPU = "sender_cpu_ns_per_byte"
assert all(r["metrics"][CPU]["role"] == "cpu" for r in doc["runs"] if r["status"] == "ok")
KEYS = ("throughput_bytes_per_s", CPU)
def set_values(run, key, values):
    reps = [r for r in run["repetitions"] if r["status"] == "ok"]
    assert len(reps) == len(values), (len(reps), len(values))
    for r, v in zip(reps, values):
        r["values"][key] = v
    m = run["metrics"][key]
    m.update(median=statistics.median(values), mean=statistics.mean(values),
             min=min(values), max=max(values))
def values(run, key):
    return [r["values"][key] for r in run["repetitions"] if r["status"] == "ok"]
for run in doc["runs"]:
    for key in KEYS:
        center = run["metrics"][key]["median"] or 1e-3
        set_values(run, key, [center * (1 + 0.002 * (i - 2.5)) for i in range(6)])
json.dump(doc, open(f"{d}/base.json", "w"))
victim = max(doc["runs"], key=lambda r: r["metrics"][CPU]["median"])["name"]
def variant(name, edit, base=doc):
    new = copy.deepcopy(base)
    run = next(r for r in new["runs"] if r["name"] == victim)
    edit(new, run)
    json.dump(new, open(f"{d}/{name}.json", "w"))
def scale(key, f):
    return lambda doc, run: set_values(run, key, [v * f for v in values(run, key)])
def replace(key, factors):
    def edit(doc, run):
        center = run["metrics"][key]["median"]
        set_values(run, key, [center * f for f in factors])
    return edit
variant("slower", scale("throughput_bytes_per_s", 0.7))
variant("faster", scale("throughput_bytes_per_s", 1.3))
# One repetition of NEW as fast as BASE's median: the min-max ranges overlap
# (the old rule called this noise), the rest moved by 30%.
variant("overlap", replace("throughput_bytes_per_s", [0.70, 0.702, 0.704, 0.706, 0.708, 1.0]))
# NEW interleaves BASE's values: no change, and the interval says < 5%.
variant("interleaved", replace("throughput_bytes_per_s", [1.001, 1.003, 0.999, 1.005, 0.997, 1.0]))
# The same median, but spread +-20%: 6 repetitions cannot detect 5%.
variant("spread_base", replace("throughput_bytes_per_s", [0.8, 1.2, 0.9, 1.1, 1.0, 0.95]))
variant("spread_new", replace("throughput_bytes_per_s", [1.2, 0.8, 1.1, 0.9, 1.05, 1.0]))
variant("cpu_up", scale(CPU, 1.3))
# A BASE written before metrics had roles: cpu_per_byte still pairs by NEW's.
old = copy.deepcopy(doc)
for r in old["runs"]:
    for m in r.get("metrics", {}).values():
        m.pop("role", None), m.pop("better", None)
json.dump(old, open(f"{d}/no_roles.json", "w"))
variant("failed", lambda doc, run: run.update(status="error", reason="receiver died"))
variant("renamed", lambda doc, run: run.update(name=victim + "/receiver:truncate"))
variant("loaded", lambda doc, run: doc["environment"]["warnings"].append(
    "CPU governor is 'powersave' (seeded by the test)"))
variant("other_schema", lambda doc, run: doc.update(schema="zc-bench/0"))
# Three repetitions a side: no outcome can reach p < 0.05.
def three(doc, run):
    for r in doc["runs"]:
        r["repetitions"] = r["repetitions"][:3]
variant("three_base", three)
variant("three_slower", lambda doc, run: (three(doc, run),
        scale("throughput_bytes_per_s", 0.7)(doc, run)))
json.dump({**doc, "runs": [dict(r, name=r["name"] + "/x") for r in doc["runs"]]},
          open(f"{d}/disjoint.json", "w"))
# Wrongly typed fields, each in its own file.
def typo(name, edit):
    new = copy.deepcopy(doc)
    edit(new)
    json.dump(new, open(f"{d}/{name}.json", "w"))
typo("t_name", lambda x: x["runs"][0].update(name=5))
typo("t_median", lambda x: x["runs"][1]["metrics"]["throughput_bytes_per_s"].update(median="fast"))
typo("t_value", lambda x: x["runs"][0]["repetitions"][2]["values"].update(throughput_bytes_per_s="1e9"))
typo("t_status", lambda x: x["runs"][0].update(status=None))
typo("t_runs_item", lambda x: x["runs"].append([1, 2]))
typo("t_complete", lambda x: x.update(complete="yes"))
typo("t_environment", lambda x: x.update(environment=[]))
typo("t_metrics", lambda x: x["runs"][0].update(metrics=[]))
# A moderate change, p = 0.026 for 6 vs 6: one of NEW's repetitions beats
# four of BASE's (U = 4), yet the change's whole interval is past 5% (its
# upper end -12%): a regression in one run alone; in every run of the
# file, Holm's correction for the runs compared holds the smallest p to
# 5%/m and none of them is flagged.
moderate_base = [1.00, 1.01, 1.02, 1.03, 1.20, 1.25]
moderate = [0.60, 0.61, 0.62, 0.63, 0.64, 1.10]
base_m = copy.deepcopy(doc)
for run in base_m["runs"]:
    center = run["metrics"]["throughput_bytes_per_s"]["median"]
    set_values(run, "throughput_bytes_per_s", [center * f for f in moderate_base])
json.dump(base_m, open(f"{d}/moderate_base.json", "w"))
variant("moderate_one", replace("throughput_bytes_per_s", moderate), base=base_m)
every = copy.deepcopy(base_m)
for run in every["runs"]:
    center = next(r for r in doc["runs"] if r["name"] == run["name"])["metrics"]["throughput_bytes_per_s"]["median"]
    set_values(run, "throughput_bytes_per_s", [center * f for f in moderate])
json.dump(every, open(f"{d}/moderate_every.json", "w"))
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
  timeout 20 "$bin" compare "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne "$want" ]; then
    echo "FAIL $what: exit $rc, expected $want"; cat "$tmp/out" "$tmp/err"; fail=1; return 1
  fi
  echo "ok   $what: exit $rc"
}
expect_usage() {  # exit 2, one line on stderr naming the file (and TEXT), nothing on stdout
  local what=$1 file=$2 text=$3; shift 3
  expect 2 "$what" "$@" || return
  if [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ -s "$tmp/out" ] || ! grep -qF "$file" "$tmp/err" ||
    ! grep -qF -- "$text" "$tmp/err"; then
    echo "FAIL $what: wanted one line naming $file and saying '$text'"; cat "$tmp/err"; fail=1
  else
    echo "     $(cat "$tmp/err")"
  fi
}
# The text wraps at the terminal's width: matched with its lines joined.
flat() { tr '\n' ' ' <"$tmp/out" | tr -s ' '; }
has() { flat | grep -qF -- "$1" || { echo "FAIL: output lacks '$1'"; cat "$tmp/out"; fail=1; }; }
hasnt() { ! flat | grep -qF -- "$1" || { echo "FAIL: output has '$1'"; cat "$tmp/out"; fail=1; }; }
victim_line() { grep -F "$victim" "$tmp/out" | head -1; }

expect 0 "itself" "$tmp/base.json" "$tmp/base.json" && has "no regression" && hasnt REGRESSION
expect 0 "itself, --strict" "$tmp/base.json" "$tmp/base.json" --strict && has "identical values" &&
  hasnt UNDECIDED && hasnt "warning:"
expect 0 "a wide-spread file against itself, --strict" "$tmp/spread_new.json" \
  "$tmp/spread_new.json" --strict && hasnt UNDECIDED
expect 1 "throughput -30%" "$tmp/base.json" "$tmp/slower.json" && has "REGRESSION" &&
  has "-30.0% (" && { grep -F "regression past 5%" "$tmp/out" | grep -qF "$victim" ||
  { echo "FAIL: summary does not name $victim"; fail=1; }; }
cat "$tmp/out"
expect 1 "one run moderately slower (p 0.026)" "$tmp/moderate_base.json" "$tmp/moderate_one.json" \
  --metric throughput && has "REGRESSION" && has "0.026"
expect 0 "every run moderately slower: Holm over the runs" "$tmp/moderate_base.json" \
  "$tmp/moderate_every.json" --metric throughput && hasnt REGRESSION && has "(Holm)"
"$bin" compare "$tmp/moderate_base.json" "$tmp/moderate_every.json" --metric throughput --format json \
  >"$tmp/holm.json" 2>/dev/null
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["correction"] == "holm", d.get("correction")
ms = [m for r in d["runs"] for m in r["metrics"] if m["metric"] == "throughput_bytes_per_s"]
m_count = len(ms)
for m in ms:
    assert m["family"] == m_count and abs(m["p_value"] - 0.026) < 0.001, m
    assert abs(m["p_adjusted"] - min(1, m_count * m["p_value"])) < 1e-9, m
    assert m["verdict"] != "regression", m
print("ok   Holm in the JSON:", m_count, "runs, p", round(ms[0]["p_value"], 4), "adjusted",
      round(ms[0]["p_adjusted"], 4))
' "$tmp/holm.json" || fail=1
# The text fits the terminal (COLUMNS), whatever the verdicts; an unset
# COLUMNS off a terminal means 80.
for pair in "base slower" "spread_base spread_new" "base failed" "real real2"; do
  set -- $pair
  [ -f "$tmp/$2.json" ] || continue
  for cols in 80 60; do
    COLUMNS=$cols "$bin" compare "$tmp/$1.json" "$tmp/$2.json" >"$tmp/out" 2>&1
    python3 -c 'import sys; w = int(sys.argv[2]); bad = [l for l in open(sys.argv[1]) if len(l.rstrip("\n")) > w]; sys.exit("\n".join(bad) or None)' \
      "$tmp/out" "$cols" || { echo "FAIL: compare $pair at COLUMNS=$cols is wider"; cat "$tmp/out"; fail=1; }
  done
done
echo "ok   compare text fits COLUMNS=80 and 60"
expect 0 "throughput +30% is better" "$tmp/base.json" "$tmp/faster.json" && has "better"
expect 0 "throughput -30% within a threshold of 40%" "$tmp/base.json" "$tmp/slower.json" \
  --threshold 40 && has "significant, within the threshold"
# Five of NEW's six repetitions 30% slower, one at BASE's median: the
# estimate is -30% and significant, but the interval reaches to -0.5%: a
# change past 5% is not shown, so undecided (it passes, with a warning).
expect 0 "throughput -30% but one repetition unchanged: interval inside 5%" "$tmp/base.json" \
  "$tmp/overlap.json" && has "UNDECIDED" && has "reaches inside the threshold" && hasnt REGRESSION &&
  { n=$(flat | grep -oE 'need about [0-9]+ per side to tell' | grep -oE '[0-9]+'); [ "${n:-0}" -gt 6 ] ||
    { echo "FAIL: the repetitions that would tell ($n) are not more than the 6 there are"; fail=1; }; }
victim_line
expect 0 "NEW interleaves BASE: same" "$tmp/base.json" "$tmp/interleaved.json" &&
  has "interval within" && hasnt UNDECIDED
expect 0 "spread too wide for 5%: undecided passes with a warning" "$tmp/spread_base.json" \
  "$tmp/spread_new.json" && has "UNDECIDED" && has "need about" && has "no regression shown" &&
  hasnt "REGRESSION"
victim_line
[ "$(grep -c '^warning: ' "$tmp/out")" -eq 1 ] &&
  grep -qE '^warning: 1 metric undecided; about [0-9]+ repetitions per side would decide' "$tmp/out" ||
  { echo "FAIL: wanted one warning line with the repetitions needed"; cat "$tmp/out"; fail=1; }
expect 3 "undecided with --strict" "$tmp/spread_base.json" "$tmp/spread_new.json" --strict &&
  has "UNDECIDED"
expect 0 "undecided, json: the warning on stderr and in the document" "$tmp/spread_base.json" \
  "$tmp/spread_new.json" --format json && grep -q '"warning": "warning: 1 metric undecided' "$tmp/out" &&
  [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^warning: ' "$tmp/err" ||
  { echo "FAIL: json warning"; cat "$tmp/err"; fail=1; }
expect 1 "a regression and undecided, --strict: the regression decides" "$tmp/spread_base.json" \
  "$tmp/slower.json" --strict
expect 0 "3 vs 3 repetitions cannot decide" "$tmp/three_base.json" "$tmp/three_slower.json" &&
  has "cannot reach p < 0.05: need 4 or more per side" && hasnt "REGRESSION" && has "warning: "
expect 3 "3 vs 3, --strict" "$tmp/three_base.json" "$tmp/three_slower.json" --strict
expect 1 "cpu per byte +30%" "$tmp/base.json" "$tmp/cpu_up.json" --metric cpu_per_byte && has "sender_cpu_ns_per_byte"
expect 1 "cpu per byte +30% from a BASE without roles" "$tmp/no_roles.json" "$tmp/cpu_up.json" \
  --metric cpu_per_byte && has "sender_cpu_ns_per_byte"
expect 0 "cpu per byte -30% is better" "$tmp/cpu_up.json" "$tmp/base.json" --metric cpu_per_byte
expect 0 "cpu per byte not gated" "$tmp/base.json" "$tmp/cpu_up.json" --metric throughput
expect 1 "run now fails" "$tmp/base.json" "$tmp/failed.json" && has "receiver died"
expect 0 "an environment warning on one side is noted" "$tmp/base.json" "$tmp/loaded.json" &&
  has "only NEW's environment warns: CPU governor is 'powersave' (seeded by the test)"
expect 0 "runs in one file only" "$tmp/base.json" "$tmp/renamed.json" &&
  has "only in BASE: $victim" && has "only in NEW: $victim/receiver:truncate"
expect 1 "markdown" "$tmp/base.json" "$tmp/slower.json" --format markdown &&
  has "| run | metric | base | new | n | change (95% interval) | p | verdict |" && has "**regression**"
expect 1 "json" "$tmp/base.json" "$tmp/slower.json" --format json &&
  python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
bad = [r["name"] for r in c["runs"] if r["regressed"]]
assert c["regressed"] is True and c["undecided"] is False and bad == [sys.argv[2]], bad
m = next(r for r in c["runs"] if r["regressed"])["metrics"][0]
assert m["p_value"] < 0.05 and m["n_base"] == 6 and m["change_low"] < m["change"] < m["change_high"], m
assert abs(m["change"] + 0.3) < 1e-9, m' "$tmp/out" "$victim" || { echo "FAIL: json"; fail=1; }
# A real repeated run, not seeded: whatever the verdict, it is one of the
# five and the JSON carries the test.
"$bin" run -s read-write,sendfile --size 2M --chunk 512K --sink null,pipe --reps 6 --warmup 0 -q \
  -o "$tmp/real2.json" --tmpdir "$tmp" || { echo "FAIL: run"; exit 1; }
"$bin" compare "$tmp/real.json" "$tmp/real2.json" --format json >"$tmp/out"
rc=$?
[ $rc -le 1 ] && python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
for r in c["runs"]:
    for m in r["metrics"]:
        assert m["verdict"] in ("same", "noise", "better", "regression", "undecided"), m
        assert m["n_base"] == 6 and m["n_new"] == 6 and "p_value" in m, m' "$tmp/out" &&
  echo "ok   real A/A pair: exit $rc" || { echo "FAIL: real A/A pair (exit $rc)"; cat "$tmp/out"; fail=1; }

expect_usage "truncated"      truncated.json "truncated JSON" "$tmp/base.json" "$tmp/truncated.json"
expect_usage "not JSON"       garbage.json   "not JSON" "$tmp/garbage.json" "$tmp/base.json"
expect_usage "missing file"   nope.json      "does not exist" "$tmp/base.json" "$tmp/nope.json"
expect_usage "a folder"       "$tmp"         "is a folder" "$tmp" "$tmp/base.json"
expect_usage "gbench file"    gbench.json    "Google Benchmark JSON" "$tmp/gbench.json" "$tmp/base.json"
expect_usage "other schema"   other_schema.json "is not" "$tmp/base.json" "$tmp/other_schema.json"
expect_usage "nothing in common" disjoint.json "no run in common" "$tmp/base.json" "$tmp/disjoint.json"
expect_usage "unknown metric" frobs "allowed" "$tmp/base.json" "$tmp/base.json" --metric frobs
expect_usage "bad format"     xml "allowed" "$tmp/base.json" "$tmp/base.json" --format xml
# Not regular files: a FIFO nobody writes (used to hang), a device that never
# ends (used to grow to 1 GB), and a regular file past the size bound.
mkfifo "$tmp/fifo.json"
expect_usage "a FIFO"         fifo.json "a FIFO" "$tmp/fifo.json" "$tmp/base.json"
expect_usage "/dev/zero"      /dev/zero "a character device" "$tmp/base.json" /dev/zero
truncate -s 257M "$tmp/huge.json"
expect_usage "too large"      huge.json "larger than 256 MiB" "$tmp/base.json" "$tmp/huge.json"
# Wrongly typed fields: the field's path, not a library exception.
expect_usage "name a number"  t_name.json "runs[0].name is a number, expected a string" \
  "$tmp/t_name.json" "$tmp/base.json"
expect_usage "median a string" t_median.json \
  "runs[1].metrics.throughput_bytes_per_s.median is a string, expected a number" \
  "$tmp/base.json" "$tmp/t_median.json"
expect_usage "value a string" t_value.json \
  "runs[0].repetitions[2].values.throughput_bytes_per_s is a string, expected a number" \
  "$tmp/base.json" "$tmp/t_value.json"
expect_usage "status null"    t_status.json "runs[0].status is null, expected a string" \
  "$tmp/base.json" "$tmp/t_status.json"
expect_usage "run an array"   t_runs_item.json "is an array, expected an object" \
  "$tmp/base.json" "$tmp/t_runs_item.json"
expect_usage "complete a string" t_complete.json "complete is a string, expected a boolean" \
  "$tmp/base.json" "$tmp/t_complete.json"
expect_usage "environment an array" t_environment.json "environment is an array, expected an object" \
  "$tmp/base.json" "$tmp/t_environment.json"
expect_usage "metrics an array" t_metrics.json "runs[0].metrics is an array, expected an object" \
  "$tmp/base.json" "$tmp/t_metrics.json"
# CPU pressure (/proc/pressure/cpu): every run carries cpu_pressure_share
# where the kernel has PSI; a note names the busier side when the files'
# medians are 10 points apart, and the JSON gives both; the verdicts stay.
python3 - "$tmp/base.json" "$tmp/p_low.json" "$tmp/p_high.json" <<'PY' || fail=1
import json, os, sys
d = json.load(open(sys.argv[1]))
have = [r for r in d["runs"] if "cpu_pressure_share" in r["metrics"]]
if os.path.exists("/proc/pressure/cpu"):
    assert have and all(r["metrics"]["cpu_pressure_share"].get("available", True) for r in have), \
        "no cpu_pressure_share though /proc/pressure/cpu exists"
for path, share in ((sys.argv[2], 0.03), (sys.argv[3], 0.41)):
    for r in d["runs"]:
        r["metrics"]["cpu_pressure_share"] = {"median": share, "unit": "ratio", "available": True}
    json.dump(d, open(path, "w"))
PY
"$bin" compare "$tmp/p_low.json" "$tmp/p_high.json" --format json >"$tmp/p.json" 2>/dev/null
COLUMNS=80 "$bin" compare "$tmp/p_low.json" "$tmp/p_high.json" >"$tmp/p.txt" 2>&1
"$bin" compare "$tmp/p_low.json" "$tmp/p_low.json" --format json >"$tmp/p_same.json" 2>/dev/null
python3 - "$tmp/p.json" "$tmp/p.txt" "$tmp/p_same.json" <<'PY' || fail=1
import json, sys
d, text, same = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), json.load(open(sys.argv[3]))
assert d["cpu_pressure"] == {"base": 0.03, "new": 0.41}, d["cpu_pressure"]
assert any("CPU pressure differs" in n and "3% of BASE" in n and "41% of NEW" in n
           and "in NEW" in n for n in d["notes"]), d["notes"]
assert "CPU pressure differs" in " ".join(text.split()), text
assert not any("CPU pressure" in n for n in same["notes"]), same["notes"]
print("ok   compare: a CPU pressure 3% vs 41% is noted, the same file is not")
PY
exit $fail
