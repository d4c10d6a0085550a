// The second table section: per run, the ledger's copies and syscalls
// beside the measured ones, the model check, the copy-bound limit and the
// efficiency, then each run's one-line verdict.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

void print_copies_table(const nlohmann::json& results, std::FILE* out, const TableOptions& options);
std::vector<Column> copies_columns(const RateUnit& unit = {});

}  // namespace zc
