// Knobs that change how fast a data path can go without changing what it
// is: CPU placement, socket buffer sizes, the receiver's read size. Every
// run records the values in effect.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace zc {

struct Tuning {
  // The receiver's read size. Over loopback TCP on the project's 2-core VM,
  // 256M file, 5 alternating rounds of 5 repetitions, medians: sendfile
  // 3465 MB/s with 1 MiB vs 2752 with 256 KiB; read-write 2483 vs 2538 (no
  // difference). Fewer, larger reads mean fewer wake-ups of the receiver.
  // Its own CPU per byte agrees (sendfile over TCP, 128K writes, three
  // alternating rounds): 0.258 ns/B with 1 MiB, 0.267 with 256 KiB, 0.313
  // with 128 KiB.
  std::size_t receiver_buffer = 1024 * 1024;
  // How long a local receiver polls an empty socket before its read may
  // sleep (0: it sleeps at once). Loopback TCP is bistable: while the
  // receiver sleeps in recv(), the sender's transmit does the whole receive
  // path and wakes the receiver per burst (sendfile over ::1, 64M, quiet
  // 2-vCPU VM: 2.2-2.9 GB/s, sender 0.25 ns/B, 400-600 receiver wake-ups);
  // while the receiver is busy, arriving segments wait in the socket's
  // backlog and the receiver processes them (9.5-12 GB/s, sender 0.08 ns/B,
  // under 20 wake-ups). Which one a repetition lands in was chance: 64M
  // repetitions split 6:4 between 2.3 and 10 GB/s, and iperf3 -Z flips the
  // same way. Polling keeps the receiver in the second state, so a
  // repetition measures the sender, not the phase it started in.
  unsigned receiver_poll_us = 50;
  // How the CPUs were chosen: "none" (the scheduler), "auto" (the first two
  // CPUs allowed), "explicit" (--pin sender:N,receiver:M), or why auto
  // could not pin.
  std::string pin = "none";
  int sender_cpu = -1;    // -1: wherever the scheduler puts it
  int receiver_cpu = -1;  // -1: wherever the scheduler puts it
  int sndbuf = 0;         // SO_SNDBUF; 0: kernel autotuning
  int rcvbuf = 0;         // SO_RCVBUF; 0: kernel autotuning

  nlohmann::json to_json() const;
};

// receiver_poll_us where the receiver has a CPU of its own (pinned, not on
// the sender's); 0 elsewhere: polling would take the CPU from the sender.
unsigned effective_receiver_poll_us(const Tuning& t);

// The tuning of each stream of a run of `streams`: with more than one, the
// streams' receivers share a CPU, so they sleep at once (receiver_poll_us 0).
Tuning stream_tuning(Tuning t, unsigned streams);

// "auto", "none", or "sender:0,receiver:1" (either part optional).
// Throws UsageError.
void parse_pin(const std::string& text, Tuning& t);

// Throws UsageError naming `option` unless `cpu` is -1 (any CPU) or a CPU
// online here: "--cpu: no CPU 999 here (0–1)".
void check_cpu(int cpu, std::string_view option);

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
