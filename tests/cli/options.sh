#!/usr/bin/env bash
# Options as data: each workload's --help shows its own defaults and values
# (ingest: 64M, its own sinks), `run --help` says where the workloads'
# defaults differ; an option that does not apply to the runs, format or
# mode asked for is refused with one line naming it (exit 2), never ignored.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"
cd "$tmp"

COLUMNS=200 "$bin" run --workload ingest --help >"$tmp/h" 2>&1
grep -qE -- '--size SIZE=64M ' "$tmp/h" || { echo "FAIL: ingest --help: no 64M"; grep -- --size "$tmp/h"; fail=1; }
grep -E -- '--sink TEXT=tcp ' "$tmp/h" | grep -qw pipe && { echo "FAIL: ingest --help lists pipe"; fail=1; }
grep -qE -- '^ +--(chunk|cache|pattern) ' "$tmp/h" && { echo "FAIL: ingest --help shows others' options"; fail=1; }
COLUMNS=200 "$bin" run --preset append --help >"$tmp/h" 2>&1
grep -qE -- '^ +--sink ' "$tmp/h" && { echo "FAIL: append --help shows --sink"; fail=1; }
COLUMNS=200 "$bin" run -s sendfile --help | grep -qE -- '--size SIZE=256M ' ||
  { echo "FAIL: transfer's --size default"; fail=1; }
COLUMNS=200 "$bin" run --help | grep -- '--size ' | grep -qF 'default: transfer 256M; append, ingest, broker 64M' ||
  { echo "FAIL: run --help does not say where --size defaults differ"; fail=1; }

o=(-o "$tmp/x.json" --tmpdir "$tmp")
expect_usage_saying "--token applies only to a remote sink" run -s sendfile --sink null --token x "${o[@]}"
expect_usage_saying "--token applies only to a remote sink" run --workload ingest --token=x "${o[@]}"
expect_usage_saying "--sndbuf applies only to socket sinks" run --sink null,pipe --sndbuf 1M "${o[@]}"
expect_usage_saying "--rcvbuf applies only to socket sinks" run --workload append --rcvbuf 1M "${o[@]}"
expect_usage_saying "--receiver-buffer applies only" run --workload append --receiver-buffer 2M "${o[@]}"
expect_usage_saying "--receiver-buffer applies only" run --sink null --receiver-buffer 2M "${o[@]}"
expect_usage_saying "--qd applies only to io_uring strategies" run -s sendfile,splice --qd 4 "${o[@]}"
expect_usage_saying "--precision applies only to --reps auto" run --precision 5% "${o[@]}"
expect_usage_saying "--max-time applies only to --reps auto" run --reps 3 --max-time 5 "${o[@]}"
expect_usage_saying "--gbench-aggregates-only applies only to --format gbench" run --gbench-aggregates-only "${o[@]}"
expect_usage_saying "--compact applies only to --format json" run --format csv --compact "${o[@]}"
expect_usage_saying "--wide applies only to the table" run -q --wide "${o[@]}"
expect_usage_saying "--columns applies only to the table" run --quiet --columns mbps "${o[@]}"
expect_usage_saying "--copies applies only to the table" run -q --copies "${o[@]}"
expect_usage_saying "--chunk applies to transfer runs" run --workload ingest --chunk 4K "${o[@]}"
expect_usage_saying "--pattern applies to append runs" run --workload ingest --pattern seq "${o[@]}"
[ -e "$tmp/results" ] && { echo "FAIL: a refused command line left results/"; fail=1; }

# Where they apply, and the token from the environment, they are taken.
ZC_SINK_TOKEN=x "$bin" run -s sendfile --sink null,tcp --sndbuf 1M --receiver-buffer 2M --size 1M \
  --reps 1 --warmup 0 -q --format csv "${o[@]}" || { echo "FAIL: options where they apply"; fail=1; }
[ $fail -eq 0 ] && echo "ok: help per workload, options refused where they do not apply"
exit $fail
