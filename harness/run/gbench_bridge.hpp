// The bridge to Google Benchmark, which drives the repetitions and computes
// the aggregates: a reporter that hands each run's aggregates back to the
// runner by run name, and keeps Google Benchmark's own JSON of the runs.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace zc {

class CollectingReporter : public benchmark::BenchmarkReporter {
 public:
  // Called once per aggregate of a run: run name, statistic name
  // ("median", "min", ...), {metric: value}.
  using OnAggregate = std::function<void(const std::string& run, const std::string& statistic,
                                         const nlohmann::json& values)>;
  explicit CollectingReporter(OnAggregate on_aggregate);
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;
  std::string gbench_json() const { return gbench_out_.str(); }

 private:
  OnAggregate on_aggregate_;
  benchmark::JSONReporter gbench_;
  std::ostringstream gbench_out_, gbench_err_;
};

}  // namespace zc
