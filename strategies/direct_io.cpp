// Transfers data by O_DIRECT read() of each chunk from the device into an
// aligned user buffer (bypassing the page cache whatever its state), then
// write()/send() of that buffer to the sink.
#include <fcntl.h>
#include <sys/stat.h>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/dio_alignment.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/probes.hpp"

namespace zc {
namespace {

class DirectIoSession : public TransferSession {
 public:
  explicit DirectIoSession(const TransferContext& ctx) : ctx_(ctx) {
    fd_.reset(::open(ctx.source_path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
    if (!fd_) {
      int err = errno;
      throw Unsupported("O_DIRECT refused by " + filesystem_name(ctx.source_path.parent_path()) +
                        ": open(" + ctx.source_path.string() + "): " + errno_text(err));
    }
    align_ = dio_alignment(fd_.get());
    if (align_.offset == 0)
      throw Unsupported("O_DIRECT refused by " + filesystem_name(ctx.source_path.parent_path()) +
                        ": statx reports no direct I/O alignment for " + ctx.source_path.string());
    // A chunk that starts mid-block reads from the block's start: one
    // extra block of room, and the rounded-up length.
    auto len = round_up(ctx.chunk, align_.offset) + align_.offset;
    // map_buffer is page-aligned; a device asking for more gets the slack.
    auto slack = align_.memory > 4096 ? align_.memory : 0;
    buffer_ = map_buffer(len + slack);
    data_ = buffer_.data();
    if (slack) data_ += (slack - std::uintptr_t(data_) % slack) % slack;
  }

  std::uint64_t step(CallCounters& c) override {
    auto want = next_chunk(offset_, ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    // A chunk size that is not a multiple of the alignment re-reads the
    // block it shares with the previous chunk; the last read asks for the
    // rounded-up length and gets the real bytes (short at end of file).
    auto start = offset_ / align_.offset * align_.offset;
    auto skip = offset_ - start;
    auto need = skip + want;
    auto len = round_up(need, align_.offset);
    for (std::uint64_t have = 0; have < need;) {
      auto n = check_unix(::pread(fd_.get(), data_ + have, len - have, off_t(start + have)),
                          "pread O_DIRECT");
      ++c.syscalls;
      if (n == 0) throw std::runtime_error("source file shrank during the run");
      have += std::uint64_t(n);
      read_bytes_ += std::uint64_t(n);
      if (have < need && have % align_.offset != 0)
        throw std::runtime_error(
            "O_DIRECT read stopped short at an unaligned offset before the end");
    }
    // The device wrote the buffer by DMA: no copy into user space to count.
    write_all(ctx_.sink_fd, data_ + skip, want, c);
    offset_ += want;
    return want;
  }

  void finish(CallCounters& c) override {
    c.evidence["direct_read_bytes"] = read_bytes_;
    c.evidence["dio_offset_align"] = align_.offset;
    c.evidence["dio_memory_align"] = align_.memory;
    c.evidence["dio_align_from_statx"] = align_.source == "statx STATX_DIOALIGN" ? 1 : 0;
  }

 private:
  TransferContext ctx_;
  UniqueFd fd_;
  DioAlignment align_;
  Mapping buffer_;
  char* data_ = nullptr;
  std::uint64_t offset_ = 0;
  std::uint64_t read_bytes_ = 0;
};

class DirectIo : public TransferStrategy {
 public:
  std::string_view id() const override { return "direct-io"; }
  std::string_view data_path() const override {
    return "read() each chunk with O_DIRECT into an aligned user buffer, then write() it to the "
           "sink";
  }
  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .hop(Place::disk, Place::user_buffer, Mover::dma,
             "O_DIRECT: the device writes into the buffer, bypassing the page cache whatever its "
             "state")
        .sink_copy_from(Place::user_buffer)
        .done(2);
  }
  // A trial O_DIRECT open and aligned write in the source's folder; and a
  // file system with no device under it has no page cache to bypass.
  Support probe(const Conditions& c) const override {
    auto dir = c.source_dir.empty() ? std::filesystem::temp_directory_path() : c.source_dir;
    if (auto s = probe_o_direct(dir); !s) return s;
    if (auto fs = filesystem_name(dir); fs == "tmpfs" || fs == "ramfs")
      return Support::no("O_DIRECT cannot bypass the page cache on " + fs + " (" + dir.string() +
                         "): it keeps files in memory, so the kernel (since Linux 6.6) accepts the "
                         "flag and serves reads from the cache; use --tmpdir on a disk");
    return Support::yes();
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<DirectIoSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(DirectIo);

}  // namespace
}  // namespace zc
