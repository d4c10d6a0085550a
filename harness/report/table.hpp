// The human tables of a results document, for the terminal: the transfer
// table (print_table picks the append table for append runs), and the
// parts every table shares (heading, legend, notes, footer).
#pragma once

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

void print_table(const nlohmann::json& results, std::FILE* out, const TableOptions& options);

// Every column id of every table (what --columns accepts).
std::vector<std::string> table_column_ids();

// The transfer table's columns; the parameters that differ between `runs`
// are key columns, the others go to the heading.
std::vector<Column> transfer_columns(const nlohmann::json& runs, const RateUnit& unit = {});

// Whether every run of the document (and there is one) is of `workload`.
bool all_runs_of(const nlohmann::json& results, std::string_view workload);

// The ledger's "cpu/dma" copies per byte: a model, not a metric.
Column ledger_copies_column(const char* title, int drop);

// "size 4M, record 4K, ": the parameters every run shares, the ones
// parameter_column() left out of the table, for the heading.
std::string shared_parameters(const std::vector<Column>& cols, const nlohmann::json& runs);

// The log's device write amplification (append and ingest tables).
Column device_amp_column();

// The model check's verdict: pass, FAIL, or n/m (not measured, no check).
std::string check_cell(const nlohmann::json& run);

// "model check: 3 pass, 1 fail (the verdicts are in the JSON, ...)": the
// runs counted by their check's status; nothing when none was counted.
void print_check_counts(const std::map<std::string, int>& checks, std::FILE* out,
                        const TableOptions& options);

// "unsupported: why": what a run without figures shows across its row.
std::string run_status(const nlohmann::json& run);

// "medians of 5 repetitions (after 1 untimed warm-up)".
std::string repetitions_phrase(const nlohmann::json& runs);

// The legend of the columns shown, then how to see the others.
void print_more_columns(std::FILE* out, const FittedTable::Printed& printed,
                        const TableOptions& options, bool copies_section);

// Notes of one run: unverified, interrupted, zero-copy completions, warnings.
void add_run_notes(Notes& notes, const nlohmann::json& run);

// ranking.hpp's sentences and legend, wrapped to the width.
void print_rankings_fitted(const nlohmann::json& results, std::FILE* out,
                           const TableOptions& options, bool cell_legend);

// Lines of notes under a table at most, unless --notes (the rest counted).
inline constexpr std::size_t kNoteLines = 5;

// The runs' notes, then the environment's warnings (at most kNoteLines
// lines of them without --notes, then how many more), and INCOMPLETE when
// stopped.
void print_footer(const nlohmann::json& results, const Notes& notes, std::FILE* out,
                  const TableOptions& options);

}  // namespace zc
