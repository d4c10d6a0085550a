// A run's figure by its role, read from the results document: every metric
// carries `role` and `better` (measure/metrics.hpp declares them), so a
// report asks for "the run's cpu figure" and never keeps a list of names
// per workload. Roles: throughput, cpu, latency, evidence.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace zc {

struct RoleMetric {
  std::string key;               // the metric's name in metrics.<key>
  const nlohmann::json* metric;  // metrics.<key>, in the run
};

// The run's metric of `role` ("throughput", "cpu": each run has exactly one
// of each; for a role with several, as "latency", the first by name),
// available or not; nothing when
// the run has none (an unsupported run, or a document written before
// roles).
std::optional<RoleMetric> metric_of_role(const nlohmann::json& run, std::string_view role);

// Its key, or "" when there is none.
std::string role_key(const nlohmann::json& run, std::string_view role);

// metrics.<key>.better == "higher"; a document without `better` (older
// than roles) is read by the unit: rates (".../s") are better higher.
bool higher_is_better(const nlohmann::json& metric);

}  // namespace zc
