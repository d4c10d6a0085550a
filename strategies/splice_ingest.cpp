// Ingests records by splice(2) from the socket into a pipe (the pipe takes
// references to the socket buffers' pages) and from the pipe into the log
// at the record's offset (the kernel copies the pages into the page
// cache): no user buffer, one CPU copy.
#include <fcntl.h>

#include <algorithm>

#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/kit/chunk_pipe.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

// A pipe holds a number of page-sized slots, and a socket buffer's pages
// need not line up with records: a record can take a slot more than its
// size says. 16 slots at least, so one splice takes a small record whole.
constexpr std::uint64_t kMinPipe = 64 << 10;

class SpliceIngestSession : public IngestSession {
 public:
  explicit SpliceIngestSession(const IngestContext& ctx)
      : ctx_(ctx),
        log_(check_unix(
            ::open(ctx.log_path.c_str(), O_WRONLY | O_CLOEXEC | (ctx.dsync ? O_DSYNC : 0)),
            "open log")),
        pipe_(std::max(ctx.record, kMinPipe)) {}

  void append(std::uint64_t offset, std::uint64_t len, CallCounters& c) override {
    loff_t out = loff_t(offset);
    const auto calls = c.syscalls;
    // A socket splice returns what has arrived; the pipe is drained after
    // each one, so the next never waits on a full pipe it should empty.
    for (std::uint64_t moved = 0; moved < len;) {
      auto in = check_unix(::splice(ctx_.socket_fd, nullptr, pipe_.write_end.get(), nullptr,
                                    std::min(len - moved, pipe_.size), SPLICE_F_MOVE),
                           "splice socket->pipe");
      ++c.syscalls;
      if (in == 0)
        throw std::runtime_error("the peer ended its stream " + std::to_string(len - moved) +
                                 " bytes early");
      for (auto left = std::uint64_t(in); left > 0;) {
        auto n = check_unix(
            ::splice(pipe_.read_end.get(), nullptr, log_.get(), &out, left, SPLICE_F_MOVE),
            "splice pipe->log");
        ++c.syscalls;
        if (n == 0) throw std::runtime_error("splice pipe->log moved nothing");
        left -= std::uint64_t(n);
      }
      moved += std::uint64_t(in);
    }
    // The ledger's two calls per record, when the record came in one piece.
    if (c.syscalls - calls > 2) c.evidence["short_receive_calls"] += c.syscalls - calls - 2;
  }

  void sync(CallCounters& c) override {
    check_unix(::fdatasync(log_.get()), "fdatasync");
    ++c.syscalls;
  }

  void finish(CallCounters& c) override {
    c.evidence["pipe_size_requested_bytes"] = pipe_.requested;
    c.evidence["pipe_size_bytes"] = pipe_.size;
  }

 private:
  IngestContext ctx_;
  UniqueFd log_;
  ChunkPipe pipe_;
};

class SpliceIngest : public IngestStrategy {
 public:
  std::string_view id() const override { return "splice-ingest"; }
  std::string_view data_path() const override {
    return "splice() each record from the socket into a pipe, then from the pipe into the log "
           "at its offset: no user buffer";
  }
  Ledger ledger(const Conditions& c) const override {
    LedgerBuilder b(c);
    ingest_arrival(b, c)
        .hop(Place::socket_buffer, Place::pipe_buffer, Mover::reference,
             c.sink == SinkKind::unix_stream
                 ? "splice: pipe buffers take the skbs' page frags (AF_UNIX copies each skb's "
                   "small linear head into a page)"
                 : "splice: pipe buffers take references to the skbs' pages")
        .hop(Place::pipe_buffer, Place::sink_page_cache, Mover::cpu,
             "splice into a file: the kernel copies the pipe's pages into the log's page cache");
    return ingest_writeback(b, c).done(2 + c.append.sync.syncs_per_record());
  }
  std::unique_ptr<IngestSession> prepare(const IngestContext& ctx) const override {
    return std::make_unique<SpliceIngestSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(SpliceIngest);

}  // namespace
}  // namespace zc
