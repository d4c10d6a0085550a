// Runs a plan: probes each run, lets Google Benchmark drive the
// repetitions and statistics, measures around every repetition and builds
// the `zc-bench/1` results document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/run/plan.hpp"

namespace zc {

struct Outcome {
  nlohmann::json results;   // the zc-bench/1 document
  std::string gbench_json;  // the same runs in Google Benchmark's own layout
  bool any_failed = false;  // a run ended in error
  bool interrupted = false;
};

Outcome run_plan(const Plan& plan);

}  // namespace zc
