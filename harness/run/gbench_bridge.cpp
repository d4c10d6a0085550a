#include "harness/run/gbench_bridge.hpp"

namespace zc {

CollectingReporter::CollectingReporter(OnAggregate on_aggregate)
    : on_aggregate_(std::move(on_aggregate)) {
  gbench_.SetOutputStream(&gbench_out_);
  gbench_.SetErrorStream(&gbench_err_);
}

bool CollectingReporter::ReportContext(const Context& context) {
  return gbench_.ReportContext(context);
}

void CollectingReporter::ReportRuns(const std::vector<Run>& runs) {
  gbench_.ReportRuns(runs);
  for (const auto& run : runs) {
    if (run.run_type != Run::RT_Aggregate) continue;
    nlohmann::json values;
    for (const auto& [key, counter] : run.counters) values[key] = counter.value;
    on_aggregate_(run.run_name.function_name, run.aggregate_name, values);
  }
}

void CollectingReporter::Finalize() { gbench_.Finalize(); }

}  // namespace zc
