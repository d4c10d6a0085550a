// The human table of a results document, for the terminal.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>

namespace zc {

void print_table(const nlohmann::json& results, std::FILE* out);

}  // namespace zc
