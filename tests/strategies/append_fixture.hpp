// Append runs through the real harness with small logs.
#pragma once

#include <sys/mount.h>

#include "harness/core/append.hpp"
#include "harness_fixture.hpp"

namespace zc::testing {

inline const AppendStrategy* appender(const std::string& id) {
  auto* s = Registry::instance().find(id);
  return s && s->workload() == kAppendWorkload ? static_cast<const AppendStrategy*>(s) : nullptr;
}

inline RunSpec append_spec(const AppendStrategy* s, std::uint64_t size, std::uint64_t record,
                           AppendPattern pattern, SyncPolicy sync = {}) {
  RunSpec spec;
  spec.strategy = s;
  spec.conditions.sink = SinkKind::file;
  spec.conditions.size = size;
  spec.conditions.chunk = record;
  spec.conditions.append = {pattern, sync};
  return spec;
}

inline Plan append_plan(const std::filesystem::path& tmp, std::vector<RunSpec> runs,
                        unsigned reps = 1) {
  Plan plan;
  plan.repetitions = reps;
  plan.warmup = 0;
  plan.temp_parent = tmp;
  plan.runs = std::move(runs);
  return plan;
}

// A size-limited tmpfs mounted on a fresh folder, unmounted and removed on
// destruction. `reason` says why when it could not be mounted.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& tag, const std::string& options) {
    dir_ = fresh_dir(tag);
    if (::mount("zc-test", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      reason_ = "cannot mount a tmpfs (" + options + "): " + std::strerror(errno) +
                " (needs root or CAP_SYS_ADMIN)";
      return;
    }
    mounted_ = true;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool mounted() const { return mounted_; }
  const std::string& reason() const { return reason_; }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string reason_;
  bool mounted_ = false;
};

}  // namespace zc::testing
