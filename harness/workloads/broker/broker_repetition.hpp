// A broker run's repetition: P producer processes send stamped records
// that P ingesting threads (one ingest strategy) append to one partition
// log, while consumer processes are fed the log by offset with a transfer
// strategy. In the caught-up phase they follow the tail (the page cache);
// in the lagging phase one more consumer starts from the beginning once
// half the log is written and dropped from the page cache (the disk),
// reading by its --lag-read policy. The broker's memory is bounded by a
// memory cgroup where one can be made. Each record's send time gives the
// producers' append latency (send to append) and the consumers' end-to-end
// latency (send to arrival). Verified end to end: every consumer's bytes
// are the log's, and each producer's records in it are what that producer
// sent.
#pragma once

#include <memory>

#include "harness/workloads/workload.hpp"

namespace zc {

std::unique_ptr<RunMeasure> make_broker_run(const RunSpec& spec, const PlanContext& plan);

}  // namespace zc
