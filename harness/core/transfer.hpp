// The transfer workload's contract: a strategy moves `size` bytes of a
// source file to a sink in chunks, one step() at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "harness/core/strategy.hpp"

namespace zc {

class ExternalLauncher;  // core/external.hpp
class TlsCredentials;    // kit/tls.hpp

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
  // Starts external strategies' programs (core/external.hpp); set by the
  // harness, used by no native strategy.
  const ExternalLauncher* external = nullptr;
  // The repetition's deadline (now_ns() clock): bounds what a session
  // waits for outside its steps, such as an external program's start-up.
  std::uint64_t deadline_ns = 0;
  // TLS strategies (Strategy::uses_tls): the throwaway key and certificate
  // the receiver trusts, and the suite; null for every other strategy.
  const TlsCredentials* tls = nullptr;
  std::string tls_cipher;
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

  // Where the work runs when it is not the calling thread: an external
  // strategy's program, which the harness measures instead of itself (CPU,
  // syscalls, faults of every thread it has and creates). -1 for a
  // session whose steps do the work (every native strategy).
  virtual pid_t worker_pid() const { return -1; }
  // Untimed, once the harness has attached its meters to worker_pid():
  // the program starts, sets up and warms up, and this returns when it is
  // ready for the first step(). A worker's steps are timed as one: the
  // harness cannot see its calls one by one.
  virtual void start_worker() {}
};

class TransferStrategy : public Strategy {
 public:
  std::string_view workload() const final { return kTransferWorkload; }
  virtual std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const = 0;
};

}  // namespace zc
