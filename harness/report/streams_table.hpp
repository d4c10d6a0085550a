// The scaling curve of runs with --streams N: aggregate and per-stream
// throughput for each stream count, next to the one-stream run. Prints
// nothing when no run has more than one stream.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>

#include "harness/report/text_table.hpp"

namespace zc {

void print_streams_table(const nlohmann::json& results, std::FILE* out,
                         const TableOptions& options);

}  // namespace zc
