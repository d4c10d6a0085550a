// The consumer side of a stream sink: reads every byte, hashes it and
// measures its own cost. Runs in its own process (`zc-bench sink`).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/conditions.hpp"
#include "harness/meters.hpp"

namespace zc {

struct ReceiverReport {
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> hash;  // absent when the mode discards bytes
  std::string unverified_reason;      // why there is no hash
  Usage usage;                        // of the receiving process, over the receive
  double wall_s = 0;
  std::uint64_t read_calls = 0;
  // Mode-specific evidence, e.g. bytes mapped vs copied by zero-copy receive.
  std::map<std::string, std::uint64_t> evidence;
  // The receiver's own kernel counters over its loop (harness/accounting.hpp).
  nlohmann::json kernel;
  std::string error;  // non-empty if the receiver failed
};

void to_json(nlohmann::json& j, const ReceiverReport& r);
void from_json(const nlohmann::json& j, ReceiverReport& r);

struct ReceiverOptions {
  ReceiverMode mode = ReceiverMode::recv;
  std::size_t buffer_size = 256 * 1024;
  // Charge CPU to the calling thread only (a server with one thread per
  // session), not the whole process.
  bool thread_usage = false;
  // Fail once more than this many bytes arrive (0: no limit).
  std::uint64_t max_bytes = 0;
  // Open kernel counters over the loop: the harness's evidence repetition
  // does, timed ones do not (accounting.hpp).
  bool kernel_counters = false;
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
