#include "cmd/run_output.hpp"

#include "harness/base/units.hpp"
#include "harness/report/table.hpp"

namespace zc::cmd {

void add_output_options(CLI::App& app, OutputArgs& a) {
  app.add_flag("--wide", a.wide,
               "every column and the copies section, as wide as they need (default: the figures "
               "compared first, fitted to the terminal's width or $COLUMNS)");
  app.add_option("--columns", a.columns,
                 "the table's columns, comma-separated ids (the run's strategy and the "
                 "parameters that differ always come first; an unknown id lists them all)");
  app.add_flag("--copies", a.copies,
               "also the copies section: the ledger (model) beside the kernel's evidence, the "
               "model check and the copy-bound limit");
  std::string units;
  for (const auto& u : rate_unit_names()) units += (units.empty() ? "" : ", ") + u;
  app.add_option("--units", a.units,
                 "the tables' unit of throughput: " + units +
                     " (the JSON keeps bytes per second whatever it is)")
      ->capture_default_str();
  app.add_flag("--notes,-v", a.notes,
               "every note under the table (by default the first few lines, and how many "
               "more there are)");
  app.add_flag("--gbench-aggregates-only", a.gbench_aggregates_only,
               "--format gbench: only the medians (NAME_median, the interval's ends as "
               "counters; no per-repetition entries, no unsupported runs)");
  app.add_option("--metric", a.metric,
                 "--format github-benchmark: throughput (MB/s, customBiggerIsBetter) or cpu "
                 "(CPU ns per byte, customSmallerIsBetter)")
      ->capture_default_str()
      ->check(CLI::IsMember({"throughput", "cpu"}));
}

TableOptions table_options(const OutputArgs& a, std::FILE* terminal) {
  TableOptions t;
  t.width = terminal_width(terminal);
  t.wide = a.wide;
  t.copies = a.copies;
  t.units = rate_unit(a.units);
  t.all_notes = a.notes;
  if (!a.columns.empty()) t.columns = split(a.columns, ',');
  check_column_ids(t.columns, table_column_ids());
  return t;
}

GbenchOptions gbench_options(const OutputArgs& a) { return {a.gbench_aggregates_only, a.metric}; }

}  // namespace zc::cmd
