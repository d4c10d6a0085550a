// io_uring plumbing shared by the io-uring strategies: an owned ring, opcode
// probing, and the one call through which they enter the kernel, so that
// every io_uring_enter is counted as a syscall.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "harness/core/strategy.hpp"

namespace zc {

struct UringOp {
  int opcode;
  const char* name;  // "IORING_OP_SEND_ZC", for the reason line
};

// Supported when io_uring can be set up and this kernel knows every opcode
// in `ops` (io_uring_get_probe: features, not kernel versions); otherwise
// the first missing piece.
Support probe_uring_ops(std::initializer_list<UringOp> ops);

// An io_uring owned for one repetition.
class Ring {
 public:
  // `entries` SQEs; `cq_entries` CQEs (0: the kernel's default, twice `entries`).
  explicit Ring(unsigned entries, unsigned cq_entries = 0);
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  io_uring* get() { return &ring_; }
  // The next free SQE; the callers size their batches to the ring, so a
  // full submission queue is a bug and throws.
  io_uring_sqe* sqe();
  // Submits everything queued and waits until `wait_nr` (>= 1) CQEs are
  // ready: exactly one io_uring_enter (liburing enters once per call when
  // it has to wait and SQPOLL is off), counted in `c`. Callers consume
  // every CQE before calling again, so "ready" means "new".
  void submit_and_wait(unsigned wait_nr, CallCounters& c);
  // Pins `iov` as fixed buffers (READ_FIXED, WRITE_FIXED, SEND_ZC fixed).
  // Throws Unsupported when the kernel refuses (RLIMIT_MEMLOCK).
  void register_buffers(const std::vector<iovec>& iov);
  // Registers `fds` as fixed files; false (and plain fds) if refused.
  bool register_files(const std::vector<int>& fds);
  // Drops the ring's references to registered files (one io_uring_register,
  // counted): the sink must see its writer close at the end of the stream
  // (a pipe's reader gets EOF only when every reference is gone).
  void unregister_files(CallCounters& c);

 private:
  io_uring ring_{};
};

// user_data layout shared by the strategies: an operation kind, the
// registered buffer (or slot) it used, and its length, so that a CQE (and a
// SEND_ZC notification, which repeats its request's user_data) says what
// it completed without a lookup table.
struct UringTag {
  unsigned kind = 0;   // strategy-defined, < 256
  unsigned index = 0;  // < 65536
  std::uint32_t len = 0;
  std::uint64_t pack() const {
    return (std::uint64_t(kind) << 56) | (std::uint64_t(len) << 16) | std::uint64_t(index & 0xffff);
  }
  static UringTag unpack(std::uint64_t v) {
    return {unsigned(v >> 56), unsigned(v & 0xffff), std::uint32_t(v >> 16)};
  }
};

}  // namespace zc
