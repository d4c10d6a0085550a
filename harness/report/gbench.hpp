// Google Benchmark's JSON layout (its JSONReporter, version 1.7/1.8), written
// from a zc-bench/1 results document: what its tools/compare.py and
// dashboards that read Google Benchmark output (github-action-benchmark's
// `googlecpp`, Bencher's `cpp_google`) take as they are. Strict JSON: a
// statistic that is undefined (the cv of a zero mean) is left out, never
// written as NaN.
#pragma once

#include <nlohmann/json.hpp>

namespace zc {

struct GbenchOptions {
  // Only the aggregates a dashboard can plot as times (mean, median,
  // stddev, the median's interval, min, max), like
  // --benchmark_report_aggregates_only but without the fractions that would
  // be plotted as times (cv, the interval's coverage) and without runs
  // that measured nothing (unsupported, failed before a repetition).
  bool aggregates_only = false;
};

nlohmann::json to_gbench(const nlohmann::json& results, const GbenchOptions& options = {});

}  // namespace zc
