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
#include "harness/workloads/transfer/source.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {

class TransferStream;

// --streams N: N streams at once, each its own source file, sender thread,
// connection and receiver, started together; the repetition's figures are
// the aggregate, with each stream's beside (one stream: the run alone, on
// the calling thread). `source(size, i)` gives stream i its file, asked for
// when the first repetition starts (generated on first use, shared by the
// runs of a size).
class TransferRun : public RunMeasure {
 public:
  TransferRun(const RunSpec& spec, const PlanContext& plan,
              std::function<const SourceFile&(std::uint64_t size, unsigned stream)> source);
  ~TransferRun() override;

  nlohmann::json repetition(Values& values, Unavailable& unavailable,
                            bool kernel_counters) override;
  void finish(nlohmann::json& record, const nlohmann::json& checked,
              std::vector<std::string>& warnings) override;

 private:
  RunSpec spec_;
  std::function<const SourceFile&(std::uint64_t size, unsigned stream)> source_;
  // The plan as the streams see it: with --streams the receivers share a
  // CPU and sleep at once (polling would take it from one with bytes to
  // read: Tuning::receiver_poll_us).
  RunSettings stream_settings_;
  PlanContext stream_plan_;
  std::vector<std::unique_ptr<TransferStream>> streams_;
};

}  // namespace zc
