// One run of the transfer workload: each repetition prepares the page
// cache, opens the sink and the strategy's session, times the transfer
// until the consumer has every byte, checks the bytes, and turns the
// clocks, rusage, the consumer's report and the kernel counters into the
// run's figures.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "harness/core/transfer.hpp"
#include "harness/measure/accounting.hpp"
#include "harness/workloads/transfer/source.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {

class TransferRun : public RunMeasure {
 public:
  // `source` is asked for the run's source file when the first repetition
  // starts (generated on first use, shared by the runs of a size).
  TransferRun(const RunSpec& spec, const PlanContext& plan,
              std::function<const SourceFile&(std::uint64_t size)> source);

  nlohmann::json repetition(Values& values, Unavailable& unavailable,
                            bool kernel_counters) override;
  void finish(nlohmann::json& record, const nlohmann::json& checked,
              std::vector<std::string>& warnings) override;

  // For --streams: called once set up, just before the clock starts, and
  // just after it stops (the streams wait there for each other); the timed
  // region's CLOCK_MONOTONIC bounds.
  std::function<void()> before_timed, after_timed;
  std::uint64_t timed_from = 0, timed_to = 0;
  const std::vector<std::uint64_t>& latencies() const { return latencies_; }

 private:
  RunSpec spec_;
  const PlanContext& plan_;
  std::function<const SourceFile&(std::uint64_t size)> source_of_;
  std::vector<std::uint64_t> latencies_;
  Accounting accounting_;  // kernel counters, /proc/stat, model check
};

// --streams N: N single-stream runs at once, each its own source file,
// sender thread, connection and receiver, started together (a barrier);
// the repetition's figures are the aggregate, with each stream's beside.
// `source(size, i)` gives stream i its file.
std::unique_ptr<RunMeasure> make_streams_run(
    const RunSpec& spec, const PlanContext& plan,
    const std::function<const SourceFile&(std::uint64_t size, unsigned stream)>& source);

}  // namespace zc
