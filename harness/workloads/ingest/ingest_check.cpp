#include "harness/workloads/ingest/ingest_check.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/measure/check_items.hpp"

namespace zc {
using nlohmann::json;

namespace {

// Calls the ledger does not model per record: a receive the kernel cut
// short (a signal, or a socket splice that took what had arrived), the
// syncs of an interval policy (timing, not records), teardown.
std::uint64_t unmodelled_calls(const Conditions& c, const IngestEvidence& e) {
  return call_evidence(*e.calls, "short_receive_calls") + e.calls->bookkeeping_syscalls +
         (c.append.sync.kind == SyncPolicy::Kind::interval ? e.syncs : 0);
}

json syscalls_item(const Ledger& l, const Conditions& c, const IngestEvidence& e) {
  return syscalls_per_record_item(
      l.syscalls_per_chunk, e.records, unmodelled_calls(c, e), e.calls->syscalls, e.traced_syscalls,
      "tracepoint raw_syscalls:sys_enter (calls cut short, interval syncs and teardown apart)");
}

json socket_copy_item(const Ledger& l, const IngestEvidence& e) {
  auto predicted = std::uint64_t(socket_copies(l)) * e.size;
  if (!e.socket_copy_bytes.value) return not_measured(predicted, e.socket_copy_bytes.why_not);
  auto m = *e.socket_copy_bytes.value;
  return check_item(m == predicted ? "pass" : "fail", predicted, m,
                    "tracepoint skb:skb_copy_datagram_iovec, len summed (measured side)",
                    "bytes copied out of socket buffers = ledger socket copies x log bytes");
}

json user_copy_item(const Ledger& l, const IngestEvidence& e) {
  auto predicted = std::uint64_t(user_to_page_cache_copies(l)) * e.size;
  auto m = e.calls->bytes_from_user;
  return check_item(
      m == predicted ? "consistent" : "inconsistent", predicted, m,
      "exact (bytes the strategy handed to write; its own tally, not kernel evidence)",
      "= ledger user -> page cache copies x log bytes");
}

json page_cache_item(const Conditions& c, const IngestEvidence& e, const std::string& fs) {
  const auto predicted = pages_of(e.size);
  if (fs == "tmpfs") return not_measured(predicted, kTmpfsPages);
  if (!e.page_cache_pages.value) return not_measured(predicted, e.page_cache_pages.why_not);
  auto m = *e.page_cache_pages.value;
  (void)c;
  return check_item(
      within(double(m), double(predicted), 0.02, 64) ? "pass" : "fail", predicted, m,
      "tracepoint filemap:mm_filemap_add_to_page_cache, 2^order pages per folio summed",
      "every page of the log inserted once: within 2% + 64 pages");
}

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
  return check_item(m >= lo && m <= hi ? "pass" : "fail", predicted, measured,
                    "/proc/self/io write_bytes (charged as pages are dirtied)",
                    syncing
                        ? "every byte of the log dirtied for the device at least once, and at most "
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
  if (fs == "tmpfs") return not_measured(copies, kTmpfsPages);
  if (!e.page_cache_pages.value) return not_measured(copies, e.page_cache_pages.why_not);
  const auto seen = *e.page_cache_pages.value;
  if (double(seen) < 0.98 * double(pages_of(e.size)))
    return not_measured(copies, "fewer pages entered the page cache than the log has");
  return check_item(copies == 1 ? "pass" : "fail", copies,
                    {{"page_cache_insertion_pages", seen}, {"log_pages", pages_of(e.size)}},
                    "tracepoint filemap:mm_filemap_add_to_page_cache (the log's pages are new)",
                    "new log pages: one CPU copy into them per byte");
}

// The bytes the calls moved out of user memory into the log, from their
// return values (raw_syscalls:sys_exit), beside the ledger's copies.
json user_copy_kernel_item(const Ledger& l, const IngestEvidence& e) {
  auto predicted = std::uint64_t(user_to_page_cache_copies(l)) * e.size;
  if (!e.kernel_from_user.value) return not_measured(predicted, e.kernel_from_user.why_not);
  const auto m = *e.kernel_from_user.value, slack = one_off_bytes(e.size);
  return check_item((m > predicted ? m - predicted : predicted - m) <= slack ? "pass" : "fail",
                    predicted, m,
                    "tracepoint raw_syscalls:sys_exit: what write/pwrite-like calls returned",
                    "= ledger user -> page cache copies x log bytes, within 1% + 64 KiB");
}

bool verifies(const std::string& name) {
  return name == "syscalls_per_record" || name == "syscall_count_cross_check" ||
         name == "socket_copy_bytes" || name == "page_cache_insertions" ||
         name == "log_page_copies" || name == "user_to_page_cache_kernel_bytes";
}

// Which item sees a hop, or why none does.
Coverage coverage(const Hop& h, const Conditions&) {
  if (h.by == Mover::dma) return {"", ""};
  if (h.side == Side::sender && h.from == Place::socket_buffer &&
      (h.by == Mover::cpu || h.to == Place::pipe_buffer || h.to == Place::user_buffer ||
       h.to == Place::sink_page_cache))
    return {"socket_copy_bytes", ""};
  if (h.to == Place::sink_page_cache) return {"log_page_copies", ""};
  return {"", "no tracepoint sees this hop"};
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
  json items = {
      {"syscalls_per_record", syscalls_item(l, c, e)},
      {"syscall_count_cross_check", syscall_cross_check_item(e.calls->syscalls, e.traced_syscalls)},
      {"socket_copy_bytes", socket_copy_item(l, e)},
      {"user_to_page_cache_bytes", user_copy_item(l, e)},
      {"user_to_page_cache_kernel_bytes", user_copy_kernel_item(l, e)},
      {"log_page_copies", log_page_copies_item(l, e, fs)},
      {"page_cache_insertions", page_cache_item(c, e, fs)},
      {"storage_write_bytes", storage_item(c, e, fs)}};
  return record_check(l, c, std::move(items), coverage, verifies);
}

std::string ingest_copy_verdict(const json& ledger, const json& check) {
  return record_copy_verdict(ledger, "to the log", check,
                             {{"syscall_count_cross_check", "raw_syscalls"},
                              {"socket_copy_bytes", "skb_copy_datagram_iovec"},
                              {"page_cache_insertions", "mm_filemap_add_to_page_cache"},
                              {"log_page_copies", "new log pages"},
                              {"user_to_page_cache_kernel_bytes", "raw_syscalls return values"}});
}

}  // namespace zc
