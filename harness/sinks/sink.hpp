// Sinks: where a transfer's bytes go, and who checks them. Stream sinks
// (tcp, unix, pipe) have a receiver process: the zc-bench binary itself,
// started with Boost.Process, which hashes every byte and reports back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/base/fd.hpp"
#include "harness/core/conditions.hpp"
#include "harness/core/nic_request.hpp"
#include "harness/sinks/receiver.hpp"
#include "harness/sinks/tuning.hpp"

namespace zc {

struct SinkOptions {
  SinkKind kind = SinkKind::tcp;
  ReceiverMode receiver = ReceiverMode::recv;
  Tuning tuning;
  std::filesystem::path work_dir;   // where the file sink writes
  NicRequest nic;                   // veth: the egress device's offloads
  std::string remote;               // remote: HOST:PORT of `zc-bench sink --listen`
  std::string token;                // remote: the shared secret, if the server wants one
  std::uint64_t expected_size = 0;  // announced to a remote receiver
  std::optional<std::uint64_t> expected_hash;
  std::string run_name;
  bool kernel_counters = false;  // the receiver opens kernel counters (evidence repetition)
  // pipe: the sender's bytes per call; the pipe is sized to hold one where
  // the kernel allows it (sink_pipe_size()), so a call moves a whole chunk.
  std::uint64_t chunk = 0;
  // TLS strategies: the certificate the receiver trusts (a PEM in the run's
  // private folder; empty: no TLS) and the suite (kit/tls.hpp).
  std::string tls_cert;
  std::string tls_cipher;
};

// One repetition's sink. The sender writes to fd(); close_and_await() is
// part of the timed region (the bytes have arrived when it returns);
// collect() is not.
class SinkEndpoint {
 public:
  virtual ~SinkEndpoint() = default;
  virtual int fd() const = 0;
  // Ends the stream and waits until the consumer has every byte. Throws
  // if the consumer fails or `deadline_ns` (now_ns() clock) passes.
  virtual void close_and_await(std::uint64_t deadline_ns) = 0;
  // The consumer's report: hash, bytes, its own CPU and faults.
  virtual ReceiverReport collect() = 0;
  // After a failed send: what happened to the consumer, if anything
  // ("receiver killed by signal 9"); empty when nothing is known.
  virtual std::string diagnose() { return {}; }
  // What the sink was, measured or read back (veth: namespaces and the
  // device's offloads in effect); null when there is nothing to add.
  virtual nlohmann::json details() const { return nullptr; }
};

// Opens a sink for one repetition. `deadline_ns` bounds the whole
// repetition: a receiver still running then is killed, which unblocks a
// sender stuck on a peer that stopped reading.
std::unique_ptr<SinkEndpoint> open_sink(const SinkOptions& opts, std::uint64_t deadline_ns);

// A receiver process (`zc-bench sink --fd 3`) reading `receiver`, the
// sender writing `sender`. `exec_prefix` starts it through another program
// (`ip netns exec NAME`), empty to start it directly.
std::unique_ptr<SinkEndpoint> open_process_sink(const SinkOptions& opts, UniqueFd sender,
                                                UniqueFd receiver,
                                                const std::vector<std::string>& exec_prefix,
                                                std::uint64_t deadline_ns);

// The zc-bench executable, for starting receiver processes: this process,
// unless ZC_BENCH_EXE names another (tests run the harness from their own
// binaries and start the real zc-bench as the receiver).
const std::filesystem::path& self_executable();

}  // namespace zc
