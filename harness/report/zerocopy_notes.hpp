// Notes under the table for runs with zero-copy evidence: how much the
// kernel copied after all, how much the receiver mapped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace zc {

// One line per kind of zero-copy evidence the run has; none otherwise.
std::vector<std::string> zerocopy_notes(const nlohmann::json& run);

}  // namespace zc
