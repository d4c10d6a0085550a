// One run of the ingest workload: each repetition starts a producer
// process per stream, lets the strategy receive its records and write them
// into a log, times that, syncs the log, re-reads it and checks its hash
// against the producer's stream; the kernel's counters (in the evidence
// repetition) are set beside the strategy's ledger. With --streams N, N
// such streams run at once, each with its own producer, connection, thread
// and log, started together.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/measure/perf_counters.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {

class IngestRun : public RunMeasure {
 public:
  IngestRun(const RunSpec& spec, const PlanContext& plan) : spec_(spec), plan_(plan) {}
  nlohmann::json repetition(Values& values, Unavailable& unavailable,
                            bool kernel_counters) override;
  void finish(nlohmann::json& record, const nlohmann::json& checked,
              std::vector<std::string>& warnings) override;

 private:
  RunSpec spec_;
  const PlanContext& plan_;
};

// Where a stream's log lives in `dir` (tests look for leftovers).
std::filesystem::path ingest_log_path(const std::filesystem::path& dir, std::string_view id,
                                      unsigned stream);

// The kernel counters the ingesting thread opens (evidence repetition).
std::vector<PerfEventSpec> ingest_event_specs();

}  // namespace zc
