// Transfers data through io_uring with IORING_OP_SEND_ZC: each batch of
// --qd chunks is one io_uring_enter that reads them with READ_FIXED into
// registered buffers and sends each buffer by reference (the socket pins
// its pages); a buffer is reused only after its notification CQE says the
// kernel let go of it, and whether the kernel had to copy after all.
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <vector>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/uring.hpp"

// liburing 2.3 ships uapi headers older than the kernel feature (Linux 6.2).
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

namespace zc {
namespace {

enum Kind : unsigned { kRead = 1, kSend = 2 };

// -errno (or the byte count) of a one-byte SEND_ZC with `zc_flags` on an
// AF_UNIX pair: -EINVAL when the kernel does not know a flag, -EOPNOTSUPP
// when it knows them and the socket cannot send zero-copy.
int trial_send_zc(unsigned zc_flags) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
  UniqueFd a(sv[0]), b(sv[1]);
  Ring ring(2);
  static const char byte = 0;  // static: a notification may outlive this call
  io_uring_prep_send_zc(ring.sqe(), a.get(), &byte, 1, 0, zc_flags);
  CallCounters ignored;
  ring.submit_and_wait(1, ignored);
  io_uring_cqe* cqe = nullptr;
  if (io_uring_peek_cqe(ring.get(), &cqe) != 0) return -EIO;
  return cqe->res;
}

// Each buffer's state: a send completion with IORING_CQE_F_MORE promises a
// notification; until it arrives the pages are the kernel's.
struct Buffer {
  std::uint64_t offset = 0;
  std::uint32_t len = 0;
  std::uint32_t sent = 0;
  unsigned notifications_due = 0;
};

class SendZcSession : public TransferSession {
 public:
  explicit SendZcSession(const TransferContext& ctx)
      : ctx_(ctx),
        qd_(std::clamp(ctx.queue_depth, 1u, 2048u)),
        buffers_(map_buffer(2 * std::size_t(qd_) * ctx.chunk)),
        // Up to 2 qd SQEs a batch; CQEs: a read, a completion and a
        // notification per chunk, for this batch and the one before.
        ring_(2 * qd_, 8 * qd_),
        state_(2 * qd_) {
    if (ctx.chunk > UINT32_MAX) throw Unsupported("io_uring moves at most 4 GiB per request");
    // Two sets of qd buffers: a batch fills one set while the previous
    // batch's notifications may still hold the other.
    std::vector<iovec> iov(2 * qd_);
    for (unsigned i = 0; i < 2 * qd_; ++i) iov[i] = {buffer(i), ctx.chunk};
    ring_.register_buffers(iov);
    fixed_files_ = ring_.register_files({ctx.source_fd, ctx.sink_fd});
    report_usage_ = trial_send_zc(IORING_SEND_ZC_REPORT_USAGE) != -EINVAL;
  }

  // The completions' evidence, in the shape MSG_ZEROCOPY fills too.
  static void mark(ZeroCopyCompletions& zc, bool report_usage) {
    zc.requested = true;
    zc.copy_reported = report_usage;  // otherwise the kernel says nothing about copies
    zc.copied_flag = "IORING_NOTIF_USAGE_ZC_COPIED";
  }

  std::uint64_t step(CallCounters& c) override {
    if (!zc_) mark(*(zc_ = &c.zerocopy), report_usage_);
    if (next_ == batch_.size() && !run_batch(c)) return 0;
    return state_[batch_[next_++]].len;
  }

  // The data has left only when every notification is in.
  void finish(CallCounters& c) override {
    while (notifications_due_ > 0) wait_for_notification(c);
    if (fixed_files_) ring_.unregister_files(c);
    // The results have carried these keys since schema zc-bench/1 began;
    // the harness reads the typed completions (c.zerocopy), not these.
    const auto& zc = c.zerocopy;
    c.evidence["send_zc_requests"] = zc.sends;
    c.evidence["send_zc_completions"] = completions_;
    c.evidence["send_zc_notifications"] = zc.notifications;
    c.evidence["send_zc_bytes"] = bytes_sent_;
    if (report_usage_) {
      c.evidence["send_zc_copied"] = zc.copied_sends;
      c.evidence["send_zc_copied_bytes"] = zc.bytes_copied;
      c.evidence["send_zc_zerocopy_bytes"] = zc.bytes_not_copied;
    }
    c.evidence["io_uring_batches"] = batches_;
    c.evidence["io_uring_resubmitted_sends"] = resubmits_;
    c.evidence["io_uring_registered_files"] = fixed_files_ ? 1 : 0;
  }

 private:
  char* buffer(unsigned i) const { return buffers_.data() + std::size_t(i) * ctx_.chunk; }
  int file(int index, int fd) const { return fixed_files_ ? index : fd; }

  void prep_send(unsigned i, unsigned flags) {
    auto& b = state_[i];
    auto len = b.len - b.sent;
    auto* sqe = ring_.sqe();
    io_uring_prep_send_zc_fixed(sqe, file(1, ctx_.sink_fd), buffer(i) + b.sent, len, MSG_WAITALL,
                                report_usage_ ? IORING_SEND_ZC_REPORT_USAGE : 0, i);
    io_uring_sqe_set_flags(sqe, flags | (fixed_files_ ? IOSQE_FIXED_FILE : 0));
    io_uring_sqe_set_data64(sqe, UringTag{kSend, i, len}.pack());
    ++zc_->sends;
  }

  bool run_batch(CallCounters& c) {
    unsigned set = unsigned(batches_ % 2) * qd_;
    // This set's pages may still be pinned by the batch before last.
    while (std::any_of(state_.begin() + set, state_.begin() + set + qd_,
                       [](auto& b) { return b.notifications_due > 0; }))
      wait_for_notification(c);
    batch_.clear();
    next_ = 0;
    for (unsigned i = set; i < set + qd_; ++i) {
      auto len = next_chunk(offset_, ctx_.size, ctx_.chunk);
      if (len == 0) break;
      state_[i] = {offset_, std::uint32_t(len), 0, 0};
      batch_.push_back(i);
      offset_ += len;
    }
    if (batch_.empty()) return false;
    // One chain, reads then sends: the sends go out in stream order after
    // every read, and a failed read cancels them. (IOSQE_IO_DRAIN would let
    // the reads run in parallel, but a drained SEND_ZC never started here:
    // notification CQEs upset the drain's completion count.)
    for (auto i : batch_) {
      auto* sqe = ring_.sqe();
      io_uring_prep_read_fixed(sqe, file(0, ctx_.source_fd), buffer(i), state_[i].len,
                               state_[i].offset, int(i));
      io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | (fixed_files_ ? IOSQE_FIXED_FILE : 0));
      io_uring_sqe_set_data64(sqe, UringTag{kRead, i, state_[i].len}.pack());
    }
    for (std::size_t k = 0; k < batch_.size(); ++k)
      prep_send(batch_[k], k + 1 < batch_.size() ? IOSQE_IO_LINK : 0);
    reads_due_ = sends_due_ = unsigned(batch_.size());
    // One io_uring_enter submits the batch and waits for it; notification
    // CQEs count towards its wait, so it may return early: waiting again is
    // completion collection, not the data path (CallCounters).
    for (bool first = true; reads_due_ + sends_due_ > 0; first = false) {
      if (!first) ++c.bookkeeping_syscalls;
      wait(reads_due_ + sends_due_, c);
    }
    // Sends that came back short or cancelled, finished in stream order.
    for (auto i : batch_)
      while (state_[i].sent < state_[i].len) {
        prep_send(i, 0);
        ++resubmits_;
        sends_due_ = 1;
        while (sends_due_ > 0) wait(1, c);
      }
    ++batches_;
    return true;
  }

  void wait_for_notification(CallCounters& c) {
    ++c.bookkeeping_syscalls;
    wait(1, c);
  }

  void wait(unsigned n, CallCounters& c) {
    ring_.submit_and_wait(n, c);
    unsigned seen = 0, head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.get(), head, cqe) {
      ++seen;
      on_cqe(*cqe, c);
    }
    io_uring_cq_advance(ring_.get(), seen);
  }

  void on_cqe(const io_uring_cqe& cqe, CallCounters& c) {
    auto tag = UringTag::unpack(cqe.user_data);
    auto& b = state_.at(tag.index);
    if (cqe.flags & IORING_CQE_F_NOTIF) {
      // Zero-copy notifications are apart from completions: they say when
      // the pages are free, and (if asked) whether the kernel copied.
      // The notification covers the request's bytes (tag.len): what the
      // send completion said it took.
      ++zc_->notifications;
      --b.notifications_due;
      --notifications_due_;
      zc_->complete(tag.len, std::uint32_t(cqe.res) & IORING_NOTIF_USAGE_ZC_COPIED);
      return;
    }
    if (tag.kind == kRead) {
      --reads_due_;
      check_neg_errno(cqe.res, "io_uring READ_FIXED");
      if (std::uint32_t(cqe.res) != b.len)
        throw std::runtime_error("io_uring READ_FIXED came back short: source file shrank");
      c.bytes_to_user += std::uint64_t(cqe.res);  // the kernel copied page cache -> buffer
      return;
    }
    --sends_due_;
    ++completions_;
    if (cqe.flags & IORING_CQE_F_MORE) {
      ++b.notifications_due;
      ++notifications_due_;
    }
    if (cqe.res == -ECANCELED) return;  // a short send before it broke the link
    if (cqe.res == -EOPNOTSUPP)
      throw Unsupported("the kernel refuses IORING_OP_SEND_ZC on the " +
                        std::string(to_string(ctx_.sink)) + " sink's socket (EOPNOTSUPP)");
    check_neg_errno(cqe.res, "io_uring SEND_ZC");
    // Sent by reference: nothing copied out of user memory at send time.
    b.sent += std::uint32_t(cqe.res);
    bytes_sent_ += std::uint64_t(cqe.res);
  }

  TransferContext ctx_;
  unsigned qd_;
  Mapping buffers_;  // outlives the ring, which has it pinned
  Ring ring_;
  std::vector<Buffer> state_;
  bool fixed_files_ = false;
  bool report_usage_ = false;
  std::vector<unsigned> batch_;
  std::size_t next_ = 0;
  std::uint64_t offset_ = 0;
  unsigned reads_due_ = 0, sends_due_ = 0;
  std::uint64_t notifications_due_ = 0;
  std::uint64_t completions_ = 0, bytes_sent_ = 0;
  ZeroCopyCompletions* zc_ = nullptr;  // the repetition's counters (set by step)
  std::uint64_t batches_ = 0, resubmits_ = 0;
};

class IoUringSendZc : public TransferStrategy {
 public:
  std::string_view id() const override { return "io-uring-send-zc"; }
  bool uses_queue_depth() const override { return true; }
  std::string_view data_path() const override {
    return "io_uring: READ_FIXED each chunk into a registered buffer, then SEND_ZC it by "
           "reference, "
           "--qd chunks per io_uring_enter; notification CQEs free the buffers";
  }
  // Zero-copy send is a socket feature; AF_UNIX lacks it (probe says so).
  bool accepts_sink(SinkKind s) const override { return is_socket_sink(s); }

  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .source_into_page_cache()
        .hop(Place::page_cache, Place::user_buffer, Mover::cpu,
             "READ_FIXED into a registered buffer")
        .zero_copy_send_from(Place::user_buffer, "SEND_ZC", "IORING_NOTIF_USAGE_ZC_COPIED")
        .done(1.0 / std::max(1u, c.queue_depth));
  }

  Support probe(const Conditions& c) const override {
    auto s = probe_uring_ops(
        {{IORING_OP_READ_FIXED, "IORING_OP_READ_FIXED"}, {IORING_OP_SEND_ZC, "IORING_OP_SEND_ZC"}});
    if (!s) return s;
    if (c.sink == SinkKind::unix_stream) {
      // Measured, not assumed: ask an AF_UNIX socket.
      if (int res = trial_send_zc(0); res < 0)
        return Support::no("the kernel refuses IORING_OP_SEND_ZC on AF_UNIX sockets: " +
                           errno_text(-res));
    }
    return Support::yes();
  }

  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<SendZcSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(IoUringSendZc);

}  // namespace
}  // namespace zc
