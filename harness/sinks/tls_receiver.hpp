// The TLS receiver: the client end of a TLS strategy's stream. It trusts
// only the certificate the run wrote for it, does the handshake before the
// receive loop is measured, then decrypts every record, hashes the
// plaintext and fails on any record that does not authenticate or a
// stream that ends without close_notify.
#pragma once

#include <memory>

#include "harness/sinks/receiver.hpp"

namespace zc {

class TlsReceiver {
 public:
  virtual ~TlsReceiver() = default;
  // The measured loop: SSL_read to close_notify, hashing the plaintext.
  virtual void receive(const ReceiverOptions& opts, ReceiverReport& r) = 0;
};

// Null when `opts` asks for no TLS. Does the handshake (untimed, after
// on_ready: the sender's session does its half while preparing). Failures
// land in r.error and return null.
std::unique_ptr<TlsReceiver> start_tls_receiver(int fd, const ReceiverOptions& opts,
                                                ReceiverReport& r);

}  // namespace zc
