// `zc-bench compare BASE NEW`: the regression gate for CI. Exit status 0
// (no regression shown; undecided metrics pass with one warning line), 1 (a
// metric regressed past the threshold, significantly by a Mann-Whitney test
// on the repetitions), 2 (bad usage: unreadable or mismatched input), 3
// (--strict and a metric undecided: too few repetitions to tell).
#include "harness/report/compare.hpp"

#include <cstdio>

#include "cmd/commands.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/report/text_table.hpp"

namespace zc::cmd {

namespace {

struct CompareArgs {
  std::string base, now;
  double threshold = 5;
  std::string metrics = "throughput,cpu_per_byte";
  std::string format = "text";
  bool strict = false;
};

constexpr const char* kExitStatus =
    "Exit status:\n"
    "  0  no regression shown (a file against itself always); metrics too noisy\n"
    "     to decide pass with one warning line saying how many repetitions would\n"
    "  1  a regression: significantly worse, the change's whole 95% interval past\n"
    "     --threshold\n"
    "  2  bad usage: unreadable, mistyped or mismatched input\n"
    "  3  --strict and some metric undecided\n"
    "Example:\n"
    "  zc-bench compare base.json new.json --format markdown > compare.md";

}  // namespace

Runner setup_compare(CLI::App& app) {
  auto a = std::make_shared<CompareArgs>();
  app.add_option("BASE", a->base, "the reference results (zc-bench/1 JSON)")->required();
  app.add_option("NEW", a->now, "the results to check")->required();
  app.add_option("--threshold", a->threshold,
                 "percent change that counts as a regression (the smallest change to detect)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1000.0));
  app.add_option("--metric", a->metrics,
                 "metrics to gate on, comma-separated: throughput, cpu_per_byte, latency, "
                 "syscalls or any metric key")
      ->capture_default_str();
  app.add_option("--format", a->format, "text, markdown or json")->capture_default_str();
  app.add_flag("--strict", a->strict, "undecided metrics fail the gate (exit 3)");
  app.footer(kExitStatus);
  return [a] {
    if (a->format != "text" && a->format != "markdown" && a->format != "json")
      throw UsageError("--format: '" + a->format +
                       "' is not a format (allowed: text, markdown, json)");
    CompareOptions opts;
    opts.threshold_pct = a->threshold;
    opts.metrics = split(a->metrics, ',');
    auto base = load_results(a->base);
    auto now = load_results(a->now);
    auto c = compare_results(base, now, opts, a->base, a->now);
    std::string out = a->format == "json"       ? comparison_json(c).dump(2) + "\n"
                      : a->format == "markdown" ? comparison_markdown(c)
                                                : comparison_text(c, terminal_width(stdout));
    std::fwrite(out.data(), 1, out.size(), stdout);
    // JSON on stdout carries it as "warning"; a CI log still shows the line.
    if (auto w = undecided_warning(c); a->format == "json" && !w.empty())
      std::fprintf(stderr, "%s\n", w.c_str());
    return exit_status(c, a->strict);
  };
}

}  // namespace zc::cmd
