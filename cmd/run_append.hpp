// The append side of `zc-bench run`: --workload append, --pattern, --record,
// --sync and --preset append turn into append runs of the plan.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/run/plan.hpp"

namespace zc::cmd {

struct AppendArgs {
  std::string workload;  // "", "transfer" or "append"
  std::string preset;    // --preset, registered by cmd/run: "", "append" or "kafka"
  std::string patterns = "seq";
  std::string records = "4K";
  std::string syncs = "none";
};

void add_append_options(CLI::App& app, AppendArgs& a);

// Whether this `run` is an append comparison: --workload append, --preset
// append, or only append strategy ids. Throws UsageError when the options
// mix the two workloads.
bool is_append_run(const CLI::App& app, const AppendArgs& a, const std::string& strategies);

// Adds the product of strategies x sizes x records x patterns x syncs.
// `sizes` is the --size text, empty when the user gave none.
void add_append_runs(Plan& plan, const CLI::App& app, const AppendArgs& a,
                     const std::string& strategies, const std::string& sizes);

}  // namespace zc::cmd
