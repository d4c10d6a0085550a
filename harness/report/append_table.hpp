// The human table of an append comparison: one row per run, then seq
// against random for each strategy, record size and sync policy.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

void print_append_table(const nlohmann::json& results, std::FILE* out, const TableOptions& options);
std::vector<Column> append_columns(const nlohmann::json& runs = nlohmann::json::array(),
                                   const RateUnit& unit = {});

}  // namespace zc
