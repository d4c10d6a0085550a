// Appends records with write(2) to an O_APPEND log (seq) or pwrite(2) into
// each record's slot of a pre-allocated log (random): one CPU copy from the
// record buffer into the page cache; the kernel writes the pages back later
// or at each fdatasync.
#include <fcntl.h>
#include <unistd.h>

#include "harness/core/append.hpp"
#include "harness/core/registry.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

class AppendWriteSession : public AppendSession {
 public:
  explicit AppendWriteSession(const AppendContext& ctx) : ctx_(ctx) {
    int flags = O_WRONLY | O_CLOEXEC | (ctx.pattern == AppendPattern::seq ? O_APPEND : 0) |
                (ctx.dsync ? O_DSYNC : 0);
    fd_.reset(check_unix(::open(ctx.log_path.c_str(), flags), "open log"));
  }

  void append(std::uint64_t slot, const char* data, std::size_t len, CallCounters& c) override {
    auto offset = off_t(slot * ctx_.record);
    // A regular file takes a short write only when it runs out of room; the
    // next call then reports why (ENOSPC, EFBIG).
    for (std::size_t done = 0; done < len;) {
      auto n = ctx_.pattern == AppendPattern::seq
                   ? check_unix(::write(fd_.get(), data + done, len - done), "write")
                   : check_unix(::pwrite(fd_.get(), data + done, len - done, offset + off_t(done)),
                                "pwrite");
      ++c.syscalls;
      c.bytes_from_user += std::uint64_t(n);
      done += std::size_t(n);
    }
  }

  void sync(CallCounters& c) override {
    check_unix(::fdatasync(fd_.get()), "fdatasync");
    ++c.syscalls;
  }

 private:
  AppendContext ctx_;
  UniqueFd fd_;
};

class AppendWrite : public AppendStrategy {
 public:
  std::string_view id() const override { return "append-write"; }
  std::string_view data_path() const override {
    return "write() each record to an O_APPEND log (pwrite() to its slot for random): copied "
           "into the page cache, written back by the kernel or at each fdatasync";
  }
  Ledger ledger(const Conditions& c) const override {
    const auto& sync = c.append.sync;
    double per_record = 1 + sync.syncs_per_record();
    return LedgerBuilder(c)
        .hop(Place::user_buffer, Place::sink_page_cache, Mover::cpu, "write()")
        .hop(Place::sink_page_cache, Place::disk, Mover::dma,
             sync.opens_dsync() ? "O_DSYNC: before write() returns" : "writeback or fdatasync")
        .done(per_record);
  }
  std::unique_ptr<AppendSession> prepare(const AppendContext& ctx) const override {
    return std::make_unique<AppendWriteSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(AppendWrite);

}  // namespace
}  // namespace zc
