#include "harness/workloads/ingest/ingest_check.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/base/units.hpp"

namespace zc {
using nlohmann::json;

namespace {

json not_measured(json predicted, const std::string& why) {
  return {{"status", "not_measured"}, {"predicted", std::move(predicted)}, {"reason", why}};
}

json item(const char* status, json predicted, json measured, const std::string& method,
          const std::string& rule) {
  return {{"status", status},
          {"predicted", std::move(predicted)},
          {"measured", std::move(measured)},
          {"method", method},
          {"rule", rule}};
}

bool within(double measured, double predicted, double rel, double abs) {
  return std::fabs(measured - predicted) <= rel * predicted + abs;
}

std::uint64_t evidence(const CallCounters& c, const char* key) {
  auto it = c.evidence.find(key);
  return it == c.evidence.end() ? 0 : it->second;
}

// Calls the ledger does not model per record: a receive the kernel cut
// short (a signal, or a socket splice that took what had arrived), the
// syncs of an interval policy (timing, not records), teardown.
std::uint64_t unmodelled_calls(const Conditions& c, const IngestEvidence& e) {
  return evidence(*e.calls, "short_receive_calls") + e.calls->bookkeeping_syscalls +
         (c.append.sync.kind == SyncPolicy::Kind::interval ? e.syncs : 0);
}

json syscalls_item(const Ledger& l, const Conditions& c, const IngestEvidence& e) {
  const double p = l.syscalls_per_chunk;
  if (e.records == 0) return not_measured(p, "no records");
  auto skip = unmodelled_calls(c, e);
  auto data = [&](std::uint64_t n) { return double(n - std::min(skip, n)) / double(e.records); };
  json measured = {{"exact_per_record", data(e.calls->syscalls)}, {"unmodelled_calls", skip}};
  if (!e.traced_syscalls.value)
    return item(within(data(e.calls->syscalls), p, 0.05, 0.01) ? "consistent" : "inconsistent", p,
                measured, "exact (the strategy's own count)",
                "per record within 5% of the model; no kernel count: " + e.traced_syscalls.why_not);
  double traced = data(*e.traced_syscalls.value);
  measured["tracepoint_per_record"] = traced;
  return item(within(traced, p, 0.05, 0.01) ? "pass" : "fail", p, measured,
              "tracepoint raw_syscalls:sys_enter (calls cut short, interval syncs and teardown "
              "apart)",
              "per record within 5% of the model");
}

json cross_check_item(const IngestEvidence& e) {
  if (!e.traced_syscalls.value) return not_measured(e.calls->syscalls, e.traced_syscalls.why_not);
  auto traced = *e.traced_syscalls.value, exact = e.calls->syscalls;
  double slack = std::max(2.0, 0.005 * double(exact));
  return item(std::fabs(double(traced) - double(exact)) <= slack ? "pass" : "fail", exact, traced,
              "tracepoint raw_syscalls:sys_enter vs exact call-site count",
              "equal within max(2, 0.5%): any other syscall in the window is unaccounted work");
}

json socket_copy_item(const Ledger& l, const IngestEvidence& e) {
  auto predicted = std::uint64_t(socket_copies(l)) * e.size;
  if (!e.socket_copy_bytes.value) return not_measured(predicted, e.socket_copy_bytes.why_not);
  auto m = *e.socket_copy_bytes.value;
  return item(m == predicted ? "pass" : "fail", predicted, m,
              "tracepoint skb:skb_copy_datagram_iovec, len summed (measured side)",
              "bytes copied out of socket buffers = ledger socket copies x log bytes");
}

json user_copy_item(const Ledger& l, const IngestEvidence& e) {
  auto predicted = std::uint64_t(user_to_page_cache_copies(l)) * e.size;
  auto m = e.calls->bytes_from_user;
  return item(m == predicted ? "consistent" : "inconsistent", predicted, m,
              "exact (bytes the strategy handed to write; its own tally, not kernel evidence)",
              "= ledger user -> page cache copies x log bytes");
}

json page_cache_item(const Conditions& c, const IngestEvidence& e, const std::string& fs) {
  const auto predicted = pages_of(e.size);
  if (fs == "tmpfs")
    return not_measured(predicted,
                        "the log is on tmpfs, whose pages are not added through "
                        "the page cache's tracepoint");
  if (!e.page_cache_pages.value) return not_measured(predicted, e.page_cache_pages.why_not);
  auto m = *e.page_cache_pages.value;
  (void)c;
  return item(within(double(m), double(predicted), 0.02, 64) ? "pass" : "fail", predicted, m,
              "tracepoint filemap:mm_filemap_add_to_page_cache, 2^order pages per folio summed",
              "every page of the log inserted once: within 2% + 64 pages");
}

json storage_item(const Conditions& c, const IngestEvidence& e, const std::string& fs) {
  const auto lo = e.size, hi = pages_of(e.size) * kPageBytes + 64 * kPageBytes;
  // A sync writes a page back; one dirtied again after it (a record that
  // does not end on a page or folio boundary, a large folio a mapping's
  // faults brought in and the next records fill) is charged and written
  // again. How often depends on folio sizes the kernel chooses, so with a
  // sync policy only the lower bound is the model's.
  const bool syncing = c.append.sync.kind != SyncPolicy::Kind::none;
  json predicted = syncing ? json{{"min", lo}} : json{{"min", lo}, {"max", hi}};
  if (fs == "tmpfs")
    return not_measured(predicted, "the log is on tmpfs, which has no storage behind it");
  if (!e.storage_write_bytes.value) return not_measured(predicted, e.storage_write_bytes.why_not);
  auto m = *e.storage_write_bytes.value;
  json measured = {{"bytes", m}, {"per_log_byte", double(m) / double(e.size)}};
  if (syncing)
    return item(m >= lo ? "pass" : "fail", predicted, measured,
                "/proc/self/io write_bytes (charged as pages are dirtied)",
                "every byte of the log dirtied for the device at least once (a page dirtied "
                "again after a sync is charged again: the excess is write amplification, "
                "storage_write_amplification)");
  return item(m >= lo && m <= hi ? "pass" : "fail", predicted, measured,
              "/proc/self/io write_bytes (charged as pages are dirtied)",
              "the log's bytes, rounded up to pages, dirtied for the device once");
}

}  // namespace

int socket_copies(const Ledger& l) {
  return int(std::count_if(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.from == Place::socket_buffer && h.by == Mover::cpu && h.side == Side::sender;
  }));
}

int user_to_page_cache_copies(const Ledger& l) {
  return int(std::count_if(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.from == Place::user_buffer && h.to == Place::sink_page_cache && h.by == Mover::cpu;
  }));
}

json check_ingest_model(const Ledger& l, const Conditions& c, const IngestEvidence& e,
                        const std::string& fs) {
  json items = {{"syscalls_per_record", syscalls_item(l, c, e)},
                {"syscall_count_cross_check", cross_check_item(e)},
                {"socket_copy_bytes", socket_copy_item(l, e)},
                {"user_to_page_cache_bytes", user_copy_item(l, e)},
                {"page_cache_insertions", page_cache_item(c, e, fs)},
                {"storage_write_bytes", storage_item(c, e, fs)}};
  std::string status = "not_measured";
  for (auto& [name, it] : items.items()) {
    if (it["status"] == "fail" || it["status"] == "inconsistent") status = "fail";
    if (it["status"] == "pass" && status == "not_measured") status = "pass";
  }
  return {{"status", status}, {"items", items}};
}

std::string ingest_copy_verdict(const json& ledger, const json& check) {
  int cpu = ledger.value("cpu_copies_sender", 0);
  std::string claim =
      std::to_string(cpu) + (cpu == 1 ? " CPU copy" : " CPU copies") + " to the log";
  const std::string status = check.value("status", "not_measured");
  if (status == "not_measured")
    return claim + " (model only: " + check.value("reason", std::string("no kernel evidence")) +
           ")";
  std::vector<std::string> failed, evidence;
  for (auto& [name, it] : check["items"].items()) {
    if (it["status"] == "fail" || it["status"] == "inconsistent")
      failed.push_back(name + " predicted " + it["predicted"].dump() + ", measured " +
                       it["measured"].dump());
    else if (it["status"] == "pass") {
      if (name == "syscall_count_cross_check") evidence.push_back("raw_syscalls");
      if (name == "socket_copy_bytes") evidence.push_back("skb_copy_datagram_iovec");
      if (name == "page_cache_insertions") evidence.push_back("mm_filemap_add_to_page_cache");
      if (name == "storage_write_bytes") evidence.push_back("/proc/self/io");
    }
  }
  return verdict_line(claim, failed, evidence);
}

}  // namespace zc
