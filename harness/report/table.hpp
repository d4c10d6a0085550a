// The human tables of a results document, for the terminal: the transfer
// table (print_table picks the append table for append runs), and the
// parts every table shares (heading, legend, notes, footer).
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

void print_table(const nlohmann::json& results, std::FILE* out, const TableOptions& options);

// Every column id of every table (what --columns accepts).
std::vector<std::string> table_column_ids();

// The transfer table's columns; the parameters that differ between `runs`
// are key columns, the others go to the heading.
std::vector<Column> transfer_columns(const nlohmann::json& runs, const RateUnit& unit = {});

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
