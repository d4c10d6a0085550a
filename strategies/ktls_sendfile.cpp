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

std::uint64_t tls_stat(const char* name) {
  auto s = read_tls_stat();
  return s && s->count(name) ? s->at(name) : 0;
}

class KtlsSendfileSession : public TransferSession {
 public:
  explicit KtlsSendfileSession(const TransferContext& ctx) : ctx_(ctx) {
    if (!ctx.tls) throw std::runtime_error("ktls-sendfile: the harness made no TLS key");
    sw0_ = tls_stat("TlsTxSw") + tls_stat("TlsTxDevice");
    k_ = ktls_sender(*ctx.tls, ctx.tls_cipher, ctx.sink_fd, true);
    // Evidence that the kernel took the session (a TX context installed).
    if (tls_stat("TlsTxSw") + tls_stat("TlsTxDevice") <= sw0_)
      throw Unsupported("/proc/net/tls_stat shows no new TX session: the kernel is not encrypting");
  }

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

  void finish(CallCounters& c) override {
    auto before = c.syscalls;
    if (SSL_shutdown(k_.ssl.get()) < 0) throw std::runtime_error(ssl_error("TLS close_notify"));
    ++c.syscalls;  // the alert's sendmsg
    c.bookkeeping_syscalls += c.syscalls - before;
    c.evidence["tls_tx_zerocopy_ro"] = k_.zerocopy_ro ? 1 : 0;
    c.evidence["tls_stat_tx_sessions_added"] = tls_stat("TlsTxSw") + tls_stat("TlsTxDevice") - sw0_;
  }

 private:
  TransferContext ctx_;
  std::uint64_t offset_ = 0;
  std::uint64_t sw0_ = 0;
  KtlsSender k_;
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
  Support probe(const Conditions& c) const override {
    if (auto why = ktls_unavailable()) return Support::no(*why);
    if (c.receiver != ReceiverMode::recv)
      return Support::no("a TLS stream needs a receiver that decrypts it: --receiver recv");
    return Support::yes();
  }
  Ledger ledger(const Conditions& c) const override {
    auto l = LedgerBuilder(c)
                 .source_into_page_cache()
                 .sink_by_reference_from(Place::page_cache)
                 .transform(Place::receiver_buffer, Place::receiver_buffer, Side::receiver,
                            "decryption: OpenSSL opens each record in user space")
                 .done(1);
    // The kernel seals the records from the pages sendfile handed it: the
    // ciphertext is new memory, so nothing stays by reference past it.
    auto at = std::find_if(l.hops.begin(), l.hops.end(),
                           [](const Hop& h) { return h.to == Place::socket_buffer; });
    if (at != l.hops.end())
      l.hops.insert(
          at + 1,
          Hop{Place::socket_buffer, Place::socket_buffer, Mover::cpu_transform, Side::sender,
              "in-kernel encryption (tls_sw) of the page-cache pages into new ones"});
    return l;
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<KtlsSendfileSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(KtlsSendfile);

}  // namespace
}  // namespace zc
