// The transfer workload's contract: a strategy moves `size` bytes of a
// source file to a sink in chunks, one step() at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "harness/core/strategy.hpp"

namespace zc {

inline constexpr std::string_view kTransferWorkload = "transfer";

// What the harness hands a transfer strategy for one repetition.
struct TransferContext {
  int source_fd = -1;  // O_RDONLY; strategies needing other flags reopen the path
  std::filesystem::path source_path;
  std::uint64_t size = 0;
  std::uint64_t chunk = 0;
  unsigned queue_depth = 8;
  int sink_fd = -1;
  SinkKind sink = SinkKind::tcp;
};

// One repetition's prepared state (buffers, mappings, rings). Created
// outside the timed region; step() is the timed work.
class TransferSession {
 public:
  virtual ~TransferSession() = default;
  // Moves the next chunk (or batch); returns the bytes moved, 0 once all
  // `size` bytes have gone.
  virtual std::uint64_t step(CallCounters& counters) = 0;
  // Called once after the last step, still timed: wait for outstanding
  // completions so that the data has really left.
  virtual void finish(CallCounters&) {}
};

class TransferStrategy : public Strategy {
 public:
  std::string_view workload() const final { return kTransferWorkload; }
  virtual std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const = 0;
};

}  // namespace zc
