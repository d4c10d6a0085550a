// The terminal tables' common parts: cells read from a run's JSON (medians,
// "n/a" when the run could not measure a metric) and column alignment.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace zc {

// The metric's statistics, or nullptr when it is absent or unavailable.
const nlohmann::json* measured_metric(const nlohmann::json& run, std::string_view key);

// The median times `scale`, with `decimals` digits, or "n/a".
std::string median_cell(const nlohmann::json& run, std::string_view key, double scale,
                        int decimals);

// The median as a byte count with a decimal suffix (67.1M), or "n/a".
std::string median_bytes_cell(const nlohmann::json& run, std::string_view key);

// The sum of several metrics' medians, rounded, or "n/a" if any is missing.
std::string median_sum_cell(const nlohmann::json& run,
                            std::initializer_list<std::string_view> keys);

// "812.3 \u00b1 4.1%": the median times `scale` and the half-width of its 95%
// interval (ci95_low..ci95_high) as a share of it; the bare median with one
// repetition, "n/a" when the metric is unavailable.
std::string median_ci_cell(const nlohmann::json& run, std::string_view key, double scale,
                           int decimals);

// The throughput's coefficient of variation as a percentage, or "-".
std::string cv_cell(const nlohmann::json& run);

// 67108864 -> "67.1M" (powers of 1000, as MB/s are).
std::string human_bytes(double bytes);

// Columns padded to their widest cell, two spaces apart; left-aligned where
// `left` says, right-aligned (numbers) elsewhere.
struct TextTable {
  std::vector<std::string> titles;
  std::vector<bool> left;
  std::vector<std::vector<std::string>> rows;

  void print(std::FILE* out) const;
};

}  // namespace zc
