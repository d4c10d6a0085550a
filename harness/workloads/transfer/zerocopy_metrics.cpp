#include "harness/workloads/transfer/zerocopy_metrics.hpp"

#include <cmath>
#include <cstdio>

#include "harness/base/units.hpp"
#include "harness/core/ledger.hpp"

namespace zc {
nlohmann::json zerocopy_json(const ZeroCopyCompletions& zc) {
  nlohmann::json j = {{"sends", zc.sends},
                      {"notifications", zc.notifications},
                      {"bytes_covered", zc.bytes_covered},
                      {"copy_reported", zc.copy_reported}};
  if (zc.copy_reported) {
    j["copied_flag"] = zc.copied_flag;
    j["copied_sends"] = zc.copied_sends;
    j["bytes_copied"] = zc.bytes_copied;
    j["bytes_not_copied"] = zc.bytes_not_copied;
  }
  return j;
}

namespace {

std::uint64_t get(const std::map<std::string, std::uint64_t>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

// What the kernel's zero-copy completions said of the sender's sends.
void add_completion_values(const ZeroCopyCompletions& zc, std::map<std::string, double>& values,
                           std::map<std::string, std::string>& unavailable) {
  if (zc.requested) {
    values["zerocopy_sends"] = double(zc.sends);
    values["zerocopy_notifications"] = double(zc.notifications);
    values["zerocopy_bytes_covered"] = double(zc.bytes_covered);
  } else {
    for (auto k : {"zerocopy_sends", "zerocopy_notifications", "zerocopy_bytes_covered"})
      unavailable[k] =
          "the strategy sends no zero-copy requests, so the kernel reports no completions";
  }
  const char* verdict[] = {"zerocopy_bytes_copied_by_kernel", "zerocopy_bytes_not_copied",
                           "zerocopy_copied_fraction"};
  if (zc.requested && zc.copy_reported) {
    values["zerocopy_bytes_copied_by_kernel"] = double(zc.bytes_copied);
    values["zerocopy_bytes_not_copied"] = double(zc.bytes_not_copied);
    if (zc.bytes_covered)
      values["zerocopy_copied_fraction"] = double(zc.bytes_copied) / double(zc.bytes_covered);
    else
      unavailable["zerocopy_copied_fraction"] = "no completion arrived";
  } else {
    for (auto k : verdict)
      unavailable[k] = !zc.requested
                           ? "the strategy sends no zero-copy requests, so the kernel reports no "
                             "completions"
                           : "this kernel does not report whether it copied zero-copy sends "
                             "(IORING_SEND_ZC_REPORT_USAGE unknown)";
  }
}

// --receiver zerocopy-receive: what the receiver mapped, and what it copied.
void add_receiver_mapping_values(const Conditions& c, bool zerocopy_sends,
                                 const ReceiverReport& report,
                                 std::map<std::string, double>& values,
                                 std::map<std::string, std::string>& unavailable) {
  const char* mapping[] = {"receiver_zerocopy_mapped_bytes", "receiver_zerocopy_copied_bytes",
                           "receiver_zerocopy_mapped_fraction",
                           "receiver_zerocopy_getsockopt_calls",
                           "receiver_zerocopy_getsockopt_calls_per_mib"};
  if (c.receiver == ReceiverMode::zerocopy_receive && has_receiver_process(c.sink)) {
    auto mapped = get(report.evidence, "zerocopy_receive_mapped_bytes");
    auto copied = get(report.evidence, "zerocopy_receive_copied_bytes");
    auto calls = double(get(report.evidence, "zerocopy_receive_getsockopt_calls"));
    values["receiver_zerocopy_mapped_bytes"] = double(mapped);
    values["receiver_zerocopy_copied_bytes"] = double(copied);
    values["receiver_zerocopy_getsockopt_calls"] = calls;
    if (mapped + copied)
      values["receiver_zerocopy_getsockopt_calls_per_mib"] =
          calls / (double(mapped + copied) / double(1 << 20));
    else
      unavailable["receiver_zerocopy_getsockopt_calls_per_mib"] = "no bytes were received";
    // Nothing mapped where nothing can: the reason, not a 0% that reads
    // like a measured result of the mode.
    auto why = receive_unmappable(c, zerocopy_sends);
    if (mapped == 0 && why)
      unavailable["receiver_zerocopy_mapped_fraction"] = "nothing mapped: " + *why;
    else if (mapped + copied == 0)
      unavailable["receiver_zerocopy_mapped_fraction"] = "no bytes were received";
    else
      values["receiver_zerocopy_mapped_fraction"] = double(mapped) / double(mapped + copied);
  } else {
    std::string why = "the receiver ran in " + std::string(to_string(c.receiver)) +
                      " mode; only --receiver zerocopy-receive maps the socket";
    if (!has_receiver_process(c.sink))
      why = "no receiver process: the " + std::string(to_string(c.sink)) + " sink has none";
    for (auto k : mapping) unavailable[k] = why;
  }
}

}  // namespace

void add_zerocopy_values(const Conditions& c, const CallCounters& calls,
                         const ReceiverReport& report, std::map<std::string, double>& values,
                         std::map<std::string, std::string>& unavailable) {
  add_completion_values(calls.zerocopy, values, unavailable);
  add_receiver_mapping_values(c, calls.zerocopy.requested, report, values, unavailable);
}

}  // namespace zc
