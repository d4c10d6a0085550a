// The append model check: what an append strategy's ledger predicts beside
// what the kernel saw on the appending thread — its syscalls
// (raw_syscalls:sys_enter against the count at each call), the bytes its
// write-like calls returned (raw_syscalls:sys_exit), the log's pages
// entering the page cache (filemap:mm_filemap_add_to_page_cache) and its
// page faults. From these: a write() copies the record into new page-cache
// pages (the bytes returned, the pages inserted); O_DIRECT's device takes
// the record buffer by DMA (the bytes returned, no page inserted); a store
// through a shared mapping fills new pages with no call returning bytes
// (the pages inserted by the mapping's faults). Items pass or fail only on
// kernel evidence; the storage item (/proc/self/io) and the ledger's own
// path can fail a run, never pass it. No evidence, no pass.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/core/conditions.hpp"
#include "harness/core/ledger.hpp"
#include "harness/core/strategy.hpp"
#include "harness/measure/metrics.hpp"
#include "harness/measure/model_check.hpp"
#include "harness/measure/perf_counters.hpp"

namespace zc {

// The appending thread's counters.
std::vector<PerfEventSpec> append_event_specs();

struct AppendEvidence {
  std::uint64_t size = 0, records = 0, syncs = 0;
  // The strategy's own counts over the window, the final sync included.
  const CallCounters* calls = nullptr;
  Maybe<std::uint64_t> traced_syscalls;      // raw_syscalls:sys_enter, the counters' own read apart
  Maybe<std::uint64_t> kernel_from_user;     // what write/pwrite-like calls returned
  nlohmann::json boundary_calls;             // syscall name -> {calls, returned, crosses}
  Maybe<std::uint64_t> page_cache_pages;     // mm_filemap_add_to_page_cache, pages
  Maybe<std::uint64_t> page_faults;          // software page-faults event
  Maybe<std::uint64_t> storage_write_bytes;  // /proc/self/io write_bytes over the window
};

// One repetition's check: {"status", "items", "unchecked"[, "reason"]}.
// `fs`: the log's file system (tmpfs has no page-cache tracepoint and no storage).
nlohmann::json check_append_model(const Ledger& l, const Conditions& c, const AppendEvidence& e,
                                  const std::string& fs);

// For tests only (the mutation suite): called with each repetition's
// ledger, conditions, evidence and file system just before its check.
// zc-bench never sets it; a test binary linking the harness does.
using AppendCheckObserver = void (*)(const Ledger&, const Conditions&, const AppendEvidence&,
                                     const std::string& fs);
void set_append_check_observer_for_tests(AppendCheckObserver observer);

// One line for the table and the run record.
std::string append_copy_verdict(const nlohmann::json& ledger, const nlohmann::json& check);

// One repetition's kernel counters on the appending thread. Opened (when
// `on`) before the timed region, on the thread that appends; start() just
// before the first record, stop() after the final sync.
class AppendKernelWindow {
 public:
  explicit AppendKernelWindow(bool on);
  void start();
  void stop();
  // The traced figures into values (or unavailable, with why), and the
  // repetition's "kernel" and "model_check" sections. `calls` and `syncs`
  // cover the window; values["storage_write_bytes"], when set, too.
  nlohmann::json check(const Ledger& l, const Conditions& c, const CallCounters& calls,
                       std::uint64_t records, std::uint64_t syncs, const std::string& fs,
                       Values& values, Unavailable& unavailable);

 private:
  std::unique_ptr<PerfCounterSet> set_;
  std::string why_;
};

// The run's model check and verdict from its repetitions' (the evidence
// one last), and the device summary with its warning.
void finish_append_record(nlohmann::json& record, const nlohmann::json& checked,
                          std::vector<std::string>& warnings);

}  // namespace zc
