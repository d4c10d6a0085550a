#!/usr/bin/env bash
# Help and the small print: `zc-bench help [SUB]`, errors that point at the
# help of the subcommand at hand, no bare JSON in `env`, counts in words
# ("1 copy", "0.125 syscalls") in `list`, size spellings.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"

"$bin" help >"$tmp/h" && grep -q '^Subcommands:' "$tmp/h" && grep -q '^ *run ' "$tmp/h" ||
  { echo "FAIL: zc-bench help"; cat "$tmp/h"; fail=1; }
"$bin" help run >"$tmp/h" && grep -q -- '--gbench-aggregates-only' "$tmp/h" ||
  { echo "FAIL: zc-bench help run"; cat "$tmp/h"; fail=1; }
expect_usage_saying "not a subcommand" help bogus
expect_usage_saying "say what to do: list, env, run" # no subcommand at all
expect_usage_saying "(see zc-bench run --help)" run --bogus
expect_usage_saying "(see zc-bench compare --help)" compare
expect_usage_saying "(see zc-bench --help)" --bogus
expect_usage_saying "KB, MB, GB = powers of 1000" run --size 3X
expect_usage_saying "whole number of bytes" run --chunk 0.3K

"$bin" env >"$tmp/env"
grep -E '^cpu_governor' "$tmp/env" | grep -q '{' && { echo "FAIL: env prints JSON"; grep cpu_governor "$tmp/env"; fail=1; }
grep -qE '^(executable|cpu_caches|load_avg) ' "$tmp/env" || { echo "FAIL: env lacks the new fields"; fail=1; }
"$bin" list >"$tmp/list"
grep -qE '\b1 copies|\b1 syscalls|\b0 syscalls and 0.25' "$tmp/list" && { echo "FAIL: list counts"; grep ledger "$tmp/list"; fail=1; }
grep -q '0.125 syscalls' "$tmp/list" || { echo "FAIL: io_uring's 0.125 syscalls per chunk"; fail=1; }
"$bin" --version | grep -q '^zc-bench [0-9]' || { echo "FAIL: --version"; fail=1; }
# Decimal and MiB/MB sizes are accepted.
"$bin" run -s sendfile --sink null --size 1.5M --chunk 512KiB --reps 1 --warmup 0 -q -o "$tmp/r.json" \
  --tmpdir "$tmp" && python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["parameters"]; assert (r["size"], r["chunk"]) == (3 << 19, 512 << 10), r' "$tmp/r.json" ||
  { echo "FAIL: 1.5M / 512KiB"; fail=1; }
[ $fail -eq 0 ] && echo "ok: help, errors, env, list, sizes"
exit $fail
