// System-wide CPU time from /proc/stat. Receive work on loopback runs in
// softirq context and is charged to no process (netperf's point), so a
// run's CPU cost is not complete without it.
#pragma once

#include <optional>
#include <string>

namespace zc {

struct SystemCpu {
  double busy_s = 0;     // all CPUs: user + nice + system + irq + softirq + steal
  double softirq_s = 0;  // all CPUs
  double irq_s = 0;
  // Pressure stall information (/proc/pressure/cpu, "some"): how long at
  // least one runnable task waited for a CPU, in seconds; negative where
  // the kernel has no PSI. Other work competing for the CPUs shows here,
  // however busy the machine's own threads are.
  double waiting_s = -1;

  // The "cpu" line of /proc/stat, in seconds (USER_HZ ticks: 10 ms at 100 Hz).
  static std::optional<SystemCpu> now(std::string* why_not = nullptr);
  SystemCpu operator-(const SystemCpu& o) const {
    return {busy_s - o.busy_s, softirq_s - o.softirq_s, irq_s - o.irq_s,
            waiting_s < 0 || o.waiting_s < 0 ? -1 : waiting_s - o.waiting_s};
  }
};

}  // namespace zc
