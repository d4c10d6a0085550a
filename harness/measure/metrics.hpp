// A figure a run reports: its name, unit and how it is measured. Every
// figure carries its method; one that cannot be taken says why. Each
// workload lists its own (workloads/<name>/*_metrics.cpp).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/percentile.hpp"

namespace zc {

// Which way is good: compare's verdicts and the ranking read it.
enum class Better : unsigned char { higher, lower };

// What a figure stands for, the same in every workload, so that reports
// pick a run's figure by its role and never by a list of names:
//   throughput  the run's headline rate (exactly one per run)
//   cpu         the measured side's whole-process CPU per byte, every
//               thread and io_uring worker included (exactly one per run)
//   latency     a per-operation time (percentiles, maximum)
//   evidence    the kernel's counts and verdicts (tracepoints, software
//               events, zero-copy completions)
//   none        every other figure
enum class Role : unsigned char { none, throughput, cpu, latency, evidence };

constexpr std::string_view to_string(Better b) { return b == Better::higher ? "higher" : "lower"; }

constexpr std::string_view to_string(Role r) {
  switch (r) {
    case Role::throughput:
      return "throughput";
    case Role::cpu:
      return "cpu";
    case Role::latency:
      return "latency";
    case Role::evidence:
      return "evidence";
    case Role::none:
      break;
  }
  return "none";
}

struct MetricDef {
  std::string_view key;
  std::string_view unit;
  Better better;
  Role role;
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

// The latency role's figures of every workload (latency_p50_ns, _p90_,
// _p99_, _p999_, latency_max_ns) from per-call times; `lat` is reordered.
// All 0 when there are none.
inline void add_latency_values(std::vector<std::uint64_t>& lat, Values& values) {
  values["latency_max_ns"] = lat.empty() ? 0 : double(*std::max_element(lat.begin(), lat.end()));
  values["latency_p50_ns"] = percentile(lat, 0.50);
  values["latency_p90_ns"] = percentile(lat, 0.90);
  values["latency_p99_ns"] = percentile(lat, 0.99);
  values["latency_p999_ns"] = percentile(lat, 0.999);
}

}  // namespace zc
