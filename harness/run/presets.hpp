// Named comparisons that fix a plan's strategies and sinks, so a reference
// table is one command: `zc-bench run --preset kafka`. (`--preset append`
// is the append workload's, in cmd/run_append.)
#pragma once

#include "harness/run/plan.hpp"

namespace zc {

// Replaces plan.runs with the "why Kafka is fast" rows: read-write,
// mmap-write, sendfile with the veth device's scatter-gather off, sendfile
// with it on, all over the veth sink; once for each distinct size, chunk and
// cache state of the runs the options asked for. Throws Unsupported when a
// strategy it needs is not built in.
void apply_kafka_preset(Plan& plan);

}  // namespace zc
