#!/usr/bin/env bash
# A broker consumer process killed mid-run (kill -9): the run's reason names
# the consumer's fate, "consumer process exited (killed by signal 9)", not
# the failed send it caused ("sendfile: Broken pipe", issue 25). As root and,
# when root, as nobody.
set -u
bin=$1
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail=0

kill_consumer() {  # kill_consumer NAME [prefix...]
  local name=$1 c= pid
  shift
  mkdir -m 777 "$tmp/$name"
  "$@" "$bin" run --workload broker -s recv-write --producers 1 --consumers 1 --consume sendfile \
    --lag caught-up --size 512M --reps 1 --warmup 0 -q -o "$tmp/$name/out.json" \
    --tmpdir "$tmp/$name" 2>"$tmp/$name/err" &
  pid=$!
  for _ in $(seq 400); do
    c=$(pgrep -P "$pid" -f "consume --fd" | head -1)
    [ -n "$c" ] && break
    sleep 0.05
  done
  [ -n "$c" ] || { echo "FAIL $name: no consumer process seen"; kill "$pid"; wait "$pid"; fail=1; return; }
  sleep 0.3
  kill -9 "$c"
  wait "$pid"
  python3 - "$tmp/$name/out.json" "$name" <<'PY' || { cat "$tmp/$name/err"; fail=1; }
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
reason = run.get("reason", "")
assert run["status"] == "error", (run["status"], reason)
assert "consumer process exited (killed by signal 9)" in reason, reason
print(f"ok   {sys.argv[2]}: {reason}")
PY
}

kill_consumer root
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && group=$(id -gn nobody 2>/dev/null); then
  cp "$bin" "$tmp/zc-bench" && chmod 755 "$tmp/zc-bench"
  bin=$tmp/zc-bench
  kill_consumer nobody env -u ZC_BENCH_EXE HOME="$tmp" setpriv --reuid=nobody --regid="$group" \
    --clear-groups
fi
exit $fail
