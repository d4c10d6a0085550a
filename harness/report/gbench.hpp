// Google Benchmark's JSON layout (its JSONReporter, version 1.7/1.8), written
// from a zc-bench/1 results document: what its tools/compare.py and
// dashboards that read Google Benchmark output (github-action-benchmark's
// `googlecpp`, Bencher's `cpp_google`) take as they are. Strict JSON: a
// statistic that is undefined (the cv of a zero mean) is left out, never
// written as NaN.
#pragma once

#include <nlohmann/json.hpp>

namespace zc {

// Each repetition is an iteration entry with every metric as a counter and
// Google Benchmark's rate counters: bytes_per_second (the throughput role)
// and, where a run counts items (records), items_per_second. The only
// aggregate is NAME_median (a time: the median wall time, and the cpu role
// times the bytes as cpu_time); the median's 95% interval rides on it as
// counters (bytes_per_second_ci95_low/_high, likewise for items and the cpu
// role), so that no tool reads a spread as a time.
struct GbenchOptions {
  // Only the medians (--gbench-aggregates-only): one entry per run that
  // measured something, for dashboards that plot times.
  bool aggregates_only = false;
  // --format github-benchmark: "throughput" or "cpu" (--metric).
  std::string github_metric = "throughput";
};

nlohmann::json to_gbench(const nlohmann::json& results, const GbenchOptions& options = {});

// github-action-benchmark's custom format: a JSON array of {name, unit,
// value, range, extra}, one per run with figures. `metric` "throughput":
// the throughput role's median in MB/s (tool customBiggerIsBetter); "cpu":
// the cpu role's median in ns/B (customSmallerIsBetter). range: "± x", the
// half-width of the median's 95% interval; extra: the interval, its
// coverage and the repetitions.
nlohmann::json to_github_benchmark(const nlohmann::json& results, const std::string& metric);

}  // namespace zc
