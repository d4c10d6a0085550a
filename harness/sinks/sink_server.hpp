// `zc-bench sink --listen`: a long-lived receiver for runs from other
// hosts. It speaks the control protocol of remote_protocol.hpp, checks a
// shared token before a connection takes a session slot, bounds every
// message and every session (idle timeout per read; the idle timeout plus
// the announced size at 20 MiB/s for the whole transfer), serves a limited
// number of sessions at once, logs a peer's text only escaped and cut short,
// and never opens or runs anything a peer names: a peer can only send bytes
// to be hashed and counted.
#pragma once

#include <cstdint>
#include <string>

namespace zc {

struct SinkServerOptions {
  std::string listen = "127.0.0.1:7477";  // checked HOST:PORT
  std::string token;                      // empty: no token required
  unsigned max_sessions = 4;
  // Connections that have not yet sent a valid hello hold no session slot;
  // at most this many wait (a newer one drops the oldest), each for at
  // most hello_timeout_s (or idle_timeout_s, if shorter).
  unsigned max_pending = 16;
  double hello_timeout_s = 5;
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
