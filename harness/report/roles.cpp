#include "harness/report/roles.hpp"

namespace zc {

using nlohmann::json;

std::optional<RoleMetric> metric_of_role(const json& run, std::string_view role) {
  if (!run.is_object()) return std::nullopt;
  auto metrics = run.find("metrics");
  if (metrics == run.end() || !metrics->is_object()) return std::nullopt;
  for (const auto& [key, m] : metrics->items()) {
    if (!m.is_object()) continue;
    auto r = m.find("role");
    if (r != m.end() && r->is_string() && r->get<std::string>() == role) return RoleMetric{key, &m};
  }
  return std::nullopt;
}

std::string role_key(const json& run, std::string_view role) {
  auto m = metric_of_role(run, role);
  return m ? m->key : std::string();
}

bool higher_is_better(const json& metric) {
  if (auto b = metric.find("better"); b != metric.end() && b->is_string())
    return b->get<std::string>() == "higher";
  auto unit = metric.value("unit", std::string());
  return unit.size() >= 2 && unit.compare(unit.size() - 2, 2, "/s") == 0;
}

}  // namespace zc
