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
# list --brief: one line per strategy, within the width.
COLUMNS=80 "$bin" list --brief >"$tmp/brief" 2>/dev/null
[ "$(wc -l <"$tmp/brief")" -eq "$(grep -cE '^[a-z]' "$tmp/list")" ] ||
  { echo "FAIL: list --brief is not one line per strategy"; cat "$tmp/brief"; fail=1; }
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$tmp/brief" || { echo "FAIL: list --brief over 80 columns"; fail=1; }
grep -qE '^sendfile +transfer +1 CPU copy +supported' "$tmp/brief" || { echo "FAIL: list --brief's sendfile line"; fail=1; }
# help run is run --help, within 80 columns, with examples.
COLUMNS=80 "$bin" help run >"$tmp/help-run"
COLUMNS=80 "$bin" run --help | cmp -s - "$tmp/help-run" || { echo "FAIL: help run differs from run --help"; fail=1; }
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$tmp/help-run" || { echo "FAIL: run --help over 80 columns"; fail=1; }
grep -q '^Examples:' "$tmp/help-run" || { echo "FAIL: run --help has no examples"; fail=1; }
"$bin" --version | grep -q '^zc-bench [0-9]' || { echo "FAIL: --version"; fail=1; }
# Decimal and MiB/MB sizes are accepted.
"$bin" run -s sendfile --sink null --size 1.5M --chunk 512KiB --reps 1 --warmup 0 -q -o "$tmp/r.json" \
  --tmpdir "$tmp" && python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["parameters"]; assert (r["size"], r["chunk"]) == (3 << 19, 512 << 10), r' "$tmp/r.json" ||
  { echo "FAIL: 1.5M / 512KiB"; fail=1; }
[ $fail -eq 0 ] && echo "ok: help, errors, env, list, sizes"
exit $fail
