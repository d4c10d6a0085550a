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

// Pages re-dirtied after a sync are written again: per sync, at most a
// large folio (64 KiB) of the log more than its bytes. A policy that
// rewrites far more (msync of a whole mapping each time) fails here.
constexpr std::uint64_t kRewritePerSync = 64 * 1024;

json storage_item(const Conditions& c, const IngestEvidence& e, const std::string& fs) {
  const bool syncing = c.append.sync.kind != SyncPolicy::Kind::none;
  const auto lo = e.size, hi = pages_of(e.size) * kPageBytes + 64 * kPageBytes +
                               (syncing ? e.syncs * kRewritePerSync : 0);
  json predicted = {{"min", lo}, {"max", hi}};
  if (syncing) predicted["syncs"] = e.syncs;
  if (fs == "tmpfs")
    return not_measured(predicted, "the log is on tmpfs, which has no storage behind it");
  if (!e.storage_write_bytes.value) return not_measured(predicted, e.storage_write_bytes.why_not);
  auto m = *e.storage_write_bytes.value;
  json measured = {{"bytes", m}, {"per_log_byte", double(m) / double(e.size)}};
  return item(m >= lo && m <= hi ? "pass" : "fail", predicted, measured,
              "/proc/self/io write_bytes (charged as pages are dirtied)",
              syncing ? "every byte of the log dirtied for the device at least once, and at most "
                        "64 KiB more per sync (a page dirtied again after a sync is charged "
                        "again: the excess is write amplification)"
                      : "the log's bytes, rounded up to pages, dirtied for the device once");
}

// The log's new pages are filled by exactly one CPU copy each (a write
// from user memory, a receive into its mapping, a splice from a pipe: a
// file cannot share another buffer's pages).
json log_page_copies_item(const Ledger& l, const IngestEvidence& e, const std::string& fs) {
  const auto copies = std::count_if(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.side == Side::sender && h.by == Mover::cpu && h.to == Place::sink_page_cache;
  });
  if (fs == "tmpfs")
    return not_measured(copies,
                        "the log is on tmpfs, whose pages are not added through the "
                        "page cache's tracepoint");
  if (!e.page_cache_pages.value) return not_measured(copies, e.page_cache_pages.why_not);
  const auto seen = *e.page_cache_pages.value;
  if (double(seen) < 0.98 * double(pages_of(e.size)))
    return not_measured(copies, "fewer pages entered the page cache than the log has");
  return item(copies == 1 ? "pass" : "fail", copies,
              {{"page_cache_insertion_pages", seen}, {"log_pages", pages_of(e.size)}},
              "tracepoint filemap:mm_filemap_add_to_page_cache (the log's pages are new)",
              "new log pages: one CPU copy into them per byte");
}

// The bytes the calls moved out of user memory into the log, from their
// return values (raw_syscalls:sys_exit), beside the ledger's copies.
json user_copy_kernel_item(const Ledger& l, const IngestEvidence& e) {
  auto predicted = std::uint64_t(user_to_page_cache_copies(l)) * e.size;
  if (!e.kernel_from_user.value) return not_measured(predicted, e.kernel_from_user.why_not);
  const auto m = *e.kernel_from_user.value, slack = e.size / 100 + 64 * 1024;
  return item((m > predicted ? m - predicted : predicted - m) <= slack ? "pass" : "fail", predicted,
              m, "tracepoint raw_syscalls:sys_exit: what write/pwrite-like calls returned",
              "= ledger user -> page cache copies x log bytes, within 1% + 64 KiB");
}

bool verifies(const std::string& name) {
  return name == "syscalls_per_record" || name == "syscall_count_cross_check" ||
         name == "socket_copy_bytes" || name == "page_cache_insertions" ||
         name == "log_page_copies" || name == "user_to_page_cache_kernel_bytes";
}

// Which item sees a hop, or why none does.
std::string coverage(const Hop& h, std::string* why) {
  if (h.by == Mover::dma) return "";
  if (h.side == Side::sender && h.from == Place::socket_buffer &&
      (h.by == Mover::cpu || h.to == Place::pipe_buffer || h.to == Place::user_buffer ||
       h.to == Place::sink_page_cache))
    return "socket_copy_bytes";
  if (h.to == Place::sink_page_cache) return "log_page_copies";
  *why = "no tracepoint sees this hop";
  return "";
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

namespace {
IngestCheckObserver g_ingest_observer = nullptr;
}
void set_ingest_check_observer_for_tests(IngestCheckObserver observer) {
  g_ingest_observer = observer;
}

json check_ingest_model(const Ledger& l, const Conditions& c, const IngestEvidence& e,
                        const std::string& fs) {
  if (g_ingest_observer) g_ingest_observer(l, c, e, fs);
  json items = {{"syscalls_per_record", syscalls_item(l, c, e)},
                {"syscall_count_cross_check", cross_check_item(e)},
                {"socket_copy_bytes", socket_copy_item(l, e)},
                {"user_to_page_cache_bytes", user_copy_item(l, e)},
                {"user_to_page_cache_kernel_bytes", user_copy_kernel_item(l, e)},
                {"log_page_copies", log_page_copies_item(l, e, fs)},
                {"page_cache_insertions", page_cache_item(c, e, fs)},
                {"storage_write_bytes", storage_item(c, e, fs)}};
  bool failed = false;
  for (auto& [name, it] : items.items())
    if (it["status"] == "fail" || it["status"] == "inconsistent") failed = true;
  json unchecked = json::array();
  int checked = 0;
  for (const auto& h : l.hops) {
    if (h.by == Mover::dma) continue;
    std::string why;
    auto name = coverage(h, &why);
    auto status = name.empty() ? "" : items[name].value("status", std::string("not_measured"));
    if (status == "pass" || status == "fail") {
      ++checked;
      continue;
    }
    unchecked.push_back(
        {{"hop", hop_name(h)},
         {"why", name.empty()
                     ? why
                     : name + ": " + items[name].value("reason", std::string("not measured"))}});
  }
  // No evidence, no pass: /proc/self/io and the strategy's own tallies
  // can fail a run, never pass it; a tracepoint item must have checked a hop.
  std::string status = failed ? "fail" : checked > 0 ? "pass" : "not_measured";
  json out = {{"status", status}, {"items", items}, {"unchecked", unchecked}};
  if (status == "not_measured") {
    std::string why = "not verified: no kernel evidence checked a hop";
    for (auto& [name, it] : items.items())
      if (verifies(name) && it["status"] == "not_measured") {
        why += " (" + name + ": " + it.value("reason", std::string("not measured")) + ")";
        break;
      }
    out["reason"] = why;
  }
  return out;
}

std::string ingest_copy_verdict(const json& ledger, const json& check) {
  int cpu = ledger.value("cpu_copies_sender", 0);
  std::string claim =
      std::to_string(cpu) + (cpu == 1 ? " CPU copy" : " CPU copies") + " to the log";
  const std::string status = check.value("status", "not_measured");
  if (status == "not_measured")
    return claim + " (model only: " + check.value("reason", std::string("no kernel evidence")) +
           ")" + unchecked_note(check);
  std::vector<std::string> failed, evidence;
  for (auto& [name, it] : check["items"].items()) {
    if (it["status"] == "fail" || it["status"] == "inconsistent")
      failed.push_back(name + " predicted " + it["predicted"].dump() + ", measured " +
                       it["measured"].dump());
    else if (it["status"] == "pass") {
      if (name == "syscall_count_cross_check") evidence.push_back("raw_syscalls");
      if (name == "socket_copy_bytes") evidence.push_back("skb_copy_datagram_iovec");
      if (name == "page_cache_insertions") evidence.push_back("mm_filemap_add_to_page_cache");
      if (name == "log_page_copies") evidence.push_back("new log pages");
      if (name == "user_to_page_cache_kernel_bytes")
        evidence.push_back("raw_syscalls return values");
    }
  }
  return verdict_line(claim, failed, evidence) + unchecked_note(check);
}

}  // namespace zc
