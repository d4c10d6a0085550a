// The strategy interface. A strategy declares what it is (id, data path,
// ledger), probes what it needs, and makes syscalls; it never reads a clock
// or prints. Timing, counting and error hints live in the harness.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/conditions.hpp"
#include "harness/core/ledger.hpp"

namespace zc {

// What the kernel said about zero-copy sends, in one shape for every
// strategy that asks for them (MSG_ZEROCOPY's error queue, io_uring's
// SEND_ZC notifications), so the harness reads fields, not names.
struct ZeroCopyCompletions {
  bool requested = false;           // the strategy asked for zero-copy sends
  std::uint64_t sends = 0;          // requests that asked for zero copy
  std::uint64_t notifications = 0;  // completion notifications read (the kernel may merge them)
  std::uint64_t bytes_covered = 0;  // bytes of sends whose completion arrived
  // Whether the completions carry the kernel's copied/not-copied flag, and
  // which flag: io_uring says so only when asked (IORING_SEND_ZC_REPORT_USAGE).
  bool copy_reported = false;
  const char* copied_flag = "";    // "SO_EE_CODE_ZEROCOPY_COPIED" | "IORING_NOTIF_USAGE_ZC_COPIED"
  std::uint64_t copied_sends = 0;  // of sends, those the kernel marked copied
  std::uint64_t bytes_copied = 0;  // their bytes
  std::uint64_t bytes_not_copied = 0;  // bytes completed without the mark

  // Adds one completed send (or a range's share of one).
  void complete(std::uint64_t bytes, bool copied) {
    bytes_covered += bytes;
    (copied ? bytes_copied : bytes_not_copied) += bytes;
    if (copied) ++copied_sends;
  }
};

// What a strategy counts at its call sites. The harness turns these into
// measured figures; strategies only add.
struct CallCounters {
  std::uint64_t syscalls = 0;
  // Of `syscalls`, those that are not the per-chunk data path: collecting
  // zero-copy completions (MSG_ZEROCOPY's error queue and the poll for it;
  // io_uring waits for SEND_ZC notifications, and re-waits when they filled
  // a batch's wait) and once-per-run teardown (io_uring file unregister).
  // How many depends on timing or on the run, not on the chunks,
  // so ledgers leave them out and the model check compares the rest.
  std::uint64_t bookkeeping_syscalls = 0;
  // Bytes the kernel copied into the sender's memory (read, recv).
  std::uint64_t bytes_to_user = 0;
  // Bytes the sender handed to write/send from its own memory (including a
  // mapping of the file); the harness knows which sinks copy them.
  std::uint64_t bytes_from_user = 0;
  // Zero-copy sends and what their completions said (see above).
  ZeroCopyCompletions zerocopy;
  // Other strategy-specific evidence, recorded as it is ("io_uring_batches").
  // Look a key up once outside the hot loop and keep the reference
  // (std::map is stable). The harness reads none of it by name.
  std::map<std::string, std::uint64_t> evidence;
};

// "Supported" or the one-line reason why not.
struct Support {
  std::optional<std::string> missing;
  static Support yes() { return {}; }
  static Support no(std::string why) { return {std::move(why)}; }
  explicit operator bool() const { return !missing; }
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string_view id() const = 0;
  // One sentence: how the bytes move.
  virtual std::string_view data_path() const = 0;
  // The workload the strategy serves ("transfer", "append", ...): set by
  // the workload's contract class (core/transfer.hpp, core/append.hpp).
  virtual std::string_view workload() const = 0;
  virtual Ledger ledger(const Conditions& c) const = 0;
  // Whether the strategy can use this sink at all; asking for a sink it
  // cannot use is a usage error, not an unsupported run.
  virtual bool accepts_sink(SinkKind) const { return true; }
  // Whether it reads Conditions::queue_depth (--qd): io_uring strategies
  // batch that many requests; --qd with none of them is refused.
  virtual bool uses_queue_depth() const { return false; }
  // Features, privileges and file-system support, probed on this machine.
  virtual Support probe(const Conditions&) const { return Support::yes(); }
  // Whether the strategy speaks TLS on its sink: the harness then makes a
  // throwaway key and certificate, and its receiver decrypts (kit/tls.hpp).
  virtual bool uses_tls() const { return false; }
};

}  // namespace zc
