// The `--preset receive` table ("the battle of the ZCs"): which receive path
// costs least per byte first, then each path's receiver CPU per byte, the
// share of the stream it mapped and its model check, side by side.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/report/text_table.hpp"

namespace zc {

void print_receive_table(const nlohmann::json& results, std::FILE* out,
                         const TableOptions& options);
std::vector<Column> receive_columns();
// The answer's sentence: the cheapest receive path per byte against recv
// from the same sender (or the next cheapest), with the ratio and the test.
std::string cheapest_receive_path(const nlohmann::json& runs);

}  // namespace zc
