// Knobs that change how fast a data path can go without changing what it
// is: CPU placement, socket buffer sizes, the receiver's read size. Every
// run records the values in effect.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace zc {

struct Tuning {
  // The receiver's read size. 256 KiB measured best-or-equal against 128K
  // and 1M for loopback TCP here (scripts/bench-peers; README).
  std::size_t receiver_buffer = 256 * 1024;
  int sender_cpu = -1;    // -1: wherever the scheduler puts it
  int receiver_cpu = -1;  // -1: wherever the scheduler puts it
  int sndbuf = 0;         // SO_SNDBUF; 0: kernel autotuning
  int rcvbuf = 0;         // SO_RCVBUF; 0: kernel autotuning

  nlohmann::json to_json() const;
};

// "sender:0,receiver:1" (either part optional). Throws UsageError.
void parse_pin(const std::string& text, Tuning& t);

// Pins the calling thread to `cpu` (-1: every online CPU, undoing an
// inherited pin). Throws std::system_error.
void pin_this_thread(int cpu);

// Pins the calling thread for its lifetime and restores the old mask.
class ScopedPin {
 public:
  explicit ScopedPin(int cpu);
  ~ScopedPin();
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;

 private:
  bool active_ = false;
  cpu_set_t old_{};
};

// Applies SO_SNDBUF / SO_RCVBUF where asked (no-op for 0 or non-sockets).
void apply_socket_buffers(int sender_fd, int receiver_fd, const Tuning& t);

}  // namespace zc
