#!/usr/bin/env bash
# zc-bench runs for any user: as `nobody`, `env` and a real comparison
# finish, every ok run that can be checked is verified, and each privileged
# measurement is `available: false` with its reason (perf events, tracefs,
# CAP_NET_ADMIN for veth). Needs root to switch to that user.
set -u
bin=$1
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root to switch to an unprivileged user"; exit 77; fi
command -v setpriv >/dev/null || { echo "skipped: setpriv (util-linux) is not installed"; exit 77; }
user=nobody group=$(id -gn nobody 2>/dev/null)
[ -n "$group" ] || { echo "skipped: no user 'nobody' on this machine"; exit 77; }
as_user() { setpriv --reuid="$user" --regid="$group" --clear-groups "$@"; }

# The build tree may sit in a folder the user cannot enter: run a copy from
# a folder of its own.
tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
chmod 755 "$tmp"
cp "$bin" "$tmp/zc-bench" && chmod 755 "$tmp/zc-bench"
mkdir "$tmp/userdir" && chown "$user:$group" "$tmp/userdir"
as_user test -x "$tmp/zc-bench" ||
  { echo "skipped: $tmp is not reachable by $user (a parent folder is private)"; exit 77; }
zc() {
  (cd "$tmp/userdir" && env -u ZC_BENCH_EXE -u ZC_NO_PERF TMPDIR="$tmp/userdir" HOME="$tmp/userdir" \
    setpriv --reuid="$user" --regid="$group" --clear-groups "$tmp/zc-bench" "$@")
}
fail=0

zc env --json >"$tmp/env.json" 2>"$tmp/env.err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: env as $user exited $rc: $(cat "$tmp/env.err")"; fail=1; }

zc run -s read-write,sendfile,splice --sink tcp,null --size 4M --reps 2 -q \
  -o "$tmp/userdir/run.json" 2>"$tmp/run.err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: run as $user exited $rc: $(tail -3 "$tmp/run.err")"; fail=1; }

zc run -s sendfile --sink veth --size 4M --reps 1 -q -o "$tmp/userdir/veth.json" 2>"$tmp/veth.err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: veth run as $user exited $rc: $(tail -3 "$tmp/veth.err")"; fail=1; }
# A TMPDIR this user cannot read (root's home) moves list's and env's probes
# to /tmp; it does not end them with a filesystem error.
for cmd in list env; do
  (cd "$tmp/userdir" && env -u ZC_BENCH_EXE TMPDIR=/root/zc-private \
    setpriv --reuid="$user" --regid="$group" --clear-groups "$tmp/zc-bench" $cmd >/dev/null 2>"$tmp/$cmd.err")
  rc=$?
  [ $rc -eq 0 ] || { echo "FAIL: $cmd with an unreadable TMPDIR exited $rc: $(cat "$tmp/$cmd.err")"; fail=1; }
done
[ $fail -eq 0 ] || exit 1

python3 - "$tmp" <<'PY' || exit 1
import json, sys
tmp = sys.argv[1]
env = json.load(open(f"{tmp}/env.json"))
assert env["is_root"] is False, env["is_root"]
caps = env["capabilities"]
for key in ("perf_events", "net_admin", "tracepoint:raw_syscalls/sys_enter",
            "measure:receiver_copies", "measure:sender_syscalls_traced"):
    c = caps[key]
    assert c["available"] is False and c.get("reason"), (key, c)
print("ok   env:", caps["tracepoint:raw_syscalls/sys_enter"]["reason"])

doc = json.load(open(f"{tmp}/userdir/run.json"))
runs = doc["runs"]
assert doc["complete"] is True
assert len(runs) == 6 and all(r["status"] == "ok" for r in runs), \
    [(r["name"], r["status"], r.get("reason")) for r in runs]
for r in runs:
    if r["sink"] == "null":  # nothing receives the bytes: unverifiable by design
        assert not r["verified"] and "null sink" in r["unverified_reason"], r["name"]
    else:
        assert r["verified"] is True, (r["name"], r.get("unverified_reason"))
    kernel = {k: m for k, m in r["metrics"].items()
              if m.get("method") in ("tracepoint", "software-event")}
    assert kernel, r["name"]
    for key, m in kernel.items():
        assert m["available"] is False and m.get("reason"), (r["name"], key, m)
    # What needs no privilege is still measured.
    for key in ("throughput_bytes_per_s", "sender_cpu_ns_per_byte", "syscalls"):
        assert r["metrics"][key]["available"] is True, (r["name"], key)
print("ok   run: 6 runs ok, tcp verified; kernel counters:",
      runs[0]["metrics"]["traced_sender_syscalls"]["reason"])

veth = json.load(open(f"{tmp}/userdir/veth.json"))["runs"]
assert [r["status"] for r in veth] == ["unsupported"], veth
assert "CAP_NET_ADMIN" in veth[0]["reason"], veth[0]["reason"]
print("ok   veth:", veth[0]["reason"])
PY
# Nothing left behind by the user's runs but their results.
left=$(find "$tmp/userdir" -mindepth 1 -maxdepth 1 ! -name '*.json')
[ -z "$left" ] || { echo "FAIL: left behind: $left"; exit 1; }
echo ok
