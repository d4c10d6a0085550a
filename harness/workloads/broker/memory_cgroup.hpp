// A memory cgroup around this process for a window of its work, so that the
// page cache it fills is bounded as a broker's is on a loaded host: the
// pages it charges past the limit are reclaimed (v1: memory.limit_in_bytes;
// v2: memory.high, which reclaims and throttles but never OOM-kills). Made
// per repetition, under this process's own memory cgroup (v1) or the v2
// root, and removed after it; needs root or a delegated cgroup, and says
// why not otherwise.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace zc {

class MemoryCgroup {
 public:
  // nullptr with `why` set when no memory cgroup can be made here.
  static std::unique_ptr<MemoryCgroup> create(std::uint64_t limit, std::string* why);
  ~MemoryCgroup();  // leaves it and removes it
  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;

  // Moves this process (every thread) in: what it charges from now on is
  // bounded. Processes it already started stay where they are.
  void enter();
  void leave();  // back to the cgroup it came from
  // "memory cgroup v1, memory.limit_in_bytes"
  std::string method() const;
  // The most the cgroup held at once (v1 memory.max_usage_in_bytes, v2
  // memory.peak), when the kernel says.
  std::optional<std::uint64_t> peak_bytes() const;
  // cgroup v1 has no writeback of a cgroup's own dirty pages before its
  // limit: whoever dirties pages in it must start their writeback.
  bool needs_writeback_kicks() const { return !v2_; }

 private:
  MemoryCgroup() = default;
  std::filesystem::path dir_, home_;
  bool v2_ = false, inside_ = false;
};

}  // namespace zc
