// Ingests records by recv() straight into a shared mapping of the pre-sized
// log: the socket copy lands in the log's page-cache pages (a page fault on
// each first touch), so there is no user buffer and no write(); msync()
// makes the pages durable.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/kit/io.hpp"

namespace zc {
namespace {

class RecvMmapSession : public IngestSession {
 public:
  explicit RecvMmapSession(const IngestContext& ctx)
      : ctx_(ctx), log_(check_unix(::open(ctx.log_path.c_str(), O_RDWR | O_CLOEXEC), "open log")) {
    // Sized, not allocated: the blocks are allocated as the pages are
    // dirtied, as a write() would. Several producers' sessions may share
    // the log; whichever comes first sizes it.
    struct stat st {};
    check_unix(::fstat(log_.get(), &st), "fstat log");
    if (std::uint64_t(st.st_size) < ctx.log_size)
      check_unix(::ftruncate(log_.get(), off_t(ctx.log_size)), "ftruncate (size the log)");
    void* p = ::mmap(nullptr, ctx.log_size, PROT_READ | PROT_WRITE, MAP_SHARED, log_.get(), 0);
    if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap log");
    map_ = Mapping(p, ctx.log_size);
  }

  void append(std::uint64_t offset, std::uint64_t len, CallCounters& c) override {
    try {
      recv_all(ctx_.socket_fd, map_.data() + offset, len, c);
    } catch (const std::system_error& e) {
      // The kernel's copy into the mapping faults the pages in; a page it
      // cannot back (no space for its block) fails the copy, not the process.
      if (e.code().value() != EFAULT) throw;
      throw std::system_error(EFAULT, std::generic_category(),
                              "recv into the log's mapping: a page could not be backed (file "
                              "system full?)");
    }
  }

  void sync(CallCounters& c) override {
    check_unix(::msync(map_.data(), map_.size(), MS_SYNC), "msync");
    ++c.syscalls;
  }

 private:
  IngestContext ctx_;
  UniqueFd log_;
  Mapping map_;
};

class RecvMmap : public IngestStrategy {
 public:
  std::string_view id() const override { return "recv-mmap"; }
  std::string_view data_path() const override {
    return "recv() each record straight into a shared mapping of the pre-sized log; msync() "
           "writes the pages back";
  }
  Ledger ledger(const Conditions& c) const override {
    LedgerBuilder b(c);
    ingest_arrival(b, c).hop(Place::socket_buffer, Place::sink_page_cache, Mover::cpu,
                             "recv() into the log's mapping: the socket copy lands in page-cache "
                             "pages, faulted in on first touch");
    return ingest_writeback(b, c).done(1 + c.append.sync.syncs_per_record());
  }
  Support probe(const Conditions& c) const override {
    if (c.append.sync.opens_dsync())
      return Support::no(
          "--sync dsync: O_DSYNC makes write() synchronous, not stores through a mapping; "
          "use --sync every:1 for recv-mmap");
    return Support::yes();
  }
  std::unique_ptr<IngestSession> prepare(const IngestContext& ctx) const override {
    return std::make_unique<RecvMmapSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(RecvMmap);

}  // namespace
}  // namespace zc
