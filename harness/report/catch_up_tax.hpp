// The catch-up tax, read from a broker results document alone: per
// ingest strategy, consume strategy and --lag-read policy, the producers'
// append p99 with a lagging consumer ÷ with caught-up consumers only, as a
// Hodges–Lehmann ratio of the per-repetition values with its interval; and
// which consume path and which policy suffer least. Printed under the
// broker table and kept in the JSON as the top-level `catch_up_tax`.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/measure/statistics.hpp"
#include "harness/report/text_table.hpp"

namespace zc {

inline constexpr const char* kTaxMetric = "producer_latency_p99_ns";

struct CatchUpTax {
  std::string ingest, consume, lag_read;
  std::string caught_up_run, lagging_run;  // the runs' names
  std::optional<stats::Shift> ratio;       // lagging / caught-up; none when a value is 0
  double caught_up_median = 0, lagging_median = 0;
};

// Every pair whose caught-up and lagging runs are both ok, in the
// document's order.
std::vector<CatchUpTax> catch_up_taxes(const nlohmann::json& results);

nlohmann::json taxes_json(const std::vector<CatchUpTax>& taxes);

// One line per pair, then the ranking of consume paths and policies.
void print_taxes(const std::vector<CatchUpTax>& taxes, std::FILE* out, const TableOptions& options);

}  // namespace zc
