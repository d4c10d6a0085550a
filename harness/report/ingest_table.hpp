// The human table of an ingest comparison (producer -> socket -> log).
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

// The ingest table's columns; the parameters that differ between `runs`
// are key columns, the others go to the heading.
std::vector<Column> ingest_columns(const nlohmann::json& runs = nlohmann::json::array(),
                                   const RateUnit& unit = {});

void print_ingest_table(const nlohmann::json& results, std::FILE* out, const TableOptions& options);

}  // namespace zc
