#!/usr/bin/env bash
# Every bad input gives exit status 2 and exactly one line on stderr, and
# nothing on stdout.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.bash"
expect_usage "unknown strategy"   run -s nope
expect_usage "unknown sink"       run --sink bogus
expect_usage "size 0"             run --size 0
expect_usage "size garbage"       run --size abc
expect_usage "size bad suffix"    run --size 4Q
expect_usage "chunk 0"            run --chunk 0
expect_usage "chunk > file"       run --size 1M --chunk 2M
expect_usage "missing file"       run --file "$tmp/does-not-exist"
expect_usage "unwritable output"  run --size 1M -o /proc/zc-bench/out.json
expect_usage "bad cache"          run --cache warm
expect_usage "bad format"         run --format xml
expect_usage "bad reps"           run --reps 0
expect_usage "unknown option"     run --frobnicate
expect_usage "no subcommand"
expect_usage "bad receiver"       run --receiver nope
expect_usage "sink a strategy cannot use" run -s copy-file-range --sink tcp
expect_usage "bad pin"            run --pin sender:99
expect_usage "bad pin role"       run --pin nic:0
expect_usage "bad sndbuf"         run --sndbuf lots
expect_usage "zc receive to pipe" run --receiver zerocopy-receive --sink pipe
expect_usage "truncate to file"   run --receiver truncate --sink file
expect_usage "msg-zerocopy unix"  run -s msg-zerocopy --sink unix
exit $fail
