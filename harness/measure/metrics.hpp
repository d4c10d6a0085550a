// A figure a run reports: its name, unit and how it is measured. Every
// figure carries its method; one that cannot be taken says why. Each
// workload lists its own (workloads/<name>/*_metrics.cpp).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace zc {

struct MetricDef {
  std::string_view key;
  std::string_view unit;
  // exact | rusage | clock | procfs | tracepoint | software-event | model | estimate
  std::string_view method;
  std::string_view description;
};

// Kernel counters (tracepoints and perf software events) slow a run: they
// are taken in an untimed evidence repetition (measure/accounting.hpp).
inline bool is_kernel_counter(const MetricDef& def) {
  return def.method == "tracepoint" || def.method == "software-event";
}

// One repetition's figures (metric key -> value) and the ones it could not
// take (metric key -> why not).
using Values = std::map<std::string, double>;
using Unavailable = std::map<std::string, std::string>;

}  // namespace zc
