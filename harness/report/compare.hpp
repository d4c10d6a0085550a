// Regression check between two zc-bench/1 documents: runs are matched by
// name (strategy and parameters), and each chosen metric's per-repetition
// values are compared with a Mann–Whitney U test (as Google Benchmark's
// compare.py does) plus a minimum effect (the threshold). The change is the
// Hodges–Lehmann estimate of NEW / BASE with its interval. When the
// repetitions are too few to detect the threshold at the runs' spread, the
// verdict is "undecided" with the repetitions needed: not a regression (exit
// 0 with one warning line), unless --strict asks for certainty (exit 3).
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

// same: no change past the threshold (significant but smaller, or an
//   interval inside +-threshold); noise: not significant, with repetitions
//   enough to have detected the threshold; better / regression: significant
//   and past the threshold; undecided: too few repetitions to tell;
//   unavailable: not measured on a side.
enum class Verdict { same, noise, better, regression, undecided, unavailable };
std::string_view to_string(Verdict v);

struct MetricDelta {
  std::string metric;  // the key in the documents
  std::string unit;
  bool higher_is_better = false;
  double base = 0, now = 0;                       // medians
  std::size_t n_base = 0, n_new = 0;              // per-repetition values compared
  std::optional<double> change;                   // estimated NEW/BASE - 1 (Hodges–Lehmann)
  std::optional<double> change_low, change_high;  // its interval
  double change_coverage = 0;     // the interval's coverage (below 0.95 for few repetitions)
  std::optional<double> p_value;  // two-sided Mann–Whitney
  // p_value after Holm's correction for the family it was judged in: the
  // runs compared on this metric (the verdict reads this one).
  std::optional<double> p_adjusted;
  std::size_t family = 1;  // how many tests that family held
  bool exact_test = false;
  std::optional<double> spread;  // the pooled sd of ln(values): the run-to-run spread
  std::size_t needed = 0;        // repetitions per side to detect the threshold (0: not estimated)
  Verdict verdict = Verdict::same;
  std::string note;  // why unavailable or undecided, or how it was judged
};

struct RunComparison {
  std::string name;
  std::string base_status, new_status;
  std::string reason;             // when a side is not ok
  bool status_regressed = false;  // ok in BASE, error in NEW
  std::vector<MetricDelta> deltas;
  bool regressed() const;
  bool undecided() const;
};

struct Comparison {
  std::string base_label, new_label;  // file names
  double threshold_pct = 0;
  std::vector<RunComparison> runs;  // in BASE's order
  std::vector<std::string> only_base, only_new;
  std::vector<std::string> notes;  // environment differences, incomplete documents
  // Each file's CPU pressure: the median over its runs of the share of the
  // timed regions in which some task waited for a CPU (cpu_pressure_share;
  // negative: the file has none).
  double pressure_base = -1, pressure_new = -1;
  bool regressed() const;
  bool undecided() const;
};

// Results documents larger than this are refused (a sweep of thousands of
// runs writes tens of MiB; /dev/zero would grow without end).
inline constexpr std::uint64_t kMaxResultsBytes = 256ull << 20;

// Reads a zc-bench/1 document; throws UsageError naming the file and what
// is wrong with it (missing, not a regular file, too large, not JSON,
// truncated, another format, a field of the wrong type: its path).
nlohmann::json load_results(const std::filesystem::path& path);
// The file's text, with load_results's refusals (missing, not a regular
// file, too large).
std::string read_results_file(const std::filesystem::path& path);
// load_results's checks on a document already read (`label` names it).
nlohmann::json parse_results(const std::string& text, const std::string& label);

// Throws UsageError for a metric in neither document or no run in common.
Comparison compare_results(const nlohmann::json& base, const nlohmann::json& now,
                           const CompareOptions& opts, const std::string& base_label,
                           const std::string& new_label);

// The exit status a CI reads: 1 on a regression, else 3 when `strict` and a
// metric is undecided, else 0.
int exit_status(const Comparison& c, bool strict);
// One line saying how many metrics are undecided and how many repetitions
// per side would decide them; empty when none is.
std::string undecided_warning(const Comparison& c);

// Lines of at most `width` columns (a word longer than that stays whole).
std::string comparison_text(const Comparison& c, std::size_t width = 80);
std::string comparison_markdown(const Comparison& c);
nlohmann::json comparison_json(const Comparison& c);

}  // namespace zc
