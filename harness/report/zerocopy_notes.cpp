#include "harness/report/zerocopy_notes.hpp"

#include <cmath>
#include <cstdio>
#include <optional>

#include "harness/base/units.hpp"

namespace zc {
namespace {

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", x * 100);
  return buf;
}

// The median of a metric, when the run measured it.
std::optional<double> median(const nlohmann::json& run, const char* key) {
  auto it = run["metrics"].find(key);
  if (it == run["metrics"].end() || !it->value("available", false) || !it->contains("median"))
    return std::nullopt;
  return (*it)["median"].get<double>();
}

}  // namespace

std::vector<std::string> zerocopy_notes(const nlohmann::json& run) {
  std::vector<std::string> notes;
  if (run.value("status", "") != "ok") return notes;
  const auto& p = run["parameters"];
  std::string who = std::string(run["strategy"]) + "/" + std::string(run["sink"]) + " chunk " +
                    format_size(p["chunk"].get<std::uint64_t>()) + ": ";
  auto sends = median(run, "zerocopy_sends");
  auto share = median(run, "zerocopy_copied_fraction");
  auto notifications = median(run, "zerocopy_notifications");
  // The completions only say whether the kernel kept a reference to the
  // pages; software segmentation (no scatter-gather) copies them later
  // without saying so. The device's transmits tell: shown beside the flag.
  auto transmitted = median(run, "zerocopy_transmit_copied_fraction");
  if (sends && share && notifications)
    notes.push_back(who + "kernel marked " + percent(*share) + " of zero-copy bytes COPIED (" +
                    std::to_string(std::llround(*sends)) + " sends, " +
                    std::to_string(std::llround(*notifications)) + " completion notifications)" +
                    (transmitted ? "; at transmit, " + percent(*transmitted) +
                                       " of the bytes were in linear (copied) buffers"
                                 : ""));
  auto mapped = median(run, "receiver_zerocopy_mapped_fraction");
  auto calls = median(run, "receiver_zerocopy_getsockopt_calls");
  if (mapped && calls)
    notes.push_back(who + "receiver mapped " + percent(*mapped) +
                    " of bytes with TCP_ZEROCOPY_RECEIVE, copied " + percent(1 - *mapped) + " (" +
                    std::to_string(std::llround(*calls)) + " getsockopt calls)");
  // Nothing mapped where nothing can: why, instead of a 0% result.
  auto it = run["metrics"].find("receiver_zerocopy_mapped_fraction");
  if (!mapped && it != run["metrics"].end()) {
    auto why = it->value("reason", std::string());
    if (why.rfind("nothing mapped: ", 0) == 0)
      notes.push_back(who + "the zerocopy-receive receiver mapped nothing: " + why.substr(16));
  }
  return notes;
}

}  // namespace zc
