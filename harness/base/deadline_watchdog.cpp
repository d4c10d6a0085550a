#include "harness/base/deadline_watchdog.hpp"

#include <chrono>

namespace zc {

DeadlineWatchdog::DeadlineWatchdog(std::uint64_t deadline_ns, std::function<void()> at_deadline)
    : at_deadline_(std::move(at_deadline)), thread_([this, deadline_ns](std::stop_token stop) {
        const std::chrono::steady_clock::time_point deadline{std::chrono::nanoseconds(deadline_ns)};
        std::unique_lock lock(mutex_);
        // Wakes only for a stop request (the owner going away) or the deadline.
        if (cv_.wait_until(lock, stop, deadline, [] { return false; }) || stop.stop_requested())
          return;
        fired_ = true;
        at_deadline_();
      }) {}

bool DeadlineWatchdog::fired() const {
  std::lock_guard lock(mutex_);
  return fired_;
}

}  // namespace zc
