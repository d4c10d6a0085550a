// `zc-bench sink --listen`: a long-lived receiver for runs from other
// hosts. It speaks the control protocol of remote_protocol.hpp, checks a
// shared token, bounds every message, times out idle peers, serves a
// limited number of sessions at once, and never opens or runs anything a
// peer names: a peer can only send bytes to be hashed and counted.
#pragma once

#include <cstdint>
#include <string>

namespace zc {

struct SinkServerOptions {
  std::string listen = "127.0.0.1:7477";  // checked HOST:PORT
  std::string token;                      // empty: no token required
  unsigned max_sessions = 4;
  double idle_timeout_s = 30;  // a peer silent this long is dropped
  // Largest transfer a peer may announce.
  std::uint64_t max_size = std::uint64_t(1) << 40;
  // Stop after this many sessions (0: until SIGINT/SIGTERM); for tests.
  unsigned session_limit = 0;
};

// Serves until interrupted; logs one line per session on stderr. Returns
// the exit status. Throws if it cannot listen.
int serve_sink(const SinkServerOptions& opts);

}  // namespace zc
