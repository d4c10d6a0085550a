// The ingest model check: what an ingest strategy's ledger predicts beside
// what the kernel saw on the measured side — socket -> user copies
// (skb:skb_copy_datagram_iovec), the log's pages entering the page cache
// (filemap:mm_filemap_add_to_page_cache), the bytes dirtied for storage
// (/proc/self/io) and the syscalls (raw_syscalls:sys_enter against the
// count at each call). Items pass or fail only on kernel evidence; the
// strategy's own tallies are "consistent" or "inconsistent" beside them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/core/conditions.hpp"
#include "harness/core/ledger.hpp"
#include "harness/core/strategy.hpp"
#include "harness/measure/model_check.hpp"

namespace zc {

// How many times the ledger copies each byte by CPU out of the socket
// buffer, and out of user memory into the page cache.
int socket_copies(const Ledger& l);
int user_to_page_cache_copies(const Ledger& l);

struct IngestEvidence {
  std::uint64_t size = 0, records = 0;
  const CallCounters* calls = nullptr;
  std::uint64_t syncs = 0;
  Maybe<std::uint64_t> traced_syscalls;      // raw_syscalls:sys_enter, the strategy's calls
  Maybe<std::uint64_t> socket_copy_bytes;    // skb_copy_datagram_iovec len, summed
  Maybe<std::uint64_t> page_cache_pages;     // mm_filemap_add_to_page_cache, pages
  Maybe<std::uint64_t> storage_write_bytes;  // /proc/self/io write_bytes
  // What write/pwrite-like calls returned (raw_syscalls:sys_exit).
  Maybe<std::uint64_t> kernel_from_user;
};

// One repetition's check: {"status", "items": {name: {...}}}.
// `fs`: the log's file system (tmpfs has no page-cache tracepoint and no storage).
nlohmann::json check_ingest_model(const Ledger& l, const Conditions& c, const IngestEvidence& e,
                                  const std::string& fs);

// For tests only (the mutation suite): called with each stream's ledger,
// conditions, evidence and file system just before its check. zc-bench
// never sets it; a test binary linking the harness does.
using IngestCheckObserver = void (*)(const Ledger&, const Conditions&, const IngestEvidence&,
                                     const std::string& fs);
void set_ingest_check_observer_for_tests(IngestCheckObserver observer);

// One line for the table and the run record.
std::string ingest_copy_verdict(const nlohmann::json& ledger, const nlohmann::json& check);

}  // namespace zc
