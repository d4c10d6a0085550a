// Transfers data by read() of each chunk into a user buffer, then
// SSL_write() of it (OpenSSL in user space seals 16 KiB records and
// write()s each to the sink): Kafka's path with SSL on.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/io.hpp"
#include "harness/kit/tls.hpp"

namespace zc {
namespace {

// Records of at most 16 KiB plaintext each: what every chunk becomes.
std::uint64_t records_in(std::uint64_t bytes) {
  return (bytes + kTlsMaxRecordPlaintext - 1) / kTlsMaxRecordPlaintext;
}

// Test-only faults: ZC_TLS_FAULT=wrong-key makes the sender present a key
// the receiver was not given; =corrupt-record puts a record that does not
// authenticate into the stream after the first chunk.
std::string tls_fault() {
  const char* env = std::getenv("ZC_TLS_FAULT");
  return env ? env : "";
}

// Counts the socket BIO's write() calls and bytes as the strategy's own
// (every BIO_write on a socket BIO is one write(2)).
long count_writes(BIO* b, int oper, const char*, std::size_t, int, long, int ret,
                  std::size_t* processed) {
  if (oper == (BIO_CB_WRITE | BIO_CB_RETURN)) {
    auto* c = reinterpret_cast<CallCounters*>(BIO_get_callback_arg(b));
    if (c) {
      ++c->syscalls;
      if (ret > 0 && processed) c->bytes_from_user += *processed;
    }
  }
  return ret;
}

class TlsReadWriteSession : public TransferSession {
 public:
  explicit TlsReadWriteSession(const TransferContext& ctx)
      : ctx_(ctx), buffer_(map_buffer(ctx.chunk)), fault_(tls_fault()) {
    if (!ctx.tls) throw std::runtime_error("tls-read-write: the harness made no TLS key");
    // Untimed: the handshake, server side (the broker's end), with the
    // throwaway key the receiver trusts.
    std::unique_ptr<TlsCredentials> other;
    const TlsCredentials* creds = ctx.tls;
    if (fault_ == "wrong-key") creds = (other = std::make_unique<TlsCredentials>()).get();
    tls_ctx_ = creds->server_context(ctx.tls_cipher);
    ssl_.reset(SSL_new(tls_ctx_.get()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), ctx.sink_fd) != 1)
      throw std::runtime_error(ssl_error("SSL_new"));
    if (SSL_accept(ssl_.get()) != 1) throw std::runtime_error(tls_accept_error());
    BIO* wbio = SSL_get_wbio(ssl_.get());
    BIO_set_callback_ex(wbio, count_writes);
  }

  std::uint64_t step(CallCounters& c) override {
    auto want = next_chunk(offset_, ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    auto got = check_unix(::pread(ctx_.source_fd, buffer_.data(), want, off_t(offset_)), "pread");
    ++c.syscalls;
    if (got == 0) throw std::runtime_error("source file shrank during the run");
    c.bytes_to_user += std::uint64_t(got);
    seal_and_send(buffer_.data(), int(got), c);
    offset_ += std::uint64_t(got);
    if (fault_ == "corrupt-record") corrupt_once(c);
    return std::uint64_t(got);
  }

  // close_notify: the receiver takes the stream as whole only with it.
  void finish(CallCounters& c) override {
    BIO_set_callback_arg(SSL_get_wbio(ssl_.get()), reinterpret_cast<char*>(&c));
    auto before = c.syscalls;
    if (SSL_shutdown(ssl_.get()) < 0) throw std::runtime_error(ssl_error("TLS close_notify"));
    c.bookkeeping_syscalls += c.syscalls - before;
  }

 private:
  void seal_and_send(const char* data, int len, CallCounters& c) {
    BIO_set_callback_arg(SSL_get_wbio(ssl_.get()), reinterpret_cast<char*>(&c));
    while (true) {
      int n = SSL_write(ssl_.get(), data, len);
      if (n == len) return;
      // A signal interrupted a write: OpenSSL wants the same call again.
      if (n <= 0 && SSL_get_error(ssl_.get(), n) == SSL_ERROR_WANT_WRITE) continue;
      throw std::runtime_error(ssl_error("SSL_write"));
    }
  }

  // A record with the application-data header and 32 bytes that no key
  // sealed, written straight to the socket between two real records.
  void corrupt_once(CallCounters& c) {
    fault_.clear();
    unsigned char forged[5 + 32] = {0x17, 0x03, 0x03, 0x00, 0x20};
    std::memset(forged + 5, 0xA5, 32);
    write_all(ctx_.sink_fd, reinterpret_cast<const char*>(forged), sizeof forged, c);
  }

  TransferContext ctx_;
  Mapping buffer_;
  std::uint64_t offset_ = 0;
  std::string fault_;
  SslCtxPtr tls_ctx_;
  SslPtr ssl_;
};

class TlsReadWrite : public TransferStrategy {
 public:
  std::string_view id() const override { return "tls-read-write"; }
  std::string_view data_path() const override {
    return "read() each chunk into a user buffer, then SSL_write() it: OpenSSL seals 16 KiB "
           "records in user space and write()s each to the sink (Kafka's path with SSL on)";
  }
  bool uses_tls() const override { return true; }
  bool accepts_sink(SinkKind s) const override {
    return s == SinkKind::tcp || s == SinkKind::unix_stream || s == SinkKind::veth;
  }
  Support probe(const Conditions& c) const override {
    if (c.receiver != ReceiverMode::recv)
      return Support::no("a TLS stream needs a receiver that decrypts it: --receiver recv");
    return Support::yes();
  }
  Ledger ledger(const Conditions& c) const override {
    // Records per transfer: every chunk is cut into 16 KiB records.
    const std::uint64_t chunks = c.chunk ? (c.size + c.chunk - 1) / c.chunk : 0;
    const std::uint64_t records =
        c.chunk ? (c.size / c.chunk) * records_in(c.chunk) + records_in(c.size % c.chunk) : 0;
    auto l = LedgerBuilder(c)
                 .source_into_page_cache()
                 .hop(Place::page_cache, Place::user_buffer, Mover::cpu, "read()")
                 .transform(Place::user_buffer, Place::user_buffer, Side::sender,
                            "encryption (" + c.tls_cipher +
                                "): OpenSSL stages each record's plaintext in its record buffer "
                                "and seals it there, adding " +
                                std::to_string(kTls13RecordOverhead) + " bytes a record")
                 .sink_copy_from(Place::user_buffer)
                 .transform(Place::receiver_buffer, Place::receiver_buffer, Side::receiver,
                            "decryption: OpenSSL opens each record in its read buffer, then "
                            "copies the plaintext out to the caller")
                 .wire_overhead(records * kTls13RecordOverhead + kTls13CloseNotifyBytes)
                 .done(chunks ? double(chunks + records) / double(chunks) : 1);
    return l;
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<TlsReadWriteSession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(TlsReadWrite);

}  // namespace
}  // namespace zc
