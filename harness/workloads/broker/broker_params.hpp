// A broker run's own parameters (RunSpec::params): who produces and
// consumes, the phase and how its lagging consumer reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zc {

// The phases of the catch-up tax, each a run of its own on a fresh log:
// producers alone; with caught-up consumers; with caught-up consumers and
// one lagging consumer.
enum class Lag { none, caught_up, lagging };

// How the lagging consumer reads the log: through the page cache, around
// it (O_DIRECT), or through it dropping what it read behind it.
enum class LagRead { buffered, direct, dontneed };

inline std::string_view to_string(Lag l) {
  switch (l) {
    case Lag::none:
      return "none";
    case Lag::caught_up:
      return "caught-up";
    case Lag::lagging:
      return "lagging";
  }
  return "?";
}

inline std::string_view to_string(LagRead r) {
  switch (r) {
    case LagRead::buffered:
      return "buffered";
    case LagRead::direct:
      return "direct";
    case LagRead::dontneed:
      return "dontneed";
  }
  return "?";
}

inline std::optional<Lag> parse_lag(std::string_view s) {
  for (auto l : {Lag::none, Lag::caught_up, Lag::lagging})
    if (s == to_string(l)) return l;
  return std::nullopt;
}

inline std::optional<LagRead> parse_lag_read(std::string_view s) {
  for (auto r : {LagRead::buffered, LagRead::direct, LagRead::dontneed})
    if (s == to_string(r)) return r;
  return std::nullopt;
}

struct BrokerParams {
  unsigned producers = 2;
  // Caught-up consumers (0 in the producers-alone phase); the lagging
  // phase adds one lagging consumer to them.
  unsigned consumers = 2;
  std::string consume = "sendfile";  // the transfer strategy that serves every consumer; "none"
  Lag lag = Lag::caught_up;
  LagRead lag_read = LagRead::buffered;  // the lagging phase's only
  std::uint64_t cache_limit = 0;         // the memory cgroup's limit
  bool has_lagging() const { return lag == Lag::lagging; }
  unsigned consumer_processes() const { return consumers + (has_lagging() ? 1 : 0); }
};

}  // namespace zc
