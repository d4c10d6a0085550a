// Transfers data by mapping the whole file and write()-ing each chunk from
// the mapping: the kernel copies straight out of the page cache, once.
#include <unistd.h>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

class MmapWriteSession : public TransferSession {
 public:
  explicit MmapWriteSession(const TransferContext& ctx)
      : ctx_(ctx), map_(map_readonly(ctx.source_fd, ctx.size)) {
    // The pages are read in order; let the kernel read ahead (cold cache).
    ::madvise(map_.data(), map_.size(), MADV_SEQUENTIAL);
  }

  std::uint64_t step(CallCounters& c) override {
    auto want = next_chunk(offset_, ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    write_all(ctx_.sink_fd, map_.data() + offset_, want, c);
    offset_ += want;
    return want;
  }

 private:
  TransferContext ctx_;
  Mapping map_;
  std::uint64_t offset_ = 0;
};

class MmapWrite : public TransferStrategy {
 public:
  std::string_view id() const override { return "mmap-write"; }
  std::string_view data_path() const override {
    return "mmap() the file, then write() each chunk from the mapping to the sink";
  }
  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .source_into_page_cache()
        .hop(Place::page_cache, Place::mapped_page_cache, Mover::reference,
             "mmap: page faults map the cached pages")
        .sink_copy_from(Place::mapped_page_cache)
        .done(1);
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<MmapWriteSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(MmapWrite);

}  // namespace
}  // namespace zc
