// The figures a transfer run reports: name, unit and how each is measured.
// Every figure carries its method; one that cannot be taken says why.
#pragma once

#include <span>
#include <string_view>

#include "harness/core/conditions.hpp"

namespace zc {

struct MetricDef {
  std::string_view key;
  std::string_view unit;
  std::string_view
      method;  // exact | rusage | clock | procfs | tracepoint | software-event | model | estimate
  std::string_view description;
};

std::span<const MetricDef> transfer_metrics();
// Append runs report their own list (harness/workloads/append/append_metrics.cpp).
std::span<const MetricDef> append_metrics();
std::span<const MetricDef> metrics_for(Workload w);
const MetricDef* find_metric(std::string_view key);

}  // namespace zc
