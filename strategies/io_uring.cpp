// Transfers data through io_uring in batches of --qd chunks: one
// io_uring_enter submits one linked chain: READ_FIXED of each chunk into its
// registered buffer, then SEND of each buffer to a socket sink (WRITE_FIXED
// to a pipe, file or /dev/null), and waits for them all.
#include <sys/uio.h>

#include <algorithm>
#include <vector>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/chunk_pipe.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/uring.hpp"

namespace zc {
namespace {

enum Kind : unsigned { kRead = 1, kOutput = 2 };

struct Slot {
  std::uint64_t offset = 0;
  std::uint32_t len = 0;
  std::uint32_t sent = 0;
};

class IoUringSession : public TransferSession {
 public:
  explicit IoUringSession(const TransferContext& ctx)
      : ctx_(ctx),
        qd_(std::clamp(ctx.queue_depth, 1u, 4096u)),
        buffers_(map_buffer(std::size_t(qd_) * ctx.chunk)),
        ring_(2 * qd_),
        socket_(is_socket_sink(ctx.sink)) {
    if (ctx.chunk > UINT32_MAX) throw Unsupported("io_uring moves at most 4 GiB per request");
    std::vector<iovec> iov(qd_);
    for (unsigned i = 0; i < qd_; ++i) iov[i] = {buffer(i), ctx.chunk};
    ring_.register_buffers(iov);
    fixed_files_ = ring_.register_files({ctx.source_fd, ctx.sink_fd});
  }

  // A batch runs on the first step; the steps after it hand out its chunks
  // (so per-chunk latency shows the batching: the first chunk carries it).
  std::uint64_t step(CallCounters& c) override {
    if (next_ == slots_.size() && !run_batch(c)) return 0;
    return slots_[next_++].len;
  }

  void finish(CallCounters& c) override {
    if (fixed_files_) ring_.unregister_files(c);
    c.evidence["io_uring_batches"] = batches_;
    c.evidence["io_uring_sqes"] = sqes_;
    c.evidence["io_uring_resubmitted_outputs"] = resubmits_;
    c.evidence["io_uring_registered_files"] = fixed_files_ ? 1 : 0;
  }

 private:
  char* buffer(unsigned i) const { return buffers_.data() + std::size_t(i) * ctx_.chunk; }
  int file(unsigned index, int fd) const { return fixed_files_ ? int(index) : fd; }

  void prep_output(unsigned i, std::uint32_t from, unsigned flags) {
    auto* sqe = ring_.sqe();
    auto& s = slots_[i];
    char* data = buffer(i) + from;
    std::uint32_t len = s.len - from;
    if (socket_) {
      // MSG_WAITALL: the kernel retries a partial send itself.
      io_uring_prep_send(sqe, file(1, ctx_.sink_fd), data, len, MSG_WAITALL);
    } else {
      // Offset -1: the file position (a pipe or /dev/null has none).
      io_uring_prep_write_fixed(sqe, file(1, ctx_.sink_fd), data, len, std::uint64_t(-1), i);
      // A pipe write issued inline stops when the pipe is full; from an
      // io-wq worker it blocks until the whole buffer is in.
      if (ctx_.sink == SinkKind::pipe) flags |= IOSQE_ASYNC;
    }
    io_uring_sqe_set_flags(sqe, flags | (fixed_files_ ? IOSQE_FIXED_FILE : 0));
    io_uring_sqe_set_data64(sqe, UringTag{kOutput, i, len}.pack());
    ++sqes_;
  }

  bool run_batch(CallCounters& c) {
    slots_.clear();
    next_ = 0;
    for (unsigned i = 0; i < qd_; ++i) {
      auto len = next_chunk(offset_, ctx_.size, ctx_.chunk);
      if (len == 0) break;
      slots_.push_back({offset_, std::uint32_t(len), 0});
      offset_ += len;
    }
    if (slots_.empty()) return false;
    auto k = unsigned(slots_.size());
    for (unsigned i = 0; i < k; ++i) {
      auto* sqe = ring_.sqe();
      io_uring_prep_read_fixed(sqe, file(0, ctx_.source_fd), buffer(i), slots_[i].len,
                               slots_[i].offset, int(i));
      io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | (fixed_files_ ? IOSQE_FIXED_FILE : 0));
      io_uring_sqe_set_data64(sqe, UringTag{kRead, i, slots_[i].len}.pack());
      ++sqes_;
    }
    // One chain, reads then outputs: the outputs go in stream order after
    // every read, and a failed read cancels them instead of sending stale
    // buffers. (Reads from a hot cache complete inline either way.)
    for (unsigned i = 0; i < k; ++i) prep_output(i, 0, i + 1 < k ? IOSQE_IO_LINK : 0);
    for (unsigned pending = 2 * k; pending > 0;) {
      ring_.submit_and_wait(pending, c);
      pending -= reap(c);
    }
    repair(c);
    ++batches_;
    return true;
  }

  // Consumes every ready CQE; returns how many.
  unsigned reap(CallCounters& c) {
    unsigned seen = 0, head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.get(), head, cqe) {
      ++seen;
      auto tag = UringTag::unpack(cqe->user_data);
      auto& s = slots_.at(tag.index);
      if (tag.kind == kRead) {
        check_neg_errno(cqe->res, "io_uring READ_FIXED");
        if (std::uint32_t(cqe->res) != s.len)
          throw std::runtime_error("io_uring READ_FIXED came back short: source file shrank");
        c.bytes_to_user += std::uint64_t(cqe->res);  // the kernel copied page cache -> buffer
      } else if (cqe->res != -ECANCELED) {
        // A short output breaks the link; the rest come back ECANCELED.
        check_neg_errno(cqe->res, socket_ ? "io_uring SEND" : "io_uring WRITE_FIXED");
        s.sent += std::uint32_t(cqe->res);
        c.bytes_from_user += std::uint64_t(cqe->res);
      }
    }
    io_uring_cq_advance(ring_.get(), seen);
    return seen;
  }

  // Outputs that came back short or cancelled, finished one at a time in
  // stream order.
  void repair(CallCounters& c) {
    for (unsigned i = 0; i < slots_.size(); ++i)
      while (slots_[i].sent < slots_[i].len) {
        prep_output(i, slots_[i].sent, 0);
        ++resubmits_;
        ring_.submit_and_wait(1, c);
        if (reap(c) == 0) throw std::logic_error("io_uring_enter returned without a completion");
      }
  }

  TransferContext ctx_;
  unsigned qd_;
  Mapping buffers_;  // outlives the ring, which has it pinned
  Ring ring_;
  bool socket_;
  bool fixed_files_ = false;
  std::vector<Slot> slots_;
  std::size_t next_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t batches_ = 0, sqes_ = 0, resubmits_ = 0;
};

class IoUring : public TransferStrategy {
 public:
  std::string_view id() const override { return "io-uring"; }
  bool uses_queue_depth() const override { return true; }
  std::string_view data_path() const override {
    return "io_uring: READ_FIXED each chunk into a registered buffer, then SEND it (WRITE_FIXED to "
           "a pipe, file or /dev/null), --qd chunks per io_uring_enter";
  }
  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .source_into_page_cache()
        .hop(Place::page_cache, Place::user_buffer, Mover::cpu,
             "READ_FIXED into a registered buffer")
        .sink_copy_from(Place::user_buffer)
        // A pipe sink smaller than a chunk takes a pipeful per write,
        // each awaited before the next is submitted.
        .done(c.sink == SinkKind::pipe && pipefuls_per_chunk(c.chunk) > 1
                  ? double(pipefuls_per_chunk(c.chunk))
                  : 1.0 / std::max(1u, c.queue_depth));
  }
  Support probe(const Conditions& c) const override {
    if (is_socket_sink(c.sink))
      return probe_uring_ops(
          {{IORING_OP_READ_FIXED, "IORING_OP_READ_FIXED"}, {IORING_OP_SEND, "IORING_OP_SEND"}});
    return probe_uring_ops({{IORING_OP_READ_FIXED, "IORING_OP_READ_FIXED"},
                            {IORING_OP_WRITE_FIXED, "IORING_OP_WRITE_FIXED"}});
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<IoUringSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(IoUring);

}  // namespace
}  // namespace zc
