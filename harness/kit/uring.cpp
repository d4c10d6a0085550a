#include "harness/kit/uring.hpp"

#include <stdexcept>
#include <string>

#include "harness/base/errors.hpp"
#include "harness/kit/probes.hpp"

namespace zc {

Support probe_uring_ops(std::initializer_list<UringOp> ops) {
  if (auto s = probe_io_uring(); !s) return s;
  io_uring_probe* p = io_uring_get_probe();
  if (p == nullptr)
    return Support::no(
        "io_uring_register(IORING_REGISTER_PROBE) refused: cannot ask the kernel "
        "which io_uring opcodes it supports");
  Support out = Support::yes();
  for (const auto& op : ops)
    if (!io_uring_opcode_supported(p, op.opcode)) {
      out = Support::no(std::string("this kernel's io_uring lacks ") + op.name);
      break;
    }
  io_uring_free_probe(p);
  return out;
}

Ring::Ring(unsigned entries, unsigned cq_entries) {
  io_uring_params params{};
  if (cq_entries > 0) {
    params.flags |= IORING_SETUP_CQSIZE;
    params.cq_entries = cq_entries;
  }
  int ret = io_uring_queue_init_params(entries, &ring_, &params);
  if (ret < 0) throw Unsupported("io_uring_setup refused: " + errno_text(-ret));
}

Ring::~Ring() { io_uring_queue_exit(&ring_); }

io_uring_sqe* Ring::sqe() {
  auto* s = io_uring_get_sqe(&ring_);
  if (s == nullptr)
    throw std::logic_error("io_uring submission queue full: batch larger than ring");
  return s;
}

void Ring::submit_and_wait(unsigned wait_nr, CallCounters& c) {
  int ret = io_uring_submit_and_wait(&ring_, wait_nr);
  ++c.syscalls;
  check_neg_errno(ret, "io_uring_enter");
}

void Ring::register_buffers(const std::vector<iovec>& iov) {
  int ret = io_uring_register_buffers(&ring_, iov.data(), unsigned(iov.size()));
  if (ret < 0)
    throw Unsupported("io_uring_register_buffers refused: " + errno_text(-ret) +
                      (ret == -ENOMEM ? " (RLIMIT_MEMLOCK too low for the pinned buffers?)" : ""));
}

bool Ring::register_files(const std::vector<int>& fds) {
  return io_uring_register_files(&ring_, fds.data(), unsigned(fds.size())) == 0;
}

void Ring::unregister_files(CallCounters& c) {
  ++c.syscalls;
  ++c.bookkeeping_syscalls;  // once per run, not per chunk
  check_neg_errno(io_uring_unregister_files(&ring_), "io_uring_unregister_files");
}

}  // namespace zc
