// Ingests records through io_uring, --qd records per io_uring_enter: one
// linked chain of RECV (MSG_WAITALL) of each record into a registered buffer
// and WRITE_FIXED of that buffer to the record's offset in the log. The
// copies are recv-write's two; the calls are batched. (io_uring has no
// socket -> file path without a copy or a pipe besides SPLICE, which
// splice-ingest measures.)
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/uring.hpp"

namespace zc {
namespace {

enum Kind : unsigned { kRecv = 1, kWrite = 2 };

class IoUringIngestSession : public IngestSession {
 public:
  explicit IoUringIngestSession(const IngestContext& ctx)
      : ctx_(ctx),
        qd_(std::clamp(ctx.queue_depth, 1u, 4096u)),
        log_(check_unix(
            ::open(ctx.log_path.c_str(), O_WRONLY | O_CLOEXEC | (ctx.dsync ? O_DSYNC : 0)),
            "open log")),
        buffers_(map_buffer(std::size_t(qd_) * ctx.record)),
        ring_(2 * qd_) {
    if (ctx.record > UINT32_MAX) throw Unsupported("io_uring moves at most 4 GiB per request");
    std::vector<iovec> iov(qd_);
    for (unsigned i = 0; i < qd_; ++i) iov[i] = {buffer(i), ctx.record};
    ring_.register_buffers(iov);
    fixed_files_ = ring_.register_files({ctx.socket_fd, log_.get()});
  }

  // One chain for the batch: RECV 0, WRITE 0, RECV 1, WRITE 1, ... Records
  // must leave the socket in order, so the receives cannot run side by
  // side; the chain orders them and still takes one io_uring_enter.
  void append(std::uint64_t offset, std::uint64_t len, CallCounters& c) override {
    const auto k = unsigned((len + ctx_.record - 1) / ctx_.record);
    if (k > qd_) throw std::logic_error("io-uring-ingest: batch larger than the queue depth");
    lens_.assign(k, 0);
    for (unsigned i = 0; i < k; ++i) {
      auto n = std::min<std::uint64_t>(ctx_.record, len - std::uint64_t(i) * ctx_.record);
      lens_[i] = std::uint32_t(n);
      auto* recv = ring_.sqe();
      io_uring_prep_recv(recv, file(0, ctx_.socket_fd), buffer(i), n, MSG_WAITALL);
      io_uring_sqe_set_flags(recv, IOSQE_IO_LINK | fixed());
      io_uring_sqe_set_data64(recv, UringTag{kRecv, i, std::uint32_t(n)}.pack());
      auto* write = ring_.sqe();
      io_uring_prep_write_fixed(write, file(1, log_.get()), buffer(i), unsigned(n),
                                offset + std::uint64_t(i) * ctx_.record, int(i));
      io_uring_sqe_set_flags(write, (i + 1 < k ? IOSQE_IO_LINK : 0) | fixed());
      io_uring_sqe_set_data64(write, UringTag{kWrite, i, std::uint32_t(n)}.pack());
      sqes_ += 2;
    }
    for (unsigned pending = 2 * k; pending > 0;) {
      ring_.submit_and_wait(pending, c);
      pending -= reap(c);
    }
    if (!failure_.empty()) throw std::runtime_error(failure_);
    ++batches_;
  }

  void sync(CallCounters& c) override {
    check_unix(::fdatasync(log_.get()), "fdatasync");
    ++c.syscalls;
  }

  void finish(CallCounters& c) override {
    if (fixed_files_) ring_.unregister_files(c);
    c.evidence["io_uring_batches"] = batches_;
    c.evidence["io_uring_sqes"] = sqes_;
    c.evidence["io_uring_registered_files"] = fixed_files_ ? 1 : 0;
  }

 private:
  char* buffer(unsigned i) const { return buffers_.data() + std::size_t(i) * ctx_.record; }
  int file(unsigned index, int fd) const { return fixed_files_ ? int(index) : fd; }
  unsigned fixed() const { return fixed_files_ ? IOSQE_FIXED_FILE : 0; }

  // Consumes every ready CQE; returns how many. A short receive (the
  // stream ended) or write (no room) breaks the chain: the rest come back
  // ECANCELED, and the first failure is what the batch reports.
  unsigned reap(CallCounters& c) {
    unsigned seen = 0, head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.get(), head, cqe) {
      ++seen;
      auto tag = UringTag::unpack(cqe->user_data);
      const char* what = tag.kind == kRecv ? "io_uring RECV" : "io_uring WRITE_FIXED";
      if (cqe->res == -ECANCELED) continue;
      if (cqe->res < 0) {
        if (failure_.empty())
          failure_ = std::string(what) + ": " +
                     std::system_error(-cqe->res, std::generic_category()).what();
        continue;
      }
      auto n = std::uint64_t(cqe->res);
      if (tag.kind == kRecv)
        c.bytes_to_user += n;
      else
        c.bytes_from_user += n;
      if (n != lens_.at(tag.index) && failure_.empty())
        failure_ = tag.kind == kRecv
                       ? "the peer ended its stream early (io_uring RECV got " + std::to_string(n) +
                             " of " + std::to_string(lens_[tag.index]) + " bytes)"
                       : "io_uring WRITE_FIXED came back short (file system full?)";
    }
    io_uring_cq_advance(ring_.get(), seen);
    return seen;
  }

  IngestContext ctx_;
  unsigned qd_;
  UniqueFd log_;
  Mapping buffers_;  // outlives the ring, which has it pinned
  Ring ring_;
  bool fixed_files_ = false;
  std::vector<std::uint32_t> lens_;
  std::string failure_;
  std::uint64_t batches_ = 0, sqes_ = 0;
};

class IoUringIngest : public IngestStrategy {
 public:
  std::string_view id() const override { return "io-uring-ingest"; }
  bool uses_queue_depth() const override { return true; }
  std::string_view data_path() const override {
    return "io_uring: RECV each record into a registered buffer, linked to WRITE_FIXED of it to "
           "the log, --qd records per io_uring_enter";
  }
  unsigned records_per_call(const Conditions& c) const override {
    return std::clamp(c.queue_depth, 1u, 4096u);
  }
  Ledger ledger(const Conditions& c) const override {
    LedgerBuilder b(c);
    ingest_arrival(b, c)
        .hop(Place::socket_buffer, Place::user_buffer, Mover::cpu,
             "IORING_OP_RECV into a registered buffer")
        .hop(Place::user_buffer, Place::sink_page_cache, Mover::cpu, "IORING_OP_WRITE_FIXED");
    return ingest_writeback(b, c).done(1.0 / double(records_per_call(c)) +
                                       c.append.sync.syncs_per_record());
  }
  Support probe(const Conditions&) const override {
    return probe_uring_ops(
        {{IORING_OP_RECV, "IORING_OP_RECV"}, {IORING_OP_WRITE_FIXED, "IORING_OP_WRITE_FIXED"}});
  }
  std::unique_ptr<IngestSession> prepare(const IngestContext& ctx) const override {
    return std::make_unique<IoUringIngestSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(IoUringIngest);

}  // namespace
}  // namespace zc
