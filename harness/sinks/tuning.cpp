#include "harness/sinks/tuning.hpp"

#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <system_error>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"

namespace zc {

unsigned effective_receiver_poll_us(const Tuning& t) {
  const bool own_cpu = t.receiver_cpu >= 0 && t.receiver_cpu != t.sender_cpu;
  return own_cpu ? t.receiver_poll_us : 0;
}

Tuning stream_tuning(Tuning t, unsigned streams) {
  if (streams > 1) t.receiver_poll_us = 0;
  return t;
}

nlohmann::json Tuning::to_json() const {
  auto place = [](int cpu) { return cpu < 0 ? nlohmann::json("any") : nlohmann::json(cpu); };
  auto buf = [](int b) { return b == 0 ? nlohmann::json("auto") : nlohmann::json(b); };
  return {{"receiver_buffer", receiver_buffer},
          {"receiver_poll_us", effective_receiver_poll_us(*this)},
          {"pin", pin},
          {"sender_cpu", place(sender_cpu)},
          {"receiver_cpu", place(receiver_cpu)},
          {"sndbuf", buf(sndbuf)},
          {"rcvbuf", buf(rcvbuf)}};
}

namespace {

// Sender and receiver on the first two CPUs this process may use: on a
// loopback run pinning took the throughput's run-to-run spread from 15-40%
// to 0.5% here, because the scheduler no longer moves them between runs.
void pin_auto(Tuning& t) {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> allowed;
  if (::sched_getaffinity(0, sizeof set, &set) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE && allowed.size() < 2; ++cpu)
      if (CPU_ISSET(cpu, &set)) allowed.push_back(cpu);
  if (allowed.size() < 2) {
    t.pin = "auto: not pinned (fewer than 2 CPUs allowed)";
    return;
  }
  t.pin = "auto";
  t.sender_cpu = allowed[0];
  t.receiver_cpu = allowed[1];
}

}  // namespace

void parse_pin(const std::string& text, Tuning& t) {
  if (text == "auto") return pin_auto(t);
  if (text == "none") {
    t.pin = "none";
    t.sender_cpu = t.receiver_cpu = -1;
    return;
  }
  t.pin = "explicit";
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  for (const auto& part : split(text, ',')) {
    auto colon = part.find(':');
    auto bad = [&] {
      return UsageError("--pin: '" + part +
                        "' is not ROLE:CPU (allowed: auto, none, sender:N, receiver:N, N < " +
                        std::to_string(cpus) + ")");
    };
    if (colon == std::string::npos) throw bad();
    auto role = part.substr(0, colon);
    int cpu = -1;
    try {
      std::size_t used = 0;
      cpu = std::stoi(part.substr(colon + 1), &used);
      if (used != part.size() - colon - 1) throw bad();
    } catch (const std::logic_error&) {
      throw bad();
    }
    if (cpu < 0 || cpu >= cpus) throw bad();
    if (role == "sender")
      t.sender_cpu = cpu;
    else if (role == "receiver")
      t.receiver_cpu = cpu;
    else
      throw bad();
  }
}

void check_cpu(int cpu, std::string_view option) {
  if (cpu == -1) return;
  // The CPUs online, not this process's affinity: `run` pins itself before
  // starting its peers, which inherit that mask and widen it with --cpu.
  std::vector<bool> online;
  std::ifstream list("/sys/devices/system/cpu/online");
  std::string text;
  if (list >> text) {
    for (const auto& part : split(text, ',')) {
      auto dash = part.find('-');
      try {
        int lo = std::stoi(part.substr(0, dash));
        int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
        for (int c = lo; c <= hi && c < CPU_SETSIZE; ++c) {
          if (online.size() <= std::size_t(c)) online.resize(std::size_t(c) + 1);
          online[std::size_t(c)] = true;
        }
      } catch (const std::logic_error&) {
      }
    }
  }
  if (online.empty())
    online.assign(std::size_t(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN))), true);
  if (cpu >= 0 && std::size_t(cpu) < online.size() && online[std::size_t(cpu)]) return;
  // As ranges: "0–1", "0–3,6".
  std::string allowed;
  for (std::size_t c = 0; c < online.size(); ++c) {
    if (!online[c] || (c > 0 && online[c - 1])) continue;
    auto last = c;
    while (last + 1 < online.size() && online[last + 1]) ++last;
    allowed += (allowed.empty() ? "" : ",") + std::to_string(c);
    if (last > c) allowed += "\u2013" + std::to_string(last);
  }
  throw UsageError(std::string(option) + ": no CPU " + std::to_string(cpu) + " here (" + allowed +
                   ")");
}

void pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  for (long i = 0; i < cpus; ++i)
    if (cpu < 0 || i == cpu) CPU_SET(i, &set);
  check_unix(::sched_setaffinity(0, sizeof set, &set), "sched_setaffinity");
}

ScopedPin::ScopedPin(int cpu) {
  if (cpu < 0) return;
  check_unix(::sched_getaffinity(0, sizeof old_, &old_), "sched_getaffinity");
  pin_this_thread(cpu);
  active_ = true;
}

ScopedPin::~ScopedPin() {
  if (active_) ::sched_setaffinity(0, sizeof old_, &old_);
}

void apply_socket_buffers(int sender_fd, int receiver_fd, const Tuning& t) {
  if (t.sndbuf > 0)
    check_unix(::setsockopt(sender_fd, SOL_SOCKET, SO_SNDBUF, &t.sndbuf, sizeof t.sndbuf),
               "setsockopt(SO_SNDBUF)");
  if (t.rcvbuf > 0)
    check_unix(::setsockopt(receiver_fd, SOL_SOCKET, SO_RCVBUF, &t.rcvbuf, sizeof t.rcvbuf),
               "setsockopt(SO_RCVBUF)");
}

}  // namespace zc
