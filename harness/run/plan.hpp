// A plan: the runs (strategy x parameters) that one `zc-bench run` makes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/conditions.hpp"
#include "harness/core/strategy.hpp"
#include "harness/sinks/tuning.hpp"

namespace zc {

struct RunSpec {
  // A TransferStrategy or an AppendStrategy, as strategy->workload() says.
  const Strategy* strategy = nullptr;
  Conditions conditions;
  // "read-write/tcp/size:256M/chunk:1M/cache:hot": unique within a plan.
  std::string name() const;
};

struct Plan {
  std::vector<RunSpec> runs;
  unsigned repetitions = 5;
  unsigned warmup = 1;                        // untimed repetitions before the measured ones
  std::optional<std::filesystem::path> file;  // --file, else a generated source
  std::filesystem::path temp_parent;          // where sources and file sinks live
  Tuning tuning;
  std::uint64_t seed = 0x5eed;
  double timeout_s = 0;  // per repetition; 0 = from the size
  bool quiet = false;
  std::string token;  // remote sink: shared secret (never written to the results)
  std::vector<std::string> command_line;
  // Told as each measured repetition starts (the progress bar); may be empty.
  std::function<void(const std::string& run, unsigned repetition)> on_repetition;
};

}  // namespace zc
