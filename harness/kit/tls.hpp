// TLS for the TLS strategies and their receiver: a throwaway key and
// self-signed certificate made in memory, OpenSSL contexts pinned to one
// TLS 1.3 cipher suite, and the probe for kernel TLS (the "tls" ULP).
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/conditions.hpp"  // kDefaultTlsCipher
#include "harness/core/ledger.hpp"
#include "harness/core/strategy.hpp"

namespace zc {

// The IANA name of a --tls-cipher value (aes-128-gcm -> TLS_AES_128_GCM_SHA256),
// or nothing for an unknown one.
std::optional<std::string> tls13_suite(std::string_view cipher);
// "aes-128-gcm, aes-256-gcm, chacha20-poly1305": for messages.
std::string_view tls_cipher_names();

// Bytes TLS 1.3 adds to each record with an AEAD suite: a 5-byte header,
// the inner content type and a 16-byte tag.
inline constexpr std::uint64_t kTls13RecordOverhead = 5 + 1 + 16;
inline constexpr std::uint64_t kTlsMaxRecordPlaintext = 16384;
// The close_notify alert record: 2 bytes of alert, sealed.
inline constexpr std::uint64_t kTls13CloseNotifyBytes = 2 + kTls13RecordOverhead;

struct SslCtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// OpenSSL's error queue as one line (and cleared), after `what`.
std::string ssl_error(const std::string& what);
// The same for a failed server handshake, saying so when the peer ended it
// with an alert (a receiver that does not trust the certificate: unknown ca).
std::string tls_accept_error();

// A throwaway P-256 key and a self-signed certificate for it, made at
// start-up in memory. The key never leaves this process; the certificate
// (public) is what the receiver trusts.
class TlsCredentials {
 public:
  TlsCredentials();
  ~TlsCredentials();
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;
  // Writes the certificate as PEM to `path`, created new with mode 0600.
  void write_certificate(const std::filesystem::path& path) const;
  // A server context with this key, TLS 1.3 only, the one suite of `cipher`,
  // no session tickets.
  SslCtxPtr server_context(std::string_view cipher) const;

 private:
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
};

// A client context that trusts only the certificate in `cert_pem_path`
// (verification on, no name check: the pin is the certificate itself).
SslCtxPtr tls_client_context(const std::filesystem::path& cert_pem_path, std::string_view cipher);

// Whether this kernel can do TLS in the kernel: empty when the "tls" ULP
// is there, else the reason, exactly (setsockopt's errno, tcp_available_ulp,
// /proc/net/tls_stat).
std::optional<std::string> ktls_unavailable();

// /proc/net/tls_stat as name -> value; empty when the file is absent.
std::optional<std::map<std::string, std::uint64_t>> read_tls_stat();

}  // namespace zc

namespace zc {

// A server-side TLS session on `fd` whose sends the kernel encrypts: the
// handshake in user space with SSL_OP_ENABLE_KTLS, then the check that
// OpenSSL really installed the keys (BIO_get_ktls_send); it falls back to
// user space silently, and that is Unsupported here, never measured.
struct KtlsSender {
  SslCtxPtr ctx;
  SslPtr ssl;
  bool zerocopy_ro = false;  // TLS_TX_ZEROCOPY_RO asked and confirmed
};
KtlsSender ktls_sender(const TlsCredentials& creds, std::string_view cipher, int fd,
                       bool want_zerocopy_ro);

// The kernel-TLS strategies' sending side (ktls-write, ktls-sendfile): the
// session set up on the sink, with /proc/net/tls_stat's evidence that the
// kernel took it (a TX context installed), and closed with close_notify.
class KtlsTransfer {
 public:
  // Throws Unsupported when the kernel installed no TX session.
  KtlsTransfer(const TlsCredentials* creds, std::string_view cipher, int sink_fd,
               bool want_zerocopy_ro, std::string_view strategy);
  // The close_notify alert (one sendmsg, counted as bookkeeping) and the
  // evidence: tls_stat_tx_sessions_added, and tls_tx_zerocopy_ro where asked.
  void finish(CallCounters& c);

 private:
  bool zerocopy_ro_asked_ = false;
  std::uint64_t sessions0_ = 0;
  KtlsSender k_;
};

// The kernel-TLS strategies' probe: the "tls" ULP, and a receiver that
// decrypts the stream (--receiver recv).
Support ktls_probe(const Conditions& c);

// The in-kernel encryption (tls_sw), as a transforming hop right after the
// first hop into the socket buffer.
void insert_kernel_encryption(Ledger& l, std::string note);

}  // namespace zc
