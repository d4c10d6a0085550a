#include "harness/measure/append_check.hpp"

#include <algorithm>
#include <cmath>

#include "harness/base/units.hpp"
#include "harness/measure/accounting.hpp"
#include "harness/measure/check_items.hpp"
#include "harness/measure/storage_device.hpp"

namespace zc {
using nlohmann::json;

std::vector<PerfEventSpec> append_event_specs() {
  return {
      {"syscalls", "raw_syscalls/sys_enter"},
      {"page_cache_insertions", "filemap/mm_filemap_add_to_page_cache", {"pages_of_order"}, 2048},
      {"page_faults", "software/page-faults"},
      {"syscall_returns", "raw_syscalls/sys_exit", {"ret"}, 512, {}, {"common_pid", "id"}}};
}

namespace {

// The log's pages: written through the page cache, or through a mapping of it.
bool log_pages(Place p) { return p == Place::sink_page_cache || p == Place::mapped_page_cache; }

// A hop out of the record buffer into the kernel's hands (a write() into
// the page cache, O_DIRECT's device): the call returns its bytes. A
// mapping's pages reach the device by writeback, which no call returns.
bool leaves_user_memory(const Hop& h) {
  return h.side == Side::sender &&
         (h.from == Place::user_buffer || h.from == Place::runtime_heap) && !in_user_memory(h.to);
}

int count_hops(const Ledger& l, bool (*pred)(const Hop&)) {
  return int(std::count_if(l.hops.begin(), l.hops.end(), pred));
}

int cpu_out_of_user(const Ledger& l) {
  return count_hops(l, [](const Hop& h) {
    return leaves_user_memory(h) && (h.by == Mover::cpu || h.by == Mover::cpu_transform);
  });
}
int dma_out_of_user(const Ledger& l) {
  return count_hops(l, [](const Hop& h) { return leaves_user_memory(h) && h.by == Mover::dma; });
}
// Any other way out of user memory (by reference): the call returns those bytes too.
int ref_out_of_user(const Ledger& l) {
  return count_hops(l,
                    [](const Hop& h) { return leaves_user_memory(h) && h.by == Mover::reference; });
}
// CPU copies that fill the log's pages (a write(), a store through the mapping).
int copies_into_log_pages(const Ledger& l) {
  return count_hops(l, [](const Hop& h) {
    return h.side == Side::sender && h.by == Mover::cpu && log_pages(h.to);
  });
}
bool reaches_log_pages(const Ledger& l) {
  return std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) { return log_pages(h.to); });
}
bool stores_into_mapping(const Ledger& l) {
  return std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.by == Mover::cpu && h.to == Place::mapped_page_cache;
  });
}

// Calls the ledger does not model per record: the final sync, a mapped
// log's growth steps (fallocate), the syncs of an interval policy (timing,
// not records), bookkeeping.
std::uint64_t unmodelled_calls(const Conditions& c, const AppendEvidence& e) {
  return 1 + call_evidence(*e.calls, "grow_calls") + e.calls->bookkeeping_syscalls +
         (c.append.sync.kind == SyncPolicy::Kind::interval ? e.syncs : 0);
}

json syscalls_item(const Ledger& l, const Conditions& c, const AppendEvidence& e) {
  return syscalls_per_record_item(
      l.syscalls_per_chunk, e.records, unmodelled_calls(c, e), e.calls->syscalls, e.traced_syscalls,
      "tracepoint raw_syscalls:sys_enter on the appending thread (the final sync, growth "
      "steps and interval syncs apart)");
}

// The bytes the calls took out of user memory (their return values),
// split by where they went: into new page-cache pages (as many as were
// inserted: a CPU copy) or past the page cache (O_DIRECT: the device's DMA).
json boundary_item(const Ledger& l, const AppendEvidence& e, const std::string& fs) {
  const int cpu = cpu_out_of_user(l), dma = dma_out_of_user(l), ref = ref_out_of_user(l);
  json predicted = {{"cpu_copies_from_user", cpu},
                    {"dma_from_user", dma},
                    {"bytes_from_user", std::uint64_t(cpu + dma + ref) * e.size},
                    {"via_page_cache_bytes", std::uint64_t(cpu) * e.size},
                    {"direct_bytes", std::uint64_t(dma) * e.size}};
  if (ref) predicted["by_reference_from_user"] = ref;
  if (!e.kernel_from_user.value) return not_measured(predicted, e.kernel_from_user.why_not);
  const auto w = *e.kernel_from_user.value, slack = one_off_bytes(e.size);
  auto near = [&](std::uint64_t got, std::uint64_t want) {
    return (got > want ? got - want : want - got) <= slack;
  };
  json measured = {{"bytes_from_user", w}, {"calls", e.boundary_calls}};
  bool pass = near(w, std::uint64_t(cpu + dma + ref) * e.size);
  std::string method =
      "tracepoint raw_syscalls:sys_exit on the appending thread: what write/pwrite-like calls "
      "returned";
  std::string rule = "bytes returned = (copies + DMA) out of user memory x log bytes";
  if (fs != "tmpfs" && e.page_cache_pages.value) {
    // A byte a call took went into a new page of the log (the page cache
    // inserted it), or the device took it from user memory.
    const auto cached = std::min(w, *e.page_cache_pages.value * kPageBytes);
    measured["via_page_cache_bytes"] = cached;
    measured["direct_bytes"] = w - cached;
    pass = pass && near(cached, std::uint64_t(cpu) * e.size) &&
           near(w - cached, std::uint64_t(dma) * e.size);
    method += ", split by filemap:mm_filemap_add_to_page_cache (the log's pages are new)";
    rule +=
        "; of them, those that entered new page-cache pages = CPU copies x log bytes, the rest "
        "(past the page cache) = DMA x log bytes";
  } else {
    measured["split_reason"] = fs == "tmpfs" ? "the log is on tmpfs: no page-cache tracepoint"
                                             : e.page_cache_pages.why_not;
  }
  return check_item(pass ? "pass" : "fail", predicted, measured, method,
                    rule + ", within 1% + 64 KiB");
}

json page_cache_item(const Ledger& l, const AppendEvidence& e, const std::string& fs) {
  const std::uint64_t predicted = reaches_log_pages(l) ? pages_of(e.size) : 0;
  if (fs == "tmpfs") return not_measured(predicted, kTmpfsPages);
  if (!e.page_cache_pages.value) return not_measured(predicted, e.page_cache_pages.why_not);
  auto m = *e.page_cache_pages.value;
  return check_item(
      within(double(m), double(predicted), 0.02, 64) ? "pass" : "fail", predicted, m,
      "tracepoint filemap:mm_filemap_add_to_page_cache on the appending thread, 2^order "
      "pages per folio summed",
      predicted ? "every page of the new log inserted once: within 2% + 64 pages"
                : "past the page cache (O_DIRECT): no more than 64 pages");
}

// The log's new pages are filled by exactly one CPU copy each (a write(),
// a store through the mapping); a log that bypassed the page cache has none.
json log_page_copies_item(const Ledger& l, const AppendEvidence& e, const std::string& fs) {
  const int copies = copies_into_log_pages(l);
  if (fs == "tmpfs") return not_measured(copies, kTmpfsPages);
  if (!e.page_cache_pages.value) return not_measured(copies, e.page_cache_pages.why_not);
  const auto seen = *e.page_cache_pages.value, log = pages_of(e.size);
  json measured = {{"page_cache_insertion_pages", seen}, {"log_pages", log}};
  const char* method = "tracepoint filemap:mm_filemap_add_to_page_cache (the log's pages are new)";
  if (double(seen) >= 0.98 * double(log))
    return check_item(copies == 1 ? "pass" : "fail", copies, measured, method,
                      "new log pages: one CPU copy into them per byte");
  if (seen <= 64)
    return check_item(copies == 0 ? "pass" : "fail", copies, measured, method,
                      "no log page entered the page cache: no CPU copy into one");
  return not_measured(copies, "part of the log entered the page cache (" + std::to_string(seen) +
                                  " of " + std::to_string(log) + " pages)");
}

// Stores through a shared mapping fault the log's pages in; write() and
// O_DIRECT touch no more than the record buffer.
json faults_item(const Ledger& l, const AppendEvidence& e, std::uint64_t record) {
  const bool mapped = stores_into_mapping(l);
  // The harness's own first touches count too: the per-record latencies'
  // vector (8 bytes a record), reserved but untouched before the window.
  // A sync write-protects the mapping's pages again: a later record that
  // shares a page faults it once more (at most the pages a record touches,
  // per record, once syncs happen).
  const std::uint64_t refaults = mapped && e.syncs ? e.records * (pages_of(record) + 1) : 0;
  const std::uint64_t lo = mapped ? 1 : 0, hi = (mapped ? pages_of(e.size) : 0) + refaults +
                                                2 * pages_of(record) + pages_of(e.records * 8) + 64;
  json predicted = {{"min", lo},
                    {"max", hi},
                    {"why", mapped ? "stores into the mapping fault the log's pages in, and again "
                                     "after a sync write-protects them"
                                   : "no mapping: at most the record buffer's first touch"}};
  if (!e.page_faults.value) return not_measured(predicted, e.page_faults.why_not);
  auto m = *e.page_faults.value;
  return check_item(m >= lo && m <= hi ? "pass" : "fail", predicted, m,
                    "perf software event page-faults (appending thread)", "min <= faults <= max");
}

json storage_item(const Conditions& c, const AppendEvidence& e, const std::string& fs) {
  const bool syncing = c.append.sync.kind != SyncPolicy::Kind::none;
  // O_DSYNC makes every write a sync of its own.
  const auto syncs = c.append.sync.opens_dsync() ? e.records : e.syncs + 1;
  // Records that share pages: a shared page that a sync, or writeback
  // (which other processes' dirty pages may set off at any time), cleaned
  // between two records is dirtied and charged again, at most once per
  // record for each page it touches.
  const auto shared = c.chunk % kPageBytes ? e.records * (pages_of(c.chunk) + 1) * kPageBytes : 0;
  const auto lo = e.size, hi = pages_of(e.size) * kPageBytes + 64 * kPageBytes + e.size / 100 +
                               shared + (syncing ? syncs * kRewritePerSync : 0);
  json predicted = {{"min", lo}, {"max", hi}};
  if (syncing) predicted["syncs"] = syncs;
  if (fs == "tmpfs")
    return not_measured(predicted, "the log is on tmpfs, which has no storage behind it");
  if (!e.storage_write_bytes.value) return not_measured(predicted, e.storage_write_bytes.why_not);
  auto m = *e.storage_write_bytes.value;
  json measured = {{"bytes", m}, {"per_log_byte", double(m) / double(e.size)}};
  return check_item(
      m >= lo && m <= hi ? "pass" : "fail", predicted, measured,
      "/proc/self/io write_bytes (charged as pages are dirtied, and for O_DIRECT writes)",
      syncing ? "every byte of the log written for the device at least once, and at most "
                "64 KiB more per sync (a page dirtied again after a sync is charged "
                "again; records that share pages: each such page once more per record)"
              : "the log's bytes, rounded up to pages, written for the device once (+1%; "
                "records that share pages: each such page once more per record)");
}

// Every hop starts where the records are (the record buffer) or where an
// earlier hop brought them; a CPU copy lands in memory, never on a device.
json path_item(const Ledger& l) {
  std::vector<Place> reached = {Place::user_buffer};
  for (std::size_t i = 0; i < l.hops.size(); ++i) {
    const auto& h = l.hops[i];
    std::string wrong;
    if (std::find(reached.begin(), reached.end(), h.from) == reached.end())
      wrong = "starts where no earlier hop brought the bytes";
    else if (h.to == Place::disk && h.by != Mover::dma)
      wrong = "reaches the device without DMA";
    if (!wrong.empty())
      return check_item("fail",
                        "every hop starts where an earlier one ended; only DMA reaches a device",
                        "hop " + std::to_string(i + 1) + " (" + hop_name(h) + ") " + wrong,
                        "the ledger's hops as a path", "each hop's source was reached");
    reached.push_back(h.to);
  }
  return {{"status", "consistent"},
          {"predicted", "every hop starts where an earlier one ended"},
          {"method", "the ledger's hops as a path (not evidence)"}};
}

bool verifies(const std::string& name) {
  return name == "syscalls_per_record" || name == "syscall_count_cross_check" ||
         name == "boundary_copies" || name == "page_cache_insertions" || name == "log_page_copies";
}

// Which item's evidence sees a hop ("" and why when none does). O_DIRECT's
// DMA out of the record buffer is seen (the bytes returned, no page
// inserted); the page cache's writeback is DMA that no CPU does.
Coverage coverage(const Hop& h, const Conditions&) {
  if (leaves_user_memory(h)) return {"boundary_copies", ""};
  if (h.by == Mover::dma) return {"", ""};
  if (log_pages(h.to)) return {"log_page_copies", ""};
  return {"", "no tracepoint sees this hop"};
}

AppendCheckObserver g_observer = nullptr;

}  // namespace

void set_append_check_observer_for_tests(AppendCheckObserver observer) { g_observer = observer; }

json check_append_model(const Ledger& l, const Conditions& c, const AppendEvidence& e,
                        const std::string& fs) {
  if (g_observer) g_observer(l, c, e, fs);
  json items = {
      {"syscalls_per_record", syscalls_item(l, c, e)},
      {"syscall_count_cross_check", syscall_cross_check_item(e.calls->syscalls, e.traced_syscalls)},
      {"boundary_copies", boundary_item(l, e, fs)},
      {"page_cache_insertions", page_cache_item(l, e, fs)},
      {"log_page_copies", log_page_copies_item(l, e, fs)},
      {"page_faults", faults_item(l, e, c.chunk)},
      {"storage_write_bytes", storage_item(c, e, fs)},
      {"ledger_path", path_item(l)}};
  return record_check(l, c, std::move(items), coverage, verifies);
}

std::string append_copy_verdict(const json& ledger, const json& check) {
  return record_copy_verdict(ledger, "into the log", check,
                             {{"syscall_count_cross_check", "raw_syscalls"},
                              {"boundary_copies", "raw_syscalls return values"},
                              {"page_cache_insertions", "mm_filemap_add_to_page_cache"},
                              {"log_page_copies", "new log pages"}});
}

AppendKernelWindow::AppendKernelWindow(bool on) {
  if (!on) {
    why_ = "kernel counters run in the untimed evidence repetition only";
    return;
  }
  set_ = std::make_unique<PerfCounterSet>(PerfTarget::thread(), append_event_specs());
  if (!set_->available()) {
    why_ = set_->reason();
    set_.reset();
  }
}

void AppendKernelWindow::start() {
  if (set_) set_->start();
}

void AppendKernelWindow::stop() {
  if (set_) set_->stop();
}

json AppendKernelWindow::check(const Ledger& l, const Conditions& c, const CallCounters& calls,
                               std::uint64_t records, std::uint64_t syncs, const std::string& fs,
                               Values& values, Unavailable& unavailable) {
  std::map<std::string, PerfEventResult> r;
  json kernel;
  if (set_) {
    r = set_->read();
    kernel = to_json(*set_, r);
    kernel["window"] = "the appending thread, from the first record to the end of the final sync";
  }
  auto get = [&](const char* key, const char* field = nullptr,
                 std::uint64_t minus = 0) -> Maybe<std::uint64_t> {
    if (!set_) return {std::nullopt, why_};
    auto it = r.find(key);
    if (it == r.end()) return {std::nullopt, "not counted"};
    if (!it->second.available) return {std::nullopt, it->second.reason};
    if (!field) return {it->second.count - std::min(minus, it->second.count), ""};
    if (it->second.sums_partial) return {std::nullopt, it->second.sums_reason};
    if (auto f = it->second.sums.find(field); f != it->second.sums.end()) return {f->second, ""};
    return {std::nullopt,
            it->second.sums_reason.empty() ? std::string("not summed") : it->second.sums_reason};
  };
  AppendEvidence e;
  e.size = c.size;
  e.records = records;
  e.syncs = syncs;
  e.calls = &calls;
  e.traced_syscalls = get("syscalls", nullptr, PerfCounterSet::kStopSyscalls);
  e.page_cache_pages = get("page_cache_insertions", "pages_of_order");
  e.page_faults = get("page_faults");
  auto b = boundary_bytes(set_ ? &r : nullptr, why_, std::nullopt, SinkKind::file,
                          ZeroCopyCompletions{});
  e.kernel_from_user = b.from_user;
  e.boundary_calls = b.calls;
  if (auto it = values.find("storage_write_bytes"); it != values.end())
    e.storage_write_bytes = {std::uint64_t(it->second), ""};
  else if (auto u = unavailable.find("storage_write_bytes"); u != unavailable.end())
    e.storage_write_bytes = {std::nullopt, u->second};
  else
    e.storage_write_bytes = {std::nullopt, "not read"};

  auto put = [&](const char* key, const Maybe<std::uint64_t>& m) {
    if (m.value)
      values[key] = double(*m.value);
    else
      unavailable[key] = m.why_not;
  };
  put("traced_syscalls", e.traced_syscalls);
  put("page_cache_insertion_pages", e.page_cache_pages);
  put("traced_page_faults", e.page_faults);
  put("traced_bytes_from_user", e.kernel_from_user);

  json out = {{"model_check", check_append_model(l, c, e, fs)}};
  if (!kernel.is_null()) out["kernel"] = kernel;
  return out;
}

void finish_append_record(json& record, const json& checked, std::vector<std::string>& warnings) {
  record["model_check"] = summarize_model_checks(checked);
  record["copy_verdict"] = append_copy_verdict(record["ledger"], record["model_check"]);
  if (auto d = summarize_storage_device(checked, warnings); !d.is_null())
    record["storage_device"] = d;
}

}  // namespace zc
