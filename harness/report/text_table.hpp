// The terminal tables' common parts: cells read from a run's JSON (medians,
// "n/a" when the run could not measure a metric), column alignment, and
// fitting a table, its legend and its notes to the terminal's width.
#pragma once

#include <cstdio>
#include <functional>
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

// A device figure's median cell (median_cell), marked "?" when the run's
// storage_device says other I/O was seen on the device in some
// repetition's window: the figure includes traffic that is not the run's.
std::string device_cell(const nlohmann::json& run, std::string_view key, double scale,
                        int decimals);

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

// Characters on the screen, not bytes (a cell may hold a UTF-8 "\u00b1").
std::size_t display_width(std::string_view s);

// 67108864 -> "67.1M" (powers of 1000, as MB/s are).
std::string human_bytes(double bytes);

// Whether a run has figures to show: ok, or stopped after some repetitions
// (an interrupted run keeps the ones it finished).
bool has_figures(const nlohmann::json& run);

// Columns padded to their widest cell, two spaces apart; left-aligned where
// `left` says, right-aligned (numbers) elsewhere. A row with fewer cells
// than titles, or marked in `spans`, ends in a left-aligned text that spans
// the remaining columns (wrapped under itself at `max_width`, 0 = never).
struct TextTable {
  std::vector<std::string> titles;
  std::vector<bool> left;
  std::vector<std::vector<std::string>> rows;
  std::size_t max_width = 0;
  std::vector<bool> spans;  // per row; missing = only when short

  void print(std::FILE* out) const;
};

// The unit the tables print rates in (`run --units`); the JSON keeps bytes
// per second whatever it is.
struct RateUnit {
  std::string_view name = "MB/s";
  double scale = 1e-6;  // times bytes per second
  std::string_view meaning = "10^6 bytes/s";
  // Gbit/s figures are 125x smaller than MB/s ones: two more decimals.
  int extra_decimals = 0;
  int decimals(int mb_decimals) const { return mb_decimals + extra_decimals; }
  // "Gbit/s = 10^9 bits/s"
  std::string legend() const { return std::string(name) + " = " + std::string(meaning); }
};

// MB/s, MiB/s or Gbit/s (any case); throws UsageError naming --units.
RateUnit rate_unit(std::string_view name);
// "MB/s, MiB/s, Gbit/s": what --units takes.
std::vector<std::string> rate_unit_names();

// How the terminal tables are laid out (`run --wide`, `--columns`, `--copies`).
struct TableOptions {
  std::size_t width = 80;            // tables, legends and notes fit this many columns
  bool wide = false;                 // every column, tables as wide as they need
  bool copies = false;               // the copies section (the ledger beside the evidence)
  std::vector<std::string> columns;  // these columns in this order (ids)
  RateUnit units;                    // --units
  bool all_notes = false;            // --notes: every note, not the first few lines
};

// COLUMNS when set, else the terminal's width when `out` is one, else 80.
std::size_t terminal_width(std::FILE* out);

// One column of a table fitted to the width.
struct Column {
  std::string id;  // the name --columns takes
  std::string title;
  bool left = false;
  bool shown = true;   // in the default table
  bool key = false;    // names the row: always shown, first
  int drop = 0;        // too wide: the highest goes first; 0 never goes
  bool metric = true;  // blank on runs without figures (their status spans them)
  std::string legend;  // what the column means, printed under the table when shown (legend_of)
  std::function<std::string(const nlohmann::json& run)> cell;
};

// The legends of the `shown` columns, in order, "; "-separated. A legend
// with "{}" is shared: written once, for the shown columns that carry the
// same text, "{}" replaced by their titles' first words ("p50/p99").
std::string legend_of(const std::vector<const Column*>& shown);

// A parameter's column: it names the rows (a key column) when its cell
// differs between `runs`, or always with `always_key` (the strategy);
// otherwise it is left out of the table and the heading says its one value.
Column parameter_column(const nlohmann::json& runs, std::string id, std::string title, bool left,
                        std::function<std::string(const nlohmann::json& run)> cell,
                        bool always_key = false);

// Cells of one metric: its median (median_cell), its median in bytes
// (median_bytes_cell), a CPU time per byte.
std::function<std::string(const nlohmann::json&)> median_of(std::string key, double scale,
                                                            int decimals);
std::function<std::string(const nlohmann::json&)> bytes_of(std::string key);
// CPU ns per byte: the median with three decimals.
std::function<std::string(const nlohmann::json&)> cpu_of(std::string key);

// A table's columns in the order added: the parameters that name its rows,
// then its metrics (blank on a run without figures).
class ColumnList {
 public:
  using Cell = std::function<std::string(const nlohmann::json& run)>;
  // Key columns are chosen over `runs` (parameter_column); it must outlive
  // the list.
  explicit ColumnList(const nlohmann::json& runs = empty_runs()) : runs_(runs) {}
  // A parameter: parameter_column() over the runs.
  void key(const char* id, const char* title, bool left, Cell cell, bool always_key = false);
  // A metric: in the default table when `shown`; `drop` ranks it for
  // fitting (0: never dropped); `legend` as Column::legend.
  void metric(const char* id, std::string title, bool shown, int drop, std::string legend,
              Cell cell);
  void add(Column c) { columns_.push_back(std::move(c)); }
  Column& back() { return columns_.back(); }
  std::vector<Column> take() { return std::move(columns_); }

 private:
  static const nlohmann::json& empty_runs();
  const nlohmann::json& runs_;
  std::vector<Column> columns_;
};

// A table over runs: the default columns, dropped by rank until the table
// fits the width; every column with --wide; the named ones with --columns.
// A run without figures (has_figures) shows `status(run)` across its
// metric columns. Returns the legend of the columns shown and the ids of
// the columns left out.
struct FittedTable {
  std::vector<Column> columns;
  std::function<std::string(const nlohmann::json& run)> status;
  struct Printed {
    std::string legend;
    std::vector<std::string> hidden;
  };
  Printed print(std::FILE* out, const nlohmann::json& runs, const TableOptions& options) const;
};

// Throws UsageError unless every id names a column of some table.
void check_column_ids(const std::vector<std::string>& ids, const std::vector<std::string>& known);

// How many lines print_wrapped() takes for `text` at `width`.
std::size_t wrapped_lines(std::string_view text, std::size_t width);

// `text` in lines of at most `width` columns (words longer than that stay
// whole), continuation lines indented by `indent` spaces; the first line
// starts at `first_column` (text already on it).
void print_wrapped(std::FILE* out, std::string_view text, std::size_t width, std::size_t indent = 2,
                   std::size_t first_column = 0);

// Notes that several runs share, printed once: "warning: X (read-write/tcp,
// sendfile/tcp)" instead of one line per run.
class Notes {
 public:
  void add(const std::string& who, const std::string& what);
  void print(std::FILE* out, std::size_t width) const;
  // Each note as print() writes it, unwrapped: "who, who: what".
  std::vector<std::string> texts() const;

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> notes_;
};

}  // namespace zc
