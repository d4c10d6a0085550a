// A plan: the runs (strategy x parameters) that one `zc-bench run` makes,
// and how it was asked for.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/workloads/workload.hpp"

namespace zc {

struct Plan : RunSettings {
  std::vector<RunSpec> runs;
  std::string workload = "transfer";  // every run's
  std::string preset;                 // --preset, empty for none
  std::vector<std::string> command_line;
  // Told as each measured repetition starts (the progress bar); may be empty.
  std::function<void(const std::string& run, unsigned repetition)> on_repetition;
};

// What `zc-bench run` was asked, before it becomes a plan.
struct PlanRequest {
  std::string strategies = "all";    // -s: ids, comma-separated, or "all"
  std::string workload;              // --workload, empty when not given
  std::string preset;                // --preset, empty when not given
  bool repetitions_given = false;    // --reps was given (a preset may pick its own)
  bool receiver_poll_given = false;  // --receiver-poll was given (a preset may pick its own)
  RunRequest options;                // the workloads' options, as typed
};

// Picks the workload (--workload, the preset's, or the strategies'), the
// strategies, applies the preset and expands the options into runs.
// `settings` holds the run-wide options already parsed. Throws UsageError
// naming the option for every bad input.
Plan make_plan(const PlanRequest& request, const RunSettings& settings);

// The workload a command line names (--workload, --preset or the strategies
// of -s), for help that shows that workload's options and defaults; null
// when it names none (or a wrong one: make_plan says what is wrong).
const Workload* workload_named(const std::vector<std::string>& args);

}  // namespace zc
