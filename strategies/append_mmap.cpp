// Appends records by memcpy() into a shared mapping of the log: the CPU
// copies straight into page-cache pages (a page fault on each first touch),
// and msync(MS_SYNC) writes them back; a seq log grows by fallocate() in
// steps, a random log is pre-allocated to its final size.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "harness/core/append.hpp"
#include "harness/core/registry.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

// Growth step of a seq log. fallocate (not ftruncate) so that the blocks
// are reserved: a full file system then fails the fallocate with ENOSPC
// instead of killing the process with SIGBUS in the middle of a memcpy.
constexpr std::uint64_t kGrowStep = 1 << 20;

class AppendMmapSession : public AppendSession {
 public:
  explicit AppendMmapSession(const AppendContext& ctx)
      : ctx_(ctx),
        fd_(check_unix(::open(ctx.log_path.c_str(), O_RDWR | O_CLOEXEC), "open log")),
        allocated_(ctx.pattern == AppendPattern::seq ? 0 : ctx.size) {
    // The whole final size is mapped up front; pages beyond the end of the
    // file are touched only after a grow step has extended it.
    void* p = ::mmap(nullptr, ctx.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap log");
    map_ = Mapping(p, ctx.size);
  }

  void append(std::uint64_t slot, const char* data, std::size_t len, CallCounters& c) override {
    auto offset = slot * ctx_.record;
    while (offset + len > allocated_) grow(c);
    std::memcpy(map_.data() + offset, data, len);
  }

  void sync(CallCounters& c) override {
    check_unix(::msync(map_.data(), map_.size(), MS_SYNC), "msync");
    ++c.syscalls;
  }

 private:
  void grow(CallCounters& c) {
    auto step = std::min(kGrowStep, ctx_.size - allocated_);
    // fallocate(2) itself, not posix_fallocate(3), which would quietly
    // emulate it with writes where a file system lacks it.
    check_unix(::fallocate(fd_.get(), 0, off_t(allocated_), off_t(step)), "fallocate (grow log)");
    ++c.syscalls;
    ++c.evidence["grow_calls"];
    allocated_ += step;
  }

  AppendContext ctx_;
  UniqueFd fd_;
  Mapping map_;
  std::uint64_t allocated_;
};

class AppendMmap : public AppendStrategy {
 public:
  std::string_view id() const override { return "append-mmap"; }
  std::string_view data_path() const override {
    return "memcpy() each record into a shared mapping of the log (grown by fallocate() in "
           "steps for seq, pre-allocated for random); msync() writes the pages back";
  }
  Ledger ledger(const Conditions& c) const override {
    const auto& sync = c.append.sync;
    // memcpy is no syscall; what remains per record is the sync share.
    double per_record = sync.syncs_per_record();
    return LedgerBuilder(c)
        .hop(Place::user_buffer, Place::mapped_page_cache, Mover::cpu,
             "memcpy() in user space, page fault on first touch")
        .hop(Place::mapped_page_cache, Place::disk, Mover::dma, "writeback or msync")
        .done(per_record);
  }
  Support probe(const Conditions& c) const override {
    if (c.append.sync.opens_dsync())
      return Support::no(
          "--sync dsync: O_DSYNC makes write() synchronous but not stores "
          "through a mapping; use --sync every:1 for append-mmap");
    return Support::yes();
  }
  std::unique_ptr<AppendSession> prepare(const AppendContext& ctx) const override {
    return std::make_unique<AppendMmapSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(AppendMmap);

}  // namespace
}  // namespace zc
