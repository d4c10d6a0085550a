#!/usr/bin/env bash
# Less noise by design (issue 15): repetitions of the runs of a comparison
# interleave (drift hits every run alike) unless --no-interleave; sender and
# receiver are pinned where the machine allows, and the choice is recorded.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { "$bin" run -s read-write,sendfile,splice --sink null --size 2M --reps 4 -q --tmpdir "$tmp" "$@"; }
run -o "$tmp/on.json" || { echo "FAIL: interleaved run"; exit 1; }
run --no-interleave --pin none -o "$tmp/off.json" || { echo "FAIL: sequential run"; exit 1; }
python3 - "$tmp/on.json" "$tmp/off.json" <<'PY'
import json, os, sys
def orders(path):
    doc = json.load(open(path))
    return doc, [[rep["order"] for rep in run["repetitions"]] for run in doc["runs"]]
def contiguous(o):
    return all(max(x) - min(x) == len(x) - 1 for x in o)
on, o_on = orders(sys.argv[1])
off, o_off = orders(sys.argv[2])
assert sorted(sum(o_on, [])) == list(range(12)), o_on
assert on["repetition_order"]["interleaved"] is True
# 3 runs x 4 repetitions shuffled land in three blocks with p < 0.0002.
assert not contiguous(o_on), f"interleaved run was not interleaved: {o_on}"
assert contiguous(o_off) and off["repetition_order"]["interleaved"] is False, o_off
t_on = on["runs"][0]["parameters"]["tuning"]
t_off = off["runs"][0]["parameters"]["tuning"]
if len(os.sched_getaffinity(0)) >= 2:
    assert t_on["pin"] == "auto" and t_on["sender_cpu"] != t_on["receiver_cpu"], t_on
else:
    assert t_on["pin"].startswith("auto: not pinned"), t_on
assert t_off["pin"] == "none" and t_off["sender_cpu"] == "any", t_off
print("ok interleaved", o_on, "sequential", o_off, "pin", t_on["pin"])
PY
