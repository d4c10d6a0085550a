// Acts once at a deadline unless stopped first: the repetition's bound on
// a peer that stopped (kill a receiver or producer process, shut a remote
// producer's connection down), which unblocks the measured side wherever
// it waits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace zc {

class DeadlineWatchdog {
 public:
  // Runs `at_deadline` on a thread of its own when CLOCK_MONOTONIC (the
  // clock of now_ns(), std::chrono::steady_clock's) reaches `deadline_ns`,
  // unless this object is destroyed first (which joins the thread).
  DeadlineWatchdog(std::uint64_t deadline_ns, std::function<void()> at_deadline);
  // Whether the deadline came and the action ran.
  bool fired() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  bool fired_ = false;
  std::function<void()> at_deadline_;
  std::jthread thread_;  // last: joins before the members it uses go away
};

}  // namespace zc
