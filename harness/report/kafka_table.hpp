// The `--preset kafka` table: the reference articles' copy counts beside
// zc-bench's ledger for this machine and the measured figures of the run.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>

namespace zc {

void print_kafka_table(const nlohmann::json& results, std::FILE* out);

}  // namespace zc
