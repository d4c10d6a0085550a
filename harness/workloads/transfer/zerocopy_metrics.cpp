#include "harness/workloads/transfer/zerocopy_metrics.hpp"

#include <cmath>
#include <cstdio>

#include "harness/base/units.hpp"

namespace zc {
namespace {

std::uint64_t get(const std::map<std::string, std::uint64_t>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

void add_zerocopy_values(const Conditions& c, const CallCounters& calls,
                         const ReceiverReport& report, std::map<std::string, double>& values,
                         std::map<std::string, std::string>& unavailable) {
  // Any strategy that reads zero-copy completions reports these keys.
  if (calls.evidence.count("zerocopy_bytes_covered")) {
    auto covered = get(calls.evidence, "zerocopy_bytes_covered");
    auto copied = get(calls.evidence, "zerocopy_bytes_copied");
    values["zerocopy_sends"] = double(get(calls.evidence, "zerocopy_sends"));
    values["zerocopy_notifications"] = double(get(calls.evidence, "zerocopy_notifications"));
    values["zerocopy_bytes_copied_by_kernel"] = double(copied);
    values["zerocopy_bytes_not_copied"] = double(get(calls.evidence, "zerocopy_bytes_zerocopy"));
    values["zerocopy_copied_fraction"] = covered ? double(copied) / double(covered) : 0;
  } else {
    for (auto k : {"zerocopy_sends", "zerocopy_notifications", "zerocopy_bytes_copied_by_kernel",
                   "zerocopy_bytes_not_copied", "zerocopy_copied_fraction"})
      unavailable[k] =
          "the strategy sends no zero-copy requests, so the kernel reports no completions";
  }
  if (c.receiver == ReceiverMode::zerocopy_receive && has_receiver_process(c.sink)) {
    auto mapped = get(report.evidence, "zerocopy_receive_mapped_bytes");
    auto copied = get(report.evidence, "zerocopy_receive_copied_bytes");
    values["receiver_zerocopy_mapped_bytes"] = double(mapped);
    values["receiver_zerocopy_copied_bytes"] = double(copied);
    values["receiver_zerocopy_mapped_fraction"] =
        mapped + copied ? double(mapped) / double(mapped + copied) : 0;
    values["receiver_zerocopy_getsockopt_calls"] =
        double(get(report.evidence, "zerocopy_receive_getsockopt_calls"));
  } else {
    std::string why = "the receiver ran in " + std::string(to_string(c.receiver)) +
                      " mode; only --receiver zerocopy-receive maps the socket";
    if (!has_receiver_process(c.sink))
      why = "no receiver process: the " + std::string(to_string(c.sink)) + " sink has none";
    for (auto k : {"receiver_zerocopy_mapped_bytes", "receiver_zerocopy_copied_bytes",
                   "receiver_zerocopy_mapped_fraction", "receiver_zerocopy_getsockopt_calls"})
      unavailable[k] = why;
  }
}

}  // namespace zc
