// The table of the broker workload (--preset broker): per phase (producers
// alone, with caught-up consumers, with a lagging consumer by --lag-read
// policy), for each ingest strategy and consume strategy, what goes in and
// out of the partition log with intervals, the producers' append p99 and
// the caught-up consumers' end-to-end p99, what the machine read from the
// disk; a ranking per phase, and the catch-up tax under it.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

// Its columns (`run --columns` takes their ids; extra ones on request).
std::vector<Column> broker_columns();
void print_broker_table(const nlohmann::json& results, std::FILE* out, const TableOptions& options);

}  // namespace zc
