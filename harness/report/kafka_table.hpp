// The `--preset kafka` table: the reference articles' copy counts beside
// zc-bench's ledger for this machine and the measured figures of the run.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

void print_kafka_table(const nlohmann::json& results, std::FILE* out, const TableOptions& options);
std::vector<Column> kafka_columns(const RateUnit& unit = {});

}  // namespace zc
