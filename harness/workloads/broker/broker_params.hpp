// A broker run's own parameters (RunSpec::params): who produces and
// consumes, the phase and how its lagging consumer reads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace zc {

// The phases of the catch-up tax, each a run of its own on a fresh log:
// producers alone; with caught-up consumers; with caught-up consumers and
// one lagging consumer.
enum class Lag { none, caught_up, lagging };

// How the lagging consumer reads the log: through the page cache, around
// it (O_DIRECT), or through it dropping what it read behind it.
enum class LagRead { buffered, direct, dontneed };

// Each value's CLI spelling, in the order help and errors list them.
template <typename E>
using Names = std::array<std::pair<E, std::string_view>, 3>;
inline constexpr Names<Lag> kLagNames = {
    {{Lag::none, "none"}, {Lag::caught_up, "caught-up"}, {Lag::lagging, "lagging"}}};
inline constexpr Names<LagRead> kLagReadNames = {{{LagRead::buffered, "buffered"},
                                                  {LagRead::direct, "direct"},
                                                  {LagRead::dontneed, "dontneed"}}};

template <typename E>
std::string_view name_of(const Names<E>& names, E e) {
  for (const auto& [value, name] : names)
    if (value == e) return name;
  return "?";
}

template <typename E>
std::optional<E> parse_name(const Names<E>& names, std::string_view s) {
  for (const auto& [value, name] : names)
    if (name == s) return value;
  return std::nullopt;
}

inline std::string_view to_string(Lag l) { return name_of(kLagNames, l); }
inline std::string_view to_string(LagRead r) { return name_of(kLagReadNames, r); }

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
