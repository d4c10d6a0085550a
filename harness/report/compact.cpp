#include "harness/report/compact.hpp"

namespace zc {

void compact_document(nlohmann::json& doc) {
  auto& described = doc["metric_descriptions"] = nlohmann::json::object();
  for (auto& run : doc["runs"]) {
    if (!run.contains("metrics")) continue;
    for (auto& [key, metric] : run["metrics"].items()) {
      if (!metric.contains("description")) continue;
      const auto& text = metric["description"];
      // The first run's wording is the dictionary's; a run whose wording
      // differs (figures from the evidence repetition say so) keeps its own.
      if (!described.contains(key)) described[key] = text;
      if (described[key] == text) metric.erase("description");
    }
  }
  doc["compact"] = true;
}

}  // namespace zc
