// Transfers data by splice(2) of each chunk from the file into a pipe (the
// pipe takes references to the page-cache pages) and from the pipe into the
// sink, so no byte passes through user space.
#include <fcntl.h>

#include <algorithm>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/chunk_pipe.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

class SpliceSession : public TransferSession {
 public:
  explicit SpliceSession(const TransferContext& ctx) : ctx_(ctx), pipe_(ctx.chunk) {}

  std::uint64_t step(CallCounters& c) override {
    auto want = next_chunk(std::uint64_t(offset_), ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    // The pipe may hold less than a chunk (its size was refused, or an
    // unaligned offset needs one page more): fill and drain it in turns.
    for (std::uint64_t moved = 0; moved < want;) {
      auto in = check_unix(::splice(ctx_.source_fd, &offset_, pipe_.write_end.get(), nullptr,
                                    std::min(want - moved, pipe_.size), SPLICE_F_MOVE),
                           "splice file->pipe");
      ++c.syscalls;
      if (in == 0) throw std::runtime_error("source file shrank during the run");
      // More follows unless this is the file's last byte: lets TCP fill
      // whole segments instead of pushing one per call.
      unsigned more = std::uint64_t(offset_) < ctx_.size ? SPLICE_F_MORE : 0;
      for (auto left = std::uint64_t(in); left > 0;) {
        auto out = check_unix(::splice(pipe_.read_end.get(), nullptr, ctx_.sink_fd, nullptr, left,
                                       SPLICE_F_MOVE | more),
                              "splice pipe->sink");
        ++c.syscalls;
        if (out == 0) throw std::runtime_error("splice pipe->sink moved nothing");
        left -= std::uint64_t(out);
      }
      moved += std::uint64_t(in);
    }
    return want;
  }

  void finish(CallCounters& c) override {
    c.evidence["pipe_size_requested_bytes"] = pipe_.requested;
    c.evidence["pipe_size_bytes"] = pipe_.size;
  }

 private:
  TransferContext ctx_;
  ChunkPipe pipe_;
  loff_t offset_ = 0;
};

class Splice : public TransferStrategy {
 public:
  std::string_view id() const override { return "splice"; }
  std::string_view data_path() const override {
    return "splice() each chunk from the file into a pipe, then from the pipe into the sink "
           "(a pipe sink too: pipe-to-pipe splice moves the buffers)";
  }
  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .source_into_page_cache()
        .hop(Place::page_cache, Place::pipe_buffer, Mover::reference,
             "splice: pipe buffers take references to the cached pages")
        .sink_by_reference_from(Place::pipe_buffer)
        // Each splice moves at most a pipeful (the strategy's pipe, a pipe sink).
        .done(2.0 * double(pipefuls_per_chunk(c.chunk)));
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<SpliceSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(Splice);

}  // namespace
}  // namespace zc
