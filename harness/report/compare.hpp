// Regression check between two zc-bench/1 documents: runs are matched by
// name (strategy and parameters), each chosen metric's medians are compared
// in the direction that matters for it, and a change is only a regression
// when it passes the threshold and lies outside the runs' own spread.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace zc {

struct CompareOptions {
  double threshold_pct = 5;
  // Metric keys or aliases (throughput, cpu_per_byte, latency, syscalls).
  std::vector<std::string> metrics = {"throughput", "cpu_per_byte"};
};

enum class Verdict { same, noise, better, regression, unavailable };
std::string_view to_string(Verdict v);

struct MetricDelta {
  std::string metric;  // the key in the documents
  std::string unit;
  bool higher_is_better = false;
  double base = 0, now = 0;  // medians
  double change = 0;         // (now - base) / base
  Verdict verdict = Verdict::same;
  std::string note;  // why unavailable, or how the spread was judged
};

struct RunComparison {
  std::string name;
  std::string base_status, new_status;
  std::string reason;             // when a side is not ok
  bool status_regressed = false;  // ok in BASE, error in NEW
  std::vector<MetricDelta> deltas;
  bool regressed() const;
};

struct Comparison {
  std::string base_label, new_label;  // file names
  double threshold_pct = 0;
  std::vector<RunComparison> runs;  // in BASE's order
  std::vector<std::string> only_base, only_new;
  std::vector<std::string> notes;  // environment differences, incomplete documents
  bool regressed() const;
};

// Reads a zc-bench/1 document; throws UsageError naming the file and what
// is wrong with it (missing, not JSON, truncated, another format).
nlohmann::json load_results(const std::filesystem::path& path);

// Throws UsageError for a metric in neither document or no run in common.
Comparison compare_results(const nlohmann::json& base, const nlohmann::json& now,
                           const CompareOptions& opts, const std::string& base_label,
                           const std::string& new_label);

std::string comparison_text(const Comparison& c);
std::string comparison_markdown(const Comparison& c);
nlohmann::json comparison_json(const Comparison& c);

}  // namespace zc
