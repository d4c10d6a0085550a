// The table of --preset broker: for each ingest strategy and consumer
// transfer strategy, with consumers caught up and lagging, what goes in and
// out of the partition log, how long a record takes end to end, what the
// consumers read from the disk, and the CPU of each side.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

// True when every run of the document is a broker run.
bool is_broker_results(const nlohmann::json& results);
// Its columns (`run --columns` takes their ids; extra ones on request).
std::vector<Column> broker_columns();
void print_broker_table(const nlohmann::json& results, std::FILE* out, const TableOptions& options);

}  // namespace zc
