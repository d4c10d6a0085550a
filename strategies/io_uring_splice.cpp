// Transfers data through io_uring with IORING_OP_SPLICE: each batch of --qd
// chunks is one io_uring_enter that submits, as one linked chain, a splice
// of each chunk from the file into a pipe and from the pipe into the sink.
#include <algorithm>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/chunk_pipe.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/uring.hpp"

namespace zc {
namespace {

enum Kind : unsigned { kIn = 1, kOut = 2 };
// Fixed-file indices.
enum : int { kSource = 0, kPipeRead = 1, kPipeWrite = 2, kSink = 3 };
// A chunk larger than the pipe is spliced in pieces; a batch holds at most
// this many SQEs.
constexpr unsigned kMaxSqes = 4096;

class IoUringSpliceSession : public TransferSession {
 public:
  explicit IoUringSpliceSession(const TransferContext& ctx)
      : ctx_(ctx),
        pipe_(ctx.chunk),
        piece_(std::min<std::uint64_t>(pipe_.size, ctx.chunk)),
        pieces_per_chunk_(unsigned((ctx.chunk + piece_ - 1) / piece_)),
        chunks_per_batch_(
            std::clamp(kMaxSqes / (2 * pieces_per_chunk_), 1u, std::max(1u, ctx.queue_depth))),
        ring_(2 * pieces_per_chunk_ * chunks_per_batch_) {
    fixed_files_ = ring_.register_files(
        {ctx.source_fd, pipe_.read_end.get(), pipe_.write_end.get(), ctx.sink_fd});
  }

  // A batch runs on the first step; the steps after it hand out its chunks.
  std::uint64_t step(CallCounters& c) override {
    if (handed_ == batch_chunks_.size() && !run_batch(c)) return 0;
    return batch_chunks_[handed_++];
  }

  void finish(CallCounters& c) override {
    if (fixed_files_) ring_.unregister_files(c);
    c.evidence["pipe_size_requested_bytes"] = pipe_.requested;
    c.evidence["pipe_size_bytes"] = pipe_.size;
    c.evidence["io_uring_batches"] = batches_;
    c.evidence["io_uring_sqes"] = sqes_;
    c.evidence["io_uring_resubmitted_splices"] = resubmits_;
    c.evidence["io_uring_registered_files"] = fixed_files_ ? 1 : 0;
  }

 private:
  io_uring_sqe* prep_splice(Kind kind, std::uint64_t len, unsigned flags) {
    auto* sqe = ring_.sqe();
    int in = kind == kIn ? fd(kSource) : fd(kPipeRead);
    int out = kind == kIn ? fd(kPipeWrite) : fd(kSink);
    // The file is read at an explicit offset; the pipe and the sink use
    // none (-1: a file sink writes at its file position).
    std::int64_t off_in = kind == kIn ? std::int64_t(file_offset_) : -1;
    unsigned splice_flags = SPLICE_F_MOVE | (fixed_files_ ? SPLICE_F_FD_IN_FIXED : 0);
    io_uring_prep_splice(sqe, in, off_in, out, -1, unsigned(len), splice_flags);
    io_uring_sqe_set_flags(sqe, flags | (fixed_files_ ? IOSQE_FIXED_FILE : 0));
    io_uring_sqe_set_data64(sqe, UringTag{kind, 0, std::uint32_t(len)}.pack());
    if (kind == kIn) file_offset_ += len;
    ++sqes_;
    return sqe;
  }

  bool run_batch(CallCounters& c) {
    batch_chunks_.clear();
    handed_ = 0;
    auto start = offset_;
    for (unsigned i = 0; i < chunks_per_batch_; ++i) {
      auto len = next_chunk(offset_, ctx_.size, ctx_.chunk);
      if (len == 0) break;
      batch_chunks_.push_back(len);
      offset_ += len;
    }
    if (batch_chunks_.empty()) return false;
    // One chain: in, out, in, out... A short or failed splice breaks it and
    // the rest come back ECANCELED; repair() finishes from where it stopped.
    file_offset_ = start;
    unsigned n = 0;
    io_uring_sqe* last = nullptr;
    for (auto len : batch_chunks_)
      for (std::uint64_t done = 0; done < len; done += piece_) {
        auto piece = std::min(piece_, len - done);
        prep_splice(kIn, piece, IOSQE_IO_LINK);
        last = prep_splice(kOut, piece, IOSQE_IO_LINK);
        n += 2;
      }
    last->flags &= ~IOSQE_IO_LINK;  // the chain ends with the batch
    spliced_in_ = spliced_out_ = 0;
    for (unsigned pending = n; pending > 0;) {
      ring_.submit_and_wait(pending, c);
      pending -= reap();
    }
    repair(c, offset_ - start);
    ++batches_;
    return true;
  }

  unsigned reap() {
    unsigned seen = 0, head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.get(), head, cqe) {
      ++seen;
      if (cqe->res == -ECANCELED) continue;
      auto tag = UringTag::unpack(cqe->user_data);
      check_neg_errno(
          cqe->res, tag.kind == kIn ? "io_uring SPLICE file->pipe" : "io_uring SPLICE pipe->sink");
      (tag.kind == kIn ? spliced_in_ : spliced_out_) += std::uint64_t(cqe->res);
    }
    io_uring_cq_advance(ring_.get(), seen);
    return seen;
  }

  // The chain runs in order, so what moved is a prefix: drain what sits in
  // the pipe, then splice the rest one request at a time.
  void repair(CallCounters& c, std::uint64_t batch_bytes) {
    auto submit_one = [&](Kind kind, std::uint64_t len) {
      prep_splice(kind, len, 0);
      ++resubmits_;
      auto before = kind == kIn ? spliced_in_ : spliced_out_;
      ring_.submit_and_wait(1, c);
      reap();
      if ((kind == kIn ? spliced_in_ : spliced_out_) == before)
        throw std::runtime_error(kind == kIn ? "source file shrank during the run"
                                             : "io_uring SPLICE pipe->sink moved nothing");
    };
    file_offset_ -= batch_bytes - spliced_in_;  // rewind past the cancelled pieces
    while (spliced_out_ < batch_bytes) {
      if (spliced_out_ == spliced_in_) submit_one(kIn, std::min(piece_, batch_bytes - spliced_in_));
      submit_one(kOut, spliced_in_ - spliced_out_);
    }
  }

  int fd(int index) const {
    if (fixed_files_) return index;
    switch (index) {
      case kSource:
        return ctx_.source_fd;
      case kPipeRead:
        return pipe_.read_end.get();
      case kPipeWrite:
        return pipe_.write_end.get();
      default:
        return ctx_.sink_fd;
    }
  }

  TransferContext ctx_;
  ChunkPipe pipe_;
  std::uint64_t piece_;
  unsigned pieces_per_chunk_;
  unsigned chunks_per_batch_;
  Ring ring_;
  bool fixed_files_ = false;
  std::vector<std::uint64_t> batch_chunks_;
  std::size_t handed_ = 0;
  std::uint64_t offset_ = 0, file_offset_ = 0;
  std::uint64_t spliced_in_ = 0, spliced_out_ = 0;
  std::uint64_t batches_ = 0, sqes_ = 0, resubmits_ = 0;
};

class IoUringSplice : public TransferStrategy {
 public:
  std::string_view id() const override { return "io-uring-splice"; }
  bool uses_queue_depth() const override { return true; }
  std::string_view data_path() const override {
    return "io_uring: IORING_OP_SPLICE each chunk from the file into a pipe and from the pipe into "
           "the sink, linked, --qd chunks per io_uring_enter";
  }
  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .source_into_page_cache()
        .hop(Place::page_cache, Place::pipe_buffer, Mover::reference,
             "splice: pipe buffers take references to the cached pages")
        .sink_by_reference_from(Place::pipe_buffer)
        // A pipe sink smaller than a chunk takes a pipeful per write,
        // each awaited before the next is submitted.
        .done(c.sink == SinkKind::pipe && pipefuls_per_chunk(c.chunk) > 1
                  ? double(pipefuls_per_chunk(c.chunk))
                  : 1.0 / std::max(1u, c.queue_depth));
  }
  Support probe(const Conditions&) const override {
    return probe_uring_ops({{IORING_OP_SPLICE, "IORING_OP_SPLICE"}});
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<IoUringSpliceSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(IoUringSplice);

}  // namespace
}  // namespace zc
