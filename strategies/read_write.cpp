// Transfers data by read() of each chunk into a user buffer, then write() of
// that buffer to the sink: the classic path with two CPU copies.
#include <unistd.h>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

class ReadWriteSession : public TransferSession {
 public:
  explicit ReadWriteSession(const TransferContext& ctx)
      : ctx_(ctx), buffer_(map_buffer(ctx.chunk)) {}

  std::uint64_t step(CallCounters& c) override {
    auto want = next_chunk(offset_, ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    auto got = check_unix(::pread(ctx_.source_fd, buffer_.data(), want, off_t(offset_)), "pread");
    ++c.syscalls;
    if (got == 0) throw std::runtime_error("source file shrank during the run");
    c.bytes_to_user += std::uint64_t(got);
    write_all(ctx_.sink_fd, buffer_.data(), std::uint64_t(got), c);
    offset_ += std::uint64_t(got);
    return std::uint64_t(got);
  }

 private:
  TransferContext ctx_;
  Mapping buffer_;
  std::uint64_t offset_ = 0;
};

class ReadWrite : public TransferStrategy {
 public:
  std::string_view id() const override { return "read-write"; }
  std::string_view data_path() const override {
    return "read() each chunk into a user buffer, then write() it to the sink";
  }
  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .source_into_page_cache()
        .hop(Place::page_cache, Place::user_buffer, Mover::cpu, "read()")
        .sink_copy_from(Place::user_buffer)
        .done(2);
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<ReadWriteSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(ReadWrite);

}  // namespace
}  // namespace zc
