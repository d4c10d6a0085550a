// `zc-bench merge`: many hosts' zc-bench/1 documents joined into one. Each
// run keeps the machines it ran between (`host`, and `peer` for remote
// runs) and its name gains "/host:HOST", so runs of the same comparison on
// two hosts stay apart for compare, the rankings and the plots; each
// host's environment is kept under `hosts`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace zc {

struct MergeInput {
  std::string label;   // the file name, for errors and `merged_from`
  nlohmann::json doc;  // a checked zc-bench/1 document (load_results)
};

// The run's host: its own `host`, else its document's environment.hostname,
// else "unknown"; its peer: its own `peer`, else the host part of
// parameters.remote (empty for a local run).
std::string run_host(const nlohmann::json& run, const nlohmann::json& doc);
std::string run_peer(const nlohmann::json& run);

// Throws UsageError when no document is given or when the same run of the
// same host comes twice (naming both files).
nlohmann::json merge_results(const std::vector<MergeInput>& inputs);

}  // namespace zc
