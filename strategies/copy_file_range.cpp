// Transfers data by copy_file_range(2) of each chunk from the file into the
// sink file: the kernel copies page-cache pages to page-cache pages (or,
// where the file system can, shares the extents), never through user space.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/probes.hpp"

namespace zc {
namespace {

// The kernel says "not here" with these; anything else is a failure.
bool refused(int err) {
  return err == ENOSYS || err == EOPNOTSUPP || err == EXDEV || err == EINVAL;
}

class CopyFileRangeSession : public TransferSession {
 public:
  explicit CopyFileRangeSession(const TransferContext& ctx) : ctx_(ctx) {}

  std::uint64_t step(CallCounters& c) override {
    auto want = next_chunk(std::uint64_t(offset_), ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    // The output offset is the sink's file position, which the kernel
    // advances; short copies continue inside the chunk.
    for (auto left = want; left > 0;) {
      auto n = ::copy_file_range(ctx_.source_fd, &offset_, ctx_.sink_fd, nullptr, left, 0);
      ++c.syscalls;
      if (n < 0 && refused(errno) && offset_ == 0)
        throw Unsupported("copy_file_range refused between the source and the sink file: " +
                          errno_text(errno));
      check_unix(n, "copy_file_range");
      if (n == 0) throw std::runtime_error("source file shrank during the run");
      left -= std::uint64_t(n);
    }
    return want;
  }

 private:
  TransferContext ctx_;
  loff_t offset_ = 0;
};

// Whether the file system may share extents (reflink) instead of copying;
// the kernel tries remap_file_range first on the ones that implement it.
bool may_reflink(const std::string& fs) { return fs == "btrfs" || fs == "xfs" || fs == "bcachefs"; }

class CopyFileRange : public TransferStrategy {
 public:
  std::string_view id() const override { return "copy-file-range"; }
  std::string_view data_path() const override {
    return "copy_file_range() each chunk from the file into the sink file, inside the kernel";
  }
  bool accepts_sink(SinkKind s) const override { return s == SinkKind::file; }

  Ledger ledger(const Conditions& c) const override {
    auto fs = c.source_dir.empty() ? std::string("unknown") : filesystem_name(c.source_dir);
    LedgerBuilder b(c);
    if (may_reflink(fs)) {
      b.hop(Place::disk, Place::disk, Mover::reference,
            "reflink: " + fs +
                " can let the sink share the source's extents (if the file "
                "system was made with reflink support)");
    } else {
      b.source_into_page_cache()
          .hop(Place::page_cache, Place::sink_page_cache, Mover::cpu,
               "in-kernel copy: " + fs + " cannot share extents")
          .file_sink_writeback();
    }
    return b.done(1);
  }

  // A trial copy of one block between two files in the source's folder.
  Support probe(const Conditions& c) const override {
    namespace fs = std::filesystem;
    auto dir = c.source_dir.empty() ? fs::temp_directory_path() : c.source_dir;
    auto a = dir / ".zc-bench-cfr-probe-in", b = dir / ".zc-bench-cfr-probe-out";
    UniqueFd in(::open(a.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    UniqueFd out(::open(b.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    std::error_code ec;
    Support result = Support::yes();
    char block[4096] = {};
    if (!in || !out) {
      result =
          Support::no("cannot create probe files in " + dir.string() + ": " + errno_text(errno));
    } else if (::write(in.get(), block, sizeof block) != ssize_t(sizeof block)) {
      result = Support::no("cannot write a probe file in " + dir.string());
    } else {
      loff_t off = 0;
      if (::copy_file_range(in.get(), &off, out.get(), nullptr, sizeof block, 0) < 0)
        result = Support::no("copy_file_range refused on " + filesystem_name(dir) + ": " +
                             errno_text(errno));
    }
    fs::remove(a, ec);
    fs::remove(b, ec);
    return result;
  }

  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<CopyFileRangeSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(CopyFileRange);

}  // namespace
}  // namespace zc
