// What the peer processes do (`zc-bench produce`, `zc-bench consume`): the
// producer sends its record stream, the consumer reads a log's records back
// and checks them. Each measures its own CPU over its loop and reports
// like a receiver (measure/receiver_report.hpp).
#pragma once

#include <cstdint>
#include <functional>

#include "harness/measure/receiver_report.hpp"

namespace zc {

struct ProduceOptions {
  std::uint64_t size = 0;    // bytes to send
  std::uint64_t record = 0;  // record size
  std::uint64_t seed = 0;
  std::uint32_t producer = 0;  // this producer's number, in every header
  bool timestamps = false;     // stamp each batch with its send time (the broker's latency)
  // Acknowledged flow: at most this many bytes sent and not yet
  // acknowledged by the receiver (an 8-byte count of the bytes it has taken
  // for good, sent back on the connection), as a Kafka producer keeps a
  // bounded number of requests in flight. 0: no acknowledgements.
  std::uint64_t window = 0;
  // A producer in a process of its own shuts its write side after the last
  // byte; one in `zc-bench sink --listen` keeps it open, as its report
  // follows on the same connection.
  bool shutdown_after = true;
  // CPU of this thread only (a server thread among other sessions), not
  // of the whole process.
  bool thread_usage = false;
  // Stop with an error once this CLOCK_MONOTONIC time has passed (0: no
  // limit): a server's bound on a session whose reader is slow.
  std::uint64_t deadline_ns = 0;
  // Stop with an error when the receiver takes no byte for this long (0:
  // wait as long as the socket's own send timeout says): a server's bound
  // on a peer that stopped reading.
  std::uint64_t idle_ns = 0;
  // Hash each batch as it is sent rather than the whole stream before
  // "ready": a server then spends nothing on a stream nobody reads (a hello
  // may ask for a terabyte and leave). The hashing's CPU, measured per
  // batch, is taken out of the report's usage (evidence "hash_cpu_ns"), so
  // the producer's CPU means the same either way.
  bool hash_while_sending = false;
};

// Sends the stream on `fd` (then shuts its write side, unless told not
// to): says `on_ready`
// once its buffers are made, waits for `wait_go` (false: told to stop),
// and calls `on_done` after the last byte. Never throws: failures land in
// `error`. The report's hash is of every byte sent; evidence holds
// "records" and "write_calls".
ReceiverReport produce_stream(int fd, const ProduceOptions& opts,
                              const std::function<void()>& on_ready,
                              const std::function<bool()>& wait_go,
                              const std::function<void()>& on_done);

struct ConsumeOptions {
  std::uint64_t record = 0;  // the largest record expected
  unsigned producers = 1;
  std::size_t buffer = 1 << 20;  // read size
  std::uint64_t expected = 0;    // bytes the stream must hold (more is an error)
};

// Reads `fd` to its end, walking the records: the whole stream's hash, each
// producer's records' hash (evidence "producer_<i>_hash"), their counts, and
// the end-to-end latency of every stamped record (evidence
// "latency_p50_ns", ..., "latency_max_ns": now minus its send time, taken
// when its header arrives). Never throws.
ReceiverReport consume_stream(int fd, const ConsumeOptions& opts,
                              const std::function<void()>& on_ready,
                              const std::function<void()>& on_done);

}  // namespace zc
