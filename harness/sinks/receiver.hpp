// The consumer side of a stream sink: reads every byte, hashes it and
// measures its own cost. Runs in its own process (`zc-bench sink`).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/core/conditions.hpp"
#include "harness/measure/receiver_report.hpp"

namespace zc {

struct ReceiverOptions {
  ReceiverMode mode = ReceiverMode::recv;
  std::size_t buffer_size = 256 * 1024;
  // zcrx: the NIC queue to register (the one the flow is steered to).
  unsigned rx_queue = 0;
  // Charge CPU to the calling thread only (a server with one thread per
  // session), not the whole process.
  bool thread_usage = false;
  // Fail once more than this many bytes arrive (0: no limit).
  std::uint64_t max_bytes = 0;
  // Fail once the loop has run this long (0: no limit). Each read is
  // bounded by the socket's receive timeout; this bounds their sum, for a
  // peer that trickles a byte at a time (the sink server's sessions).
  std::uint64_t time_limit_ns = 0;
  // Before a read would sleep on an empty socket, poll it (non-blocking
  // reads) for up to this long (0: plain blocking reads). See
  // Tuning::receiver_poll_us for why a local receiver polls.
  std::uint64_t poll_ns = 0;
  // Open kernel counters over the loop: the harness's evidence repetition
  // does, timed ones do not (accounting.hpp).
  bool kernel_counters = false;
  // TLS strategies: the certificate to trust (PEM; empty: no TLS) and the
  // one TLS 1.3 suite to offer (tls_receiver.hpp).
  std::string tls_cert;
  std::string tls_cipher;
  // Called once everything is set up, just before the first read: the
  // sender must not start its clock while the receiver is still starting
  // (exec, libraries, opening perf events take milliseconds).
  std::function<void()> on_ready;
  // Called when the stream has ended (or failed), before the counters are
  // read out and closed: that takes tens of milliseconds with tracepoints,
  // and the sender's clock stops here, not after it.
  std::function<void()> on_done;
};

// Reads `fd` to end of stream. Never throws: failures land in `error`.
ReceiverReport receive_stream(int fd, const ReceiverOptions& opts);

}  // namespace zc
