// Transfers data with kernel TLS: after a user-space handshake the kernel
// holds the session's keys (TCP_ULP "tls", TLS_TX), and each chunk is
// read() into a user buffer and write()n as plaintext; the kernel encrypts.
#include <unistd.h>

#include <algorithm>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/tls.hpp"

namespace zc {
namespace {

class KtlsWriteSession : public TransferSession {
 public:
  explicit KtlsWriteSession(const TransferContext& ctx)
      : ctx_(ctx),
        buffer_(map_buffer(ctx.chunk)),
        tls_(ctx.tls, ctx.tls_cipher, ctx.sink_fd, false, "ktls-write") {}

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

  void finish(CallCounters& c) override { tls_.finish(c); }

 private:
  TransferContext ctx_;
  Mapping buffer_;
  std::uint64_t offset_ = 0;
  KtlsTransfer tls_;
};

class KtlsWrite : public TransferStrategy {
 public:
  std::string_view id() const override { return "ktls-write"; }
  std::string_view data_path() const override {
    return "kernel TLS TX: read() each chunk into a user buffer and write() the plaintext; the "
           "kernel seals the records";
  }
  bool uses_tls() const override { return true; }
  bool accepts_sink(SinkKind s) const override { return s == SinkKind::tcp || s == SinkKind::veth; }
  Support probe(const Conditions& c) const override { return ktls_probe(c); }
  Ledger ledger(const Conditions& c) const override {
    auto l = LedgerBuilder(c)
                 .source_into_page_cache()
                 .hop(Place::page_cache, Place::user_buffer, Mover::cpu, "read()")
                 .sink_copy_from(Place::user_buffer)
                 .transform(Place::receiver_buffer, Place::receiver_buffer, Side::receiver,
                            "decryption: OpenSSL opens each record in user space")
                 .done(2);
    // The kernel seals the records after write() copied the plaintext in.
    insert_kernel_encryption(l, "in-kernel encryption (tls_sw) of each record");
    return l;
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<KtlsWriteSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(KtlsWrite);

}  // namespace
}  // namespace zc
