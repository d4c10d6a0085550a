// The figures a transfer run reports: name, unit and how each is measured.
// Every figure carries its method; one that cannot be taken says why.
#pragma once

#include <span>
#include <string_view>

namespace zc {

struct MetricDef {
  std::string_view key;
  std::string_view unit;
  std::string_view method;  // exact | rusage | clock | procfs | tracepoint | model | estimate
  std::string_view description;
};

std::span<const MetricDef> transfer_metrics();
const MetricDef* find_metric(std::string_view key);

}  // namespace zc
