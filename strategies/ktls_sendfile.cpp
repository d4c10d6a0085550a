// Transfers data with kernel TLS and sendfile(): after a user-space
// handshake the kernel holds the session's keys (TCP_ULP "tls", TLS_TX) and
// encrypts page-cache pages as sendfile() hands them over.
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/tls.hpp"

namespace zc {
namespace {

class KtlsSendfileSession : public TransferSession {
 public:
  explicit KtlsSendfileSession(const TransferContext& ctx)
      : ctx_(ctx), tls_(ctx.tls, ctx.tls_cipher, ctx.sink_fd, true, "ktls-sendfile") {}

  std::uint64_t step(CallCounters& c) override {
    auto want = next_chunk(offset_, ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    off_t pos = off_t(offset_);
    while (std::uint64_t(pos) - offset_ < want) {
      auto n = check_unix(
          ::sendfile(ctx_.sink_fd, ctx_.source_fd, &pos, want - (std::uint64_t(pos) - offset_)),
          "sendfile");
      ++c.syscalls;
      if (n == 0) throw std::runtime_error("source file shrank during the run");
    }
    offset_ += want;
    return want;
  }

  void finish(CallCounters& c) override { tls_.finish(c); }

 private:
  TransferContext ctx_;
  std::uint64_t offset_ = 0;
  KtlsTransfer tls_;
};

class KtlsSendfile : public TransferStrategy {
 public:
  std::string_view id() const override { return "ktls-sendfile"; }
  std::string_view data_path() const override {
    return "kernel TLS TX and sendfile(sink, file) each chunk: the kernel seals records from "
           "page-cache pages (TLS_TX_ZEROCOPY_RO asked, reported as tls_tx_zerocopy_ro)";
  }
  bool uses_tls() const override { return true; }
  bool accepts_sink(SinkKind s) const override { return s == SinkKind::tcp || s == SinkKind::veth; }
  Support probe(const Conditions& c) const override { return ktls_probe(c); }
  Ledger ledger(const Conditions& c) const override {
    auto l = LedgerBuilder(c)
                 .source_into_page_cache()
                 .sink_by_reference_from(Place::page_cache)
                 .transform(Place::receiver_buffer, Place::receiver_buffer, Side::receiver,
                            "decryption: OpenSSL opens each record in user space")
                 .done(1);
    // The kernel seals the records from the pages sendfile handed it: the
    // ciphertext is new memory, so nothing stays by reference past it.
    insert_kernel_encryption(l,
                             "in-kernel encryption (tls_sw) of the page-cache pages into new ones");
    return l;
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<KtlsSendfileSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(KtlsSendfile);

}  // namespace
}  // namespace zc
