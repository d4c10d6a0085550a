#include "harness/kit/tls.hpp"

#include <fcntl.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"

namespace zc {

namespace {
struct Suite {
  std::string_view name, iana;
};
constexpr std::array kSuites = {Suite{"aes-128-gcm", "TLS_AES_128_GCM_SHA256"},
                                Suite{"aes-256-gcm", "TLS_AES_256_GCM_SHA384"},
                                Suite{"chacha20-poly1305", "TLS_CHACHA20_POLY1305_SHA256"}};

void pin_suite(SSL_CTX* ctx, std::string_view cipher) {
  auto suite = tls13_suite(cipher);
  if (!suite) throw std::invalid_argument("unknown TLS cipher '" + std::string(cipher) + "'");
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, suite->c_str()) != 1)
    throw std::runtime_error(ssl_error("TLS 1.3 with " + *suite));
}
}  // namespace

std::optional<std::string> tls13_suite(std::string_view cipher) {
  for (const auto& s : kSuites)
    if (s.name == cipher) return std::string(s.iana);
  return std::nullopt;
}

std::string_view tls_cipher_names() { return "aes-128-gcm, aes-256-gcm, chacha20-poly1305"; }

std::string ssl_error(const std::string& what) {
  std::string out = what;
  unsigned long e;
  const char* sep = ": ";
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += sep;
    out += buf;
    sep = "; ";
  }
  return out;
}

std::string tls_accept_error() {
  const unsigned long e = ERR_peek_error();
  const bool alert = ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET;
  return ssl_error(alert ? "TLS handshake (sender): the receiver refused it with an alert"
                         : "TLS handshake (sender)");
}

TlsCredentials::TlsCredentials() {
  key_ = EVP_EC_gen("P-256");
  if (!key_) throw std::runtime_error(ssl_error("generating a throwaway TLS key"));
  cert_ = X509_new();
  if (!cert_) throw std::runtime_error(ssl_error("X509_new"));
  X509_set_version(cert_, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert_), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert_), 24 * 3600);
  X509_set_pubkey(cert_, key_);
  X509_NAME* name = X509_get_subject_name(cert_);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("zc-bench throwaway"), -1, -1,
                             0);
  X509_set_issuer_name(cert_, name);
  if (X509_sign(cert_, key_, EVP_sha256()) == 0)
    throw std::runtime_error(ssl_error("signing the throwaway certificate"));
}

TlsCredentials::~TlsCredentials() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

void TlsCredentials::write_certificate(const std::filesystem::path& path) const {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) throw std::system_error(errno, std::generic_category(), "create " + path.string());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert_);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  bool ok = len > 0 && ::write(fd.get(), data, std::size_t(len)) == len;
  BIO_free(bio);
  if (!ok) throw std::runtime_error("writing the TLS certificate to " + path.string());
}

SslCtxPtr TlsCredentials::server_context(std::string_view cipher) const {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) throw std::runtime_error(ssl_error("SSL_CTX_new"));
  pin_suite(ctx.get(), cipher);
  if (SSL_CTX_use_certificate(ctx.get(), cert_) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key_) != 1)
    throw std::runtime_error(ssl_error("loading the throwaway key"));
  SSL_CTX_set_num_tickets(ctx.get(), 0);  // nothing after the handshake but the data
  return ctx;
}

SslCtxPtr tls_client_context(const std::filesystem::path& cert_pem_path, std::string_view cipher) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) throw std::runtime_error(ssl_error("SSL_CTX_new"));
  pin_suite(ctx.get(), cipher);
  if (SSL_CTX_load_verify_locations(ctx.get(), cert_pem_path.c_str(), nullptr) != 1)
    throw std::runtime_error(ssl_error("loading the TLS certificate " + cert_pem_path.string()));
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

std::optional<std::string> ktls_unavailable() {
  std::string ulps;
  {
    std::ifstream in("/proc/sys/net/ipv4/tcp_available_ulp");
    std::getline(in, ulps);
  }
  const bool stat_present = ::access("/proc/net/tls_stat", F_OK) == 0;
  // The ULP is looked up (and its module loaded) before the socket's state
  // is checked: ENOENT on an unconnected socket means no "tls" at all.
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int err = 0;
  if (s && ::setsockopt(s.get(), IPPROTO_TCP, TCP_ULP, "tls", 3) != 0) err = errno;
  if (err != ENOENT && err != EOPNOTSUPP && err != ENOPROTOOPT && stat_present) return std::nullopt;
  std::string why = "kernel TLS is not available: setsockopt(TCP_ULP, \"tls\") failed with ";
  why += err == ENOENT ? "ENOENT" : std::strerror(err);
  why += " (no CONFIG_TLS: tcp_available_ulp lists '" + ulps + "'";
  why += stat_present ? ")" : ", /proc/net/tls_stat is absent)";
  return why;
}

std::optional<std::map<std::string, std::uint64_t>> read_tls_stat() {
  std::ifstream in("/proc/net/tls_stat");
  if (!in) return std::nullopt;
  std::map<std::string, std::uint64_t> out;
  std::string name;
  std::uint64_t value;
  while (in >> name >> value) out[name] = value;
  return out;
}

KtlsSender ktls_sender(const TlsCredentials& creds, std::string_view cipher, int fd,
                       bool want_zerocopy_ro) {
  if (auto why = ktls_unavailable()) throw Unsupported(*why);
  KtlsSender k;
  k.ctx = creds.server_context(cipher);
  SSL_CTX_set_options(k.ctx.get(), SSL_OP_ENABLE_KTLS);
  k.ssl.reset(SSL_new(k.ctx.get()));
  if (!k.ssl || SSL_set_fd(k.ssl.get(), fd) != 1) throw std::runtime_error(ssl_error("SSL_new"));
  if (SSL_accept(k.ssl.get()) != 1) throw std::runtime_error(tls_accept_error());
  if (BIO_get_ktls_send(SSL_get_wbio(k.ssl.get())) != 1)
    throw Unsupported(
        "OpenSSL did not hand the session's keys to the kernel (BIO_get_ktls_send is 0): it "
        "would encrypt in user space, which is tls-read-write, not kernel TLS");
  if (want_zerocopy_ro) {
#ifdef TLS_TX_ZEROCOPY_RO
    int one = 1, got = 0;
    socklen_t len = sizeof got;
    k.zerocopy_ro = ::setsockopt(fd, SOL_TLS, TLS_TX_ZEROCOPY_RO, &one, sizeof one) == 0 &&
                    ::getsockopt(fd, SOL_TLS, TLS_TX_ZEROCOPY_RO, &got, &len) == 0 && got == 1;
#endif
  }
  return k;
}

namespace {

std::uint64_t tx_sessions() {
  auto s = read_tls_stat();
  if (!s) return 0;
  auto get = [&](const char* name) { return s->count(name) ? s->at(name) : 0; };
  return get("TlsTxSw") + get("TlsTxDevice");
}

}  // namespace

KtlsTransfer::KtlsTransfer(const TlsCredentials* creds, std::string_view cipher, int sink_fd,
                           bool want_zerocopy_ro, std::string_view strategy)
    : zerocopy_ro_asked_(want_zerocopy_ro) {
  if (!creds) throw std::runtime_error(std::string(strategy) + ": the harness made no TLS key");
  sessions0_ = tx_sessions();
  k_ = ktls_sender(*creds, cipher, sink_fd, want_zerocopy_ro);
  if (tx_sessions() <= sessions0_)
    throw Unsupported("/proc/net/tls_stat shows no new TX session: the kernel is not encrypting");
}

void KtlsTransfer::finish(CallCounters& c) {
  auto before = c.syscalls;
  if (SSL_shutdown(k_.ssl.get()) < 0) throw std::runtime_error(ssl_error("TLS close_notify"));
  ++c.syscalls;  // the alert's sendmsg
  c.bookkeeping_syscalls += c.syscalls - before;
  if (zerocopy_ro_asked_) c.evidence["tls_tx_zerocopy_ro"] = k_.zerocopy_ro ? 1 : 0;
  c.evidence["tls_stat_tx_sessions_added"] = tx_sessions() - sessions0_;
}

Support ktls_probe(const Conditions& c) {
  if (auto why = ktls_unavailable()) return Support::no(*why);
  if (c.receiver != ReceiverMode::recv)
    return Support::no("a TLS stream needs a receiver that decrypts it: --receiver recv");
  return Support::yes();
}

void insert_kernel_encryption(Ledger& l, std::string note) {
  auto at = std::find_if(l.hops.begin(), l.hops.end(),
                         [](const Hop& h) { return h.to == Place::socket_buffer; });
  if (at != l.hops.end())
    l.hops.insert(at + 1, Hop{Place::socket_buffer, Place::socket_buffer, Mover::cpu_transform,
                              Side::sender, std::move(note)});
}

}  // namespace zc
