// Each subcommand is a pair: setup_<sub>() declares its options on the
// CLI11 app, run_<sub>() turns them into work for the harness.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace zc::cmd {

// Returns the function that runs the subcommand once parsing succeeded;
// it returns the process exit status.
using Runner = std::function<int()>;

Runner setup_list(CLI::App& app);
Runner setup_env(CLI::App& app);
Runner setup_run(CLI::App& app, const std::vector<std::string>& command_line);
Runner setup_sink(CLI::App& app);
Runner setup_produce(CLI::App& app);
Runner setup_consume(CLI::App& app);
Runner setup_compare(CLI::App& app);
Runner setup_plot(CLI::App& app);
Runner setup_merge(CLI::App& app);

}  // namespace zc::cmd
