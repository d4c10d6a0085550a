// `zc-bench sink --listen`: a long-lived receiver for runs from other
// hosts. It speaks the control protocol of remote_protocol.hpp, checks a
// shared token before a connection takes a session slot, bounds every
// message and every session (the idle timeout on every read and send; the idle timeout plus
// the announced size at 20 MiB/s for the whole transfer), serves a limited
// number of sessions at once, logs a peer's text only escaped and cut short,
// and never opens or runs anything a peer names: a peer can only send bytes
// to be hashed and counted, or ask for a seeded record stream of a bounded
// size and record size to be sent to it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "harness/measure/receiver_report.hpp"

namespace zc {

// A produce session's request, checked (harness/sinks/remote_protocol.hpp).
struct ProduceRequest {
  std::uint64_t size = 0, record = 0, seed = 0;
};
// Sends the seeded record stream of `request` on `fd`: says `on_ready`,
// waits for `wait_go` (false: no go came), sends exactly `size` bytes,
// generating and hashing them as it goes (nothing up front), leaves the
// connection open for the report, and stops with an error in the report at
// `deadline_ns`, when the peer has taken no byte for `idle_ns`, or as soon
// as the peer is gone. The ingest workload's producer, handed in by the
// command (a workload's code is above this layer).
using ProduceHandler = std::function<ReceiverReport(
    int fd, const ProduceRequest& request, const std::function<void()>& on_ready,
    const std::function<bool()>& wait_go, std::uint64_t deadline_ns, std::uint64_t idle_ns)>;

struct SinkServerOptions {
  std::string listen = "127.0.0.1:7477";  // checked HOST:PORT
  std::string token;                      // empty: no token required
  unsigned max_sessions = 4;
  // Connections that have not yet sent a valid hello hold no session slot;
  // at most this many wait (a newer one drops the oldest), each for at
  // most hello_timeout_s (or idle_timeout_s, if shorter).
  unsigned max_pending = 16;
  double hello_timeout_s = 5;
  // A peer that neither sends nor reads this long is dropped, in every
  // state of a session (its hello, "go", the stream either way, the report).
  double idle_timeout_s = 30;
  // Largest stream a peer may send or ask to be produced
  // (--max-session-bytes).
  std::uint64_t max_size = std::uint64_t(1) << 40;
  // Serves produce sessions (the ingest workload's remote producer) when
  // set; they are refused otherwise.
  ProduceHandler produce;
  // Serves zcrx sessions (io_uring zero-copy receive from this NIC queue)
  // when set (`sink --listen --receiver zcrx --rx-queue N`): the host's
  // NIC must split headers and the flow must be steered to the queue.
  std::optional<unsigned> zcrx_queue;
  // Stop after this many sessions (0: until SIGINT/SIGTERM); for tests.
  unsigned session_limit = 0;
};

// Serves until interrupted; logs one line per session on stderr (refused
// connections: a few a second, then one line a second with their count).
// Returns
// the exit status. Throws if it cannot listen.
int serve_sink(const SinkServerOptions& opts);

}  // namespace zc
