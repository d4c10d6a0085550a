#!/usr/bin/env bash
# --time SECONDS (issue 27): each run repeats whole, verified passes over its
# size until their timed regions add up to SECONDS, and stops at the first
# pass that gets there; a run whose passes are too short stops at 1000 and
# says so. --units: the table's throughput in the unit asked, the JSON in
# bytes per second. As root and as an unprivileged user, at 80 columns.
set -u
bin=$1; src=$2
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"

check() {  # check JSON TABLE SECONDS
  python3 - "$@" <<'PY'
import json, re, sys
def no_constants(name):
    raise ValueError(f"not strict JSON: {name}")
path, table, seconds = sys.argv[1], open(sys.argv[2]).read(), float(sys.argv[3])
d = json.load(open(path), parse_constant=no_constants)
assert d["time_based"]["seconds"] == seconds and d["time_based"]["max_repetitions"] == 1000, d.get("time_based")
assert "adaptive_repetitions" not in d
counts = []
for r in d["runs"]:
    assert r["status"] == "ok" and r["verified"], (r["name"], r["status"], r.get("reason"))
    reps = [x for x in r["repetitions"] if x["status"] == "ok"]
    walls = [x["values"]["wall_s"] for x in sorted(reps, key=lambda x: x["index"])]
    assert r["parameters"]["repetitions"] == len(reps) >= 1, r["parameters"]
    assert r["parameters"]["repetitions_asked"] == "time", r["parameters"]
    t = r["time_based"]
    assert abs(t["timed_s"] - sum(walls)) < 1e-9 and t["repetitions"] == len(reps), t
    # Reached, and not one pass past it.
    assert sum(walls) >= seconds, (r["name"], sum(walls))
    assert sum(walls) - walls[-1] < seconds, (r["name"], walls)
    counts.append(len(reps))
    # --units Gbit/s: the table's cell is the JSON's median in Gbit/s.
    gbit = r["metrics"]["throughput_bytes_per_s"]["median"] * 8e-9
    row = next(l for l in table.splitlines() if l.startswith(r["strategy"] + " "))
    assert f"{gbit:.2f}" in row, (row, gbit)
assert re.search(r"^strategy +Gbit/s ", table, re.M), table
assert "MB/s" not in table, table
joined = " ".join(l.strip() for l in table.splitlines())  # the heading wraps
assert re.search(r"medians of [0-9]+(\u2013[0-9]+)? repetitions in %g s per run \(--time\)" % seconds, joined), table
assert all(len(l) <= 80 for l in table.splitlines()), [l for l in table.splitlines() if len(l) > 80]
print(f"ok   --time {seconds:g}: {counts} repetitions, each run's time reached by its last pass")
PY
}

run=(run -s read-write,sendfile --sink pipe --size 32M --time 0.3 --warmup 0 --units Gbit/s)
COLUMNS=80 "$bin" "${run[@]}" -o "$tmp/root.json" --tmpdir "$tmp" >"$tmp/root.table" 2>"$tmp/err" ||
  { echo "FAIL: --time run"; cat "$tmp/err"; exit 1; }
check "$tmp/root.json" "$tmp/root.table" 0.3 || fail=1
if [ "$(id -u)" -eq 0 ]; then
  mkdir -m 777 "$tmp/user"
  COLUMNS=80 setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" "${run[@]}" \
    -o "$tmp/user/user.json" --tmpdir "$tmp/user" >"$tmp/user.table" 2>"$tmp/err" ||
    { echo "FAIL: --time run as nobody"; cat "$tmp/err"; exit 1; }
  check "$tmp/user/user.json" "$tmp/user.table" 0.3 || fail=1
fi

# Passes too short for the time: stopped at 1000, with a warning.
"$bin" run -s read-write --sink null --size 4K --chunk 4K --time 60 --warmup 0 -q -o "$tmp/cap.json" \
  --tmpdir "$tmp" || { echo "FAIL: capped run"; exit 1; }
python3 - "$tmp/cap.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["parameters"]["repetitions"] == 1000 and r["time_based"]["timed_s"] < 60, r["time_based"]
assert any("--time: stopped at 1000 repetitions" in w for w in r["warnings"]), r["warnings"]
print("ok   capped at 1000 repetitions:", [w for w in r["warnings"] if "--time" in w][0])
PY
# The --time document against the JSON Schema (time_based at both levels).
if python3 -c 'import jsonschema' 2>/dev/null; then
  python3 - "$src/harness/report/schema/zc-bench-1.schema.json" "$tmp/root.json" <<'PY' || fail=1
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
assert not errors, [e.message for e in errors[:3]]
assert "time_based" in schema["properties"] and "time_based" in json.dumps(schema["definitions"])
print("ok   the --time document validates against the schema")
PY
fi
[ $fail -eq 0 ] && echo "ok: --time and --units"
exit $fail
