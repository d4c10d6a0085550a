// Zero-copy evidence as run metrics: what the kernel said about MSG_ZEROCOPY
// sends (copied or not) and what TCP_ZEROCOPY_RECEIVE mapped, aggregated
// over repetitions like every other figure, and notes for the table.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/core/conditions.hpp"
#include "harness/core/strategy.hpp"
#include "harness/measure/receiver_report.hpp"

namespace zc {

// The repetition's "zerocopy" section: what the completions said, and by
// which flag (MSG_ZEROCOPY's or io_uring's).
nlohmann::json zerocopy_json(const ZeroCopyCompletions& zc);

// Sets the zero-copy metrics (see metrics.cpp) from one repetition's
// evidence, or marks them unavailable with the reason.
void add_zerocopy_values(const Conditions& c, const CallCounters& calls,
                         const ReceiverReport& report, std::map<std::string, double>& values,
                         std::map<std::string, std::string>& unavailable);

}  // namespace zc
