// Transfers data by sendfile(sink, file): the kernel hands page-cache pages
// to the sink without passing through user space.
#include <sys/sendfile.h>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/chunk_pipe.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

class SendfileSession : public TransferSession {
 public:
  explicit SendfileSession(const TransferContext& ctx) : ctx_(ctx) {}

  std::uint64_t step(CallCounters& c) override {
    auto want = next_chunk(std::uint64_t(offset_), ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    auto before = offset_;
    // sendfile may move less than asked (a socket buffer fills); the
    // harness counts each call, so the loop stays inside one chunk.
    while (std::uint64_t(offset_ - before) < want) {
      auto n = check_unix(::sendfile(ctx_.sink_fd, ctx_.source_fd, &offset_,
                                     want - std::uint64_t(offset_ - before)),
                          "sendfile");
      ++c.syscalls;
      if (n == 0) throw std::runtime_error("source file shrank during the run");
    }
    return want;
  }

 private:
  TransferContext ctx_;
  off_t offset_ = 0;
};

class Sendfile : public TransferStrategy {
 public:
  std::string_view id() const override { return "sendfile"; }
  std::string_view data_path() const override {
    return "sendfile(sink, file) each chunk: page-cache pages go to the sink inside the kernel";
  }
  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .source_into_page_cache()
        .sink_by_reference_from(Place::page_cache)
        // A pipe sink takes a pipeful per call.
        .done(c.sink == SinkKind::pipe ? double(pipefuls_per_chunk(c.chunk)) : 1.0);
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<SendfileSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(Sendfile);

}  // namespace
}  // namespace zc
