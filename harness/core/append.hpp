// The append workload: records -> a log file. A strategy opens the log its
// own way and writes one record per call; the harness chooses the order
// (seq or a seeded permutation of slots), supplies the record bytes, times
// every record, applies the sync policy and verifies the log afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "harness/core/append_params.hpp"
#include "harness/core/strategy.hpp"

namespace zc {

inline constexpr std::string_view kAppendWorkload = "append";

// What the harness hands an append strategy for one repetition.
struct AppendContext {
  // Created by the harness before the timed region: empty for seq,
  // pre-allocated to `size` (fallocate) for random.
  std::filesystem::path log_path;
  std::uint64_t size = 0;     // final log size
  std::uint64_t record = 0;   // record size; the last record may be shorter
  std::uint64_t records = 0;  // ceil(size / record)
  AppendPattern pattern = AppendPattern::seq;
  bool dsync = false;  // open with O_DSYNC (--sync dsync)
};

// One repetition's open log. Created outside the timed region.
//
// The split of the sync policy: the harness decides WHEN to sync (every N
// records, every MS milliseconds: that needs a clock, and strategies never
// read clocks), the strategy decides HOW (fdatasync for a file written with
// write(), msync for a mapping), because only it knows what holds the dirty
// data, and its syscalls must be counted at the call site like any other.
class AppendSession {
 public:
  virtual ~AppendSession() = default;
  // Writes record `slot` (bytes [slot*record, slot*record+len) of the log).
  // With the seq pattern slots arrive in order 0, 1, 2, ...
  virtual void append(std::uint64_t slot, const char* data, std::size_t len,
                      CallCounters& counters) = 0;
  // Makes every record written so far durable on storage.
  virtual void sync(CallCounters& counters) = 0;
};

class AppendStrategy : public Strategy {
 public:
  std::string_view workload() const final { return kAppendWorkload; }
  // An append run writes a log file; there is no other sink.
  bool accepts_sink(SinkKind s) const final { return s == SinkKind::file; }
  virtual std::unique_ptr<AppendSession> prepare(const AppendContext& ctx) const = 0;
};

}  // namespace zc
