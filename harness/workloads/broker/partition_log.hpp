// The broker's one partition log, as its writers and readers see it: P
// producers' threads reserve the next bytes and fill them in any order,
// and consumers may fetch only below the committed end.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "harness/measure/repetition.hpp"

namespace zc {

// The partition log's ends: writers reserve the next bytes and fill them in
// any order; `committed` is the end below which every byte is written,
// which is as far as a consumer may fetch.
class PartitionLog {
 public:
  explicit PartitionLog(unsigned writers) : in_flight_(writers, kNone) {}

  std::uint64_t reserve(unsigned writer, std::uint64_t len) {
    std::lock_guard lock(m_);
    in_flight_[writer] = reserved_;
    reserved_ += len;
    return in_flight_[writer];
  }

  void complete(unsigned writer) {
    {
      std::lock_guard lock(m_);
      in_flight_[writer] = kNone;
      committed_ = std::min(reserved_, *std::min_element(in_flight_.begin(), in_flight_.end()));
    }
    cv_.notify_all();
  }

  // Waits until `want` bytes are committed; throws if a writer failed, on
  // a stop signal or past the deadline.
  std::uint64_t wait_for(std::uint64_t want, const Deadline& deadline) {
    std::unique_lock lock(m_);
    while (committed_ < want) {
      if (failed_) throw std::runtime_error("the log's writers stopped");
      deadline.check(now_ns(), committed_);
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
    return committed_;
  }

  void fail() {
    {
      std::lock_guard lock(m_);
      failed_ = true;
    }
    cv_.notify_all();
  }

 private:
  static constexpr std::uint64_t kNone = ~std::uint64_t(0);
  std::mutex m_;
  std::condition_variable cv_;
  std::uint64_t reserved_ = 0, committed_ = 0;
  std::vector<std::uint64_t> in_flight_;
  bool failed_ = false;
};

}  // namespace zc
