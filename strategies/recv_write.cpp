// Ingests records by recv() of each into a user buffer, then pwrite() of
// that buffer to its place in the log: the classic broker path, with two
// CPU copies (socket -> user, user -> page cache).
#include <fcntl.h>
#include <unistd.h>

#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

class RecvWriteSession : public IngestSession {
 public:
  explicit RecvWriteSession(const IngestContext& ctx)
      : ctx_(ctx),
        log_(check_unix(
            ::open(ctx.log_path.c_str(), O_WRONLY | O_CLOEXEC | (ctx.dsync ? O_DSYNC : 0)),
            "open log")),
        buffer_(map_buffer(ctx.record)) {}

  void append(std::uint64_t offset, std::uint64_t len, CallCounters& c) override {
    recv_all(ctx_.socket_fd, buffer_.data(), len, c);
    // A regular file takes a short write only when it runs out of room; the
    // next call then says why (ENOSPC, EFBIG).
    for (std::uint64_t done = 0; done < len;) {
      auto n = check_unix(
          ::pwrite(log_.get(), buffer_.data() + done, len - done, off_t(offset + done)), "pwrite");
      ++c.syscalls;
      c.bytes_from_user += std::uint64_t(n);
      done += std::uint64_t(n);
    }
  }

  void sync(CallCounters& c) override {
    check_unix(::fdatasync(log_.get()), "fdatasync");
    ++c.syscalls;
  }

 private:
  IngestContext ctx_;
  UniqueFd log_;
  Mapping buffer_;
};

class RecvWrite : public IngestStrategy {
 public:
  std::string_view id() const override { return "recv-write"; }
  std::string_view data_path() const override {
    return "recv() each record into a user buffer, then pwrite() it to the log";
  }
  Ledger ledger(const Conditions& c) const override {
    LedgerBuilder b(c);
    ingest_arrival(b, c)
        .hop(Place::socket_buffer, Place::user_buffer, Mover::cpu,
             c.sink == SinkKind::remote ? "recv()" : "recv(): a local receive always copies")
        .hop(Place::user_buffer, Place::sink_page_cache, Mover::cpu, "pwrite()");
    return ingest_writeback(b, c).done(2 + c.append.sync.syncs_per_record());
  }
  std::unique_ptr<IngestSession> prepare(const IngestContext& ctx) const override {
    return std::make_unique<RecvWriteSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(RecvWrite);

}  // namespace
}  // namespace zc
