// Appends records with write(2) on an O_DIRECT log (O_APPEND for seq,
// pwrite(2) to each record's slot for random): the device takes the record
// buffer by DMA, bypassing the page cache, so records must be aligned to
// the file system's direct-I/O alignment.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/core/append.hpp"
#include "harness/core/registry.hpp"
#include "harness/kit/dio_alignment.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/probes.hpp"

namespace zc {
namespace {

// The buffers the harness hands over are page-aligned.
constexpr std::uint32_t kBufferAlignment = 4096;

class AppendDirectSession : public AppendSession {
 public:
  explicit AppendDirectSession(const AppendContext& ctx) : ctx_(ctx) {
    int flags = O_WRONLY | O_DIRECT | O_CLOEXEC |
                (ctx.pattern == AppendPattern::seq ? O_APPEND : 0) | (ctx.dsync ? O_DSYNC : 0);
    fd_.reset(check_unix(::open(ctx.log_path.c_str(), flags), "open log (O_DIRECT)"));
  }

  void append(std::uint64_t slot, const char* data, std::size_t len, CallCounters& c) override {
    auto offset = off_t(slot * ctx_.record);
    auto n = ctx_.pattern == AppendPattern::seq
                 ? check_unix(::write(fd_.get(), data, len), "write (O_DIRECT)")
                 : check_unix(::pwrite(fd_.get(), data, len, offset), "pwrite (O_DIRECT)");
    ++c.syscalls;
    // A short direct write means the device or file system ran out of room
    // part-way; retrying the unaligned rest would only fail with EINVAL.
    if (std::size_t(n) != len)
      throw std::system_error(
          ENOSPC, std::generic_category(),
          "short O_DIRECT write (" + std::to_string(n) + " of " + std::to_string(len) + " bytes)");
  }

  // O_DIRECT data is on the device when write() returns, but the device's
  // volatile cache and the file's metadata (its size, extent state) are not.
  void sync(CallCounters& c) override {
    check_unix(::fdatasync(fd_.get()), "fdatasync");
    ++c.syscalls;
  }

 private:
  AppendContext ctx_;
  UniqueFd fd_;
};

class AppendDirect : public AppendStrategy {
 public:
  std::string_view id() const override { return "append-direct"; }
  std::string_view data_path() const override {
    return "write() each aligned record to an O_DIRECT log (pwrite() to its slot for random): "
           "the device takes it from the user buffer by DMA, no page cache";
  }
  Ledger ledger(const Conditions& c) const override {
    const auto& sync = c.append.sync;
    double per_record = 1 + sync.syncs_per_record();
    return LedgerBuilder(c)
        .hop(Place::user_buffer, Place::disk, Mover::dma, "O_DIRECT: the device reads user pages")
        .done(per_record);
  }
  Support probe(const Conditions& c) const override {
    if (auto s = probe_o_direct(c.source_dir); !s) return s;
    auto a = dio_alignment_in(c.source_dir);
    // probe_o_direct has just written an aligned 4 KiB block here.
    if (a.offset == 0) a = {4096, 4096, "no alignment reported; a 4 KiB O_DIRECT write was probed"};
    auto fs_name = filesystem_name(c.source_dir);
    if (a.memory > kBufferAlignment)
      return Support::no("O_DIRECT on " + fs_name + " needs " + std::to_string(a.memory) +
                         "-byte aligned buffers (" + a.source + ")");
    if (c.chunk % a.offset != 0)
      return Support::no("record size " + std::to_string(c.chunk) +
                         " is not a multiple of the O_DIRECT alignment of " + fs_name + " (" +
                         std::to_string(a.offset) + " bytes, " + a.source + ")");
    if (c.size % a.offset != 0)
      return Support::no("log size " + std::to_string(c.size) +
                         " leaves a last record that is not "
                         "a multiple of the O_DIRECT alignment of " +
                         fs_name + " (" + std::to_string(a.offset) + " bytes, " + a.source + ")");
    return Support::yes();
  }
  std::unique_ptr<AppendSession> prepare(const AppendContext& ctx) const override {
    return std::make_unique<AppendDirectSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(AppendDirect);

}  // namespace
}  // namespace zc
