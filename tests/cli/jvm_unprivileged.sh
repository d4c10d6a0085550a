#!/usr/bin/env bash
# The JVM strategies for a user without perf events: as `nobody`, a run
# finishes verified by the receiver's hash, its copies "not verified: no
# kernel evidence" with perf's refusal as the reason, the program's CPU from
# procfs (saying why not perf); without java on PATH, unsupported with the
# reason. Needs root to switch user.
set -u
bin=$1
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root to switch to an unprivileged user"; exit 77; fi
command -v setpriv >/dev/null || { echo "skipped: setpriv (util-linux) is not installed"; exit 77; }
command -v java >/dev/null || { echo "skipped: no java on PATH"; exit 77; }
setpriv=$(command -v setpriv)
user=nobody group=$(id -gn nobody 2>/dev/null)
[ -n "$group" ] || { echo "skipped: no user 'nobody' on this machine"; exit 77; }
strategies=$(dirname "$bin")/share/zc-bench/strategies
[ -s "$strategies/zc-bench-jvm.jar" ] || { echo "skipped: the JVM strategies are not built"; exit 77; }

# The build tree may be private: a copy of the binary and the strategies.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cp "$bin" "$tmp/zc-bench" && cp -r "$strategies" "$tmp/strategies" && chmod -R a+rX "$tmp"
mkdir "$tmp/userdir" && chown "$user:$group" "$tmp/userdir"
zc() {
  (cd "$tmp/userdir" && env -u ZC_BENCH_EXE -u ZC_NO_PERF TMPDIR="$tmp/userdir" HOME="$tmp/userdir" \
    ZC_STRATEGY_PATH="$tmp/strategies" PATH="$1" \
    "$setpriv" --reuid="$user" --regid="$group" --clear-groups "$tmp/zc-bench" "${@:2}")
}
fail=0
zc "$PATH" run -s java-transfer-to,java-heap-buffer --sink tcp --size 2M --reps 2 -q \
  -o "$tmp/userdir/u.json" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: run as $user exited $rc"; cat "$tmp/err"; fail=1; }
python3 - "$tmp/userdir/u.json" <<'PY' || fail=1
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    assert r["status"] == "ok" and r["verified"], (r["strategy"], r["status"], r.get("reason"))
    rep = r["evidence_repetition"]
    calls = rep["kernel"]["sender"]["syscalls_by_name"]
    if calls.get("available"):
        print("note: perf events are open to", r["strategy"], "here: nothing to check")
        continue
    assert "perf_event_open refused" in calls["reason"], calls
    assert "not verified" in r["copy_verdict"], r["copy_verdict"]
    assert "perf refused" in rep["external"]["usage"]["cpu_method"], rep["external"]["usage"]
    assert r["metrics"]["sender_cpu_ns_per_byte"]["available"], r["metrics"]["sender_cpu_ns_per_byte"]
    print("ok  ", r["strategy"], "as nobody:", r["copy_verdict"][:90])
PY
# Without java on PATH, unprivileged too.
zc /nonexistent list >"$tmp/list" 2>&1
grep -A8 "^java-transfer-to" "$tmp/list" | grep -q "unsupported.*no java on PATH" ||
  { echo "FAIL: list as $user without java"; cat "$tmp/list"; fail=1; }
exit $fail
