// Another process's CPU, context switches, faults, storage I/O and peak
// memory over a window, every thread of it: how the harness measures an
// external strategy's program (a JVM runs its data path on one thread and
// has twenty more) as getrusage(RUSAGE_SELF) measures itself.
//
// Where the figures come from, and why:
// - CPU: perf's task-clock (the scheduler's sum_exec_runtime, in ns),
//   opened on the program before it starts its threads and following all
//   of them (perf inherit_thread: a thread that ends folds its count into
//   its parent's), so a JVM compiler thread that exits mid-window still
//   counts. Where perf events are refused: each thread's sum_exec_runtime
//   from /proc/PID/task/TID/schedstat, summed over the threads alive at the
//   window's start and end (an exited thread's share is lost). The user
//   and system split is the kernel's own (utime and stime of /proc/PID/stat,
//   the values getrusage reports, here in USER_HZ ticks: 10 ms), scaled to
//   the precise total as the kernel scales them (cputime_adjust).
// - switches: voluntary and involuntary per thread (/proc/PID/task/TID/
//   status), summed; faults: the whole group's (/proc/PID/stat, exited
//   threads included).
// - storage: /proc/PID/io; peak memory: VmHWM after clear_refs.
// Switches of a thread that ended inside the window are missing from the
// split (describe() says how many threads started and ended).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/measure/meters.hpp"
#include "harness/measure/perf_counters.hpp"

namespace zc {

class ProcessMeter {
 public:
  // Opens perf counters on `pid`: call it before the program creates the
  // threads it should follow (external programs wait behind a gate).
  explicit ProcessMeter(pid_t pid);
  void start();  // untimed: just before the window
  void stop();   // untimed: just after it

  Usage usage() const;  // the whole process over the window
  // One thread over the window (the program's data thread), when it was
  // alive at both ends.
  std::optional<Usage> thread_usage(pid_t tid) const;
  std::optional<StorageIo> io(std::string* why_not) const;
  std::optional<std::uint64_t> peak_rss_bytes(std::string* why_not) const;
  // Threads seen at the start and at the end, and the methods.
  nlohmann::json describe() const;

 private:
  struct Thread {
    std::uint64_t runtime_ns = 0;
    std::int64_t voluntary = 0, involuntary = 0;
    std::uint64_t utime = 0, stime = 0, minflt = 0, majflt = 0;  // ticks, counts
  };
  struct Snapshot {
    bool ok = false;
    std::string why_not;
    std::uint64_t utime = 0, stime = 0, minflt = 0, majflt = 0;  // the group's
    std::map<pid_t, Thread> threads;
    std::optional<StorageIo> io;
    std::string io_why;
  };
  static Snapshot take(pid_t pid);

  pid_t pid_;
  std::unique_ptr<PerfCounterSet> clock_;  // task-clock over every thread
  std::optional<std::uint64_t> task_clock_ns_;
  std::string clock_why_;
  Snapshot at_start_, at_stop_;
  bool rss_window_ = false;
  std::string rss_why_;
  std::optional<std::uint64_t> peak_rss_;
};

}  // namespace zc
