// `zc-bench run --preset kafka`: the "why Kafka is fast" table as one
// command, its strategies and sinks fixed.
#pragma once

#include <vector>

#include "harness/workloads/workload.hpp"

namespace zc {

// Replaces the runs with the "why Kafka is fast" rows: read-write,
// mmap-write, sendfile with the veth device's scatter-gather off, sendfile
// with it on, all over the veth sink; once for each distinct size, chunk and
// cache state of the runs the options asked for. Throws Unsupported when a
// strategy it needs is not built in.
void apply_kafka_preset(std::vector<RunSpec>& runs);

}  // namespace zc
