// The broker preset's repetition: P producer processes send stamped records
// that P ingesting threads (one ingest strategy) append to one partition
// log, while C consumer processes are fed the log by offset with a transfer
// strategy, either caught up (following the tail: the page cache) or
// lagging (starting from the beginning once half the log is written and
// dropped from the page cache: the disk). Verified end to end: every
// consumer's bytes are the log's, and each producer's records in it are
// what that producer sent.
#pragma once

#include <memory>

#include "harness/workloads/workload.hpp"

namespace zc {

std::unique_ptr<RunMeasure> make_broker_run(const RunSpec& spec, const PlanContext& plan);

}  // namespace zc
