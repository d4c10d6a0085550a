#include "harness/sinks/tls_receiver.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "harness/base/fd.hpp"
#include "harness/base/hash.hpp"
#include "harness/kit/tls.hpp"

namespace zc {
namespace {

class OpenSslReceiver : public TlsReceiver {
 public:
  OpenSslReceiver(int fd, const ReceiverOptions& opts) {
    ctx_ = tls_client_context(opts.tls_cert, opts.tls_cipher);
    // Read as much as the socket has, not a record header then its body.
    SSL_CTX_set_read_ahead(ctx_.get(), 1);
    SSL_CTX_set_default_read_buffer_len(ctx_.get(), opts.buffer_size);
    ssl_.reset(SSL_new(ctx_.get()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd) != 1) throw std::runtime_error(ssl_error("SSL_new"));
    if (SSL_connect(ssl_.get()) != 1) {
      auto verify = SSL_get_verify_result(ssl_.get());
      std::string what = "TLS handshake";
      if (verify != X509_V_OK)
        what += std::string(" (the sender's certificate: ") +
                X509_verify_cert_error_string(verify) + ")";
      throw std::runtime_error(ssl_error(what));
    }
  }

  void receive(const ReceiverOptions& opts, ReceiverReport& r) override {
    auto buffer = map_buffer(opts.buffer_size);
    StreamHash hash;
    const int chunk = int(std::min<std::size_t>(opts.buffer_size, 1 << 30));
    while (true) {
      int n = SSL_read(ssl_.get(), buffer.data(), chunk);
      ++r.read_calls;
      if (n <= 0) {
        int e = SSL_get_error(ssl_.get(), n);
        if (e == SSL_ERROR_ZERO_RETURN) break;  // close_notify: the whole stream is here
        if (e == SSL_ERROR_SYSCALL && errno == EAGAIN)
          throw std::runtime_error("the sender went quiet (receive timeout)");
        throw std::runtime_error(
            ssl_error("TLS record after " + std::to_string(r.bytes) + " bytes of plaintext"));
      }
      hash.update(buffer.data(), std::size_t(n));
      r.bytes += std::uint64_t(n);
      if (opts.max_bytes && r.bytes > opts.max_bytes)
        throw std::runtime_error("the sender sent more than the " + std::to_string(opts.max_bytes) +
                                 " bytes it announced");
    }
    r.hash = hash.digest();
  }

 private:
  SslCtxPtr ctx_;
  SslPtr ssl_;
};

}  // namespace

std::unique_ptr<TlsReceiver> start_tls_receiver(int fd, const ReceiverOptions& opts,
                                                ReceiverReport& r) {
  if (opts.tls_cert.empty()) return nullptr;
  try {
    if (opts.mode != ReceiverMode::recv)
      throw std::runtime_error("a TLS stream needs --receiver recv (the receiver decrypts)");
    return std::make_unique<OpenSslReceiver>(fd, opts);
  } catch (const std::exception& e) {
    r.error = e.what();
    return nullptr;
  }
}

}  // namespace zc
