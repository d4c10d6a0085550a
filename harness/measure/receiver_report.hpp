// What a consumer (a receiver process, a remote sink, a file sink read
// back) reports about one repetition: the bytes and their hash, its own
// CPU and faults, mode-specific evidence and its kernel counters. The
// accounting reads it; the receiver writes it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/measure/meters.hpp"

namespace zc {

struct ReceiverReport {
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> hash;  // absent when the mode discards bytes
  std::string unverified_reason;      // why there is no hash
  Usage usage;                        // of the receiving process, over the receive
  double wall_s = 0;
  std::uint64_t read_calls = 0;
  // Polling receivers (ReceiverOptions::poll_ns): the wall time spent
  // polling a socket that had nothing yet, and the reads that then slept.
  double poll_s = 0;
  std::uint64_t sleeping_reads = 0;
  // Mode-specific evidence, e.g. bytes mapped vs copied by zero-copy receive.
  std::map<std::string, std::uint64_t> evidence;
  // The receiver's own kernel counters over its loop (harness/measure/accounting.hpp).
  nlohmann::json kernel;
  std::string error;  // non-empty if the receiver failed
};

void to_json(nlohmann::json& j, const ReceiverReport& r);
void from_json(const nlohmann::json& j, ReceiverReport& r);

}  // namespace zc
