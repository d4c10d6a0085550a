// The output side of `zc-bench run`: how the terminal table is laid out
// (--wide, --columns, --copies, --units, --notes), --gbench-aggregates-only
// and --metric.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "harness/report/gbench.hpp"
#include "harness/report/text_table.hpp"

namespace zc::cmd {

struct OutputArgs {
  bool wide = false;
  bool copies = false;
  std::string columns;
  std::string units = "MB/s";
  bool notes = false;
  bool gbench_aggregates_only = false;
  std::string metric = "throughput";  // --format github-benchmark
};

void add_output_options(CLI::App& app, OutputArgs& a);

// The table layout for `terminal` (its width, or COLUMNS); throws
// UsageError for an unknown column, before anything runs.
TableOptions table_options(const OutputArgs& a, std::FILE* terminal);
GbenchOptions gbench_options(const OutputArgs& a);

}  // namespace zc::cmd
