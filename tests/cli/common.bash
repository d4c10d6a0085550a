# Shared by the CLI tests, which source it after setting $bin (the zc-bench
# binary) and $tmp (their scratch folder). Not a test itself: CTest runs
# tests/cli/*.sh only.
fail=0

# ok TEXT / bad TEXT: one result line; bad also sets fail=1.
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# expect_usage LABEL ARGS...: zc-bench ARGS exits 2 with exactly one line
# on stderr and nothing on stdout. Sets fail=1 and returns 1 otherwise.
# With usage_in_empty_cwd=1 it runs in an empty folder (TMPDIR there too,
# unless set; writable by all) that must still be empty afterwards: a
# refused command line creates nothing. usage_prefix=(setpriv ...) runs it
# as another user.
expect_usage() {
  local what=$1; shift
  local rc lines
  if [ "${usage_in_empty_cwd:-0}" = 1 ]; then
    rm -rf "$tmp/cwd" && mkdir -m 777 "$tmp/cwd"
    (cd "$tmp/cwd" && TMPDIR=${TMPDIR:-$tmp/cwd} ${usage_prefix[@]+"${usage_prefix[@]}"} "$bin" "$@") \
      >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ -n "$(ls -A "$tmp/cwd")" ]; then
      echo "FAIL $what: a refused command line left: $(ls -A "$tmp/cwd" | head -5 | tr '\n' ' ')"
      fail=1
      return 1
    fi
  else
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
  fi
  lines=$(wc -l <"$tmp/err")
  if [ $rc -ne 2 ] || [ "$lines" -ne 1 ] || [ -s "$tmp/out" ]; then
    echo "FAIL $what: exit $rc, $lines stderr lines"; cat "$tmp/err"; fail=1
    return 1
  fi
  echo "ok   $what: $(cat "$tmp/err")"
}

# expect_usage_saying TEXT ARGS...: as expect_usage, and the line has TEXT.
expect_usage_saying() {
  local want=$1
  expect_usage "$@" || return 1
  grep -qF -- "$want" "$tmp/err" && return 0
  echo "FAIL: '$want' not in: $(cat "$tmp/err")"; fail=1
  return 1
}
