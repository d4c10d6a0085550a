// Runs one strategy through the real harness (receiver processes and all)
// with small files, and returns its run record.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/run/plan.hpp"
#include "harness/run/runner.hpp"

namespace zc::testing {

inline const TransferStrategy* transfer(const std::string& id) {
  auto* s = Registry::instance().find(id);
  return s && s->workload() == kTransferWorkload ? static_cast<const TransferStrategy*>(s)
                                                 : nullptr;
}

// Folders made by fresh_dir(), removed when the test process ends however
// the test ended (GTEST_SKIP and failed ASSERTs return early). CTest runs
// each test in its own process.
struct TestDirs {
  std::vector<std::filesystem::path> paths;
  ~TestDirs() {
    std::error_code ec;
    for (auto& p : paths) std::filesystem::remove_all(p, ec);
  }
};
inline TestDirs& test_dirs() {
  static TestDirs dirs;
  return dirs;
}

// A fresh temporary parent folder, so leftovers are easy to see.
inline std::filesystem::path fresh_dir(const std::string& tag) {
  auto base = std::filesystem::temp_directory_path() /
              ("zc-test-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  test_dirs().paths.push_back(base);
  return base;
}

inline Plan small_plan(const TransferStrategy* s, SinkKind sink, std::uint64_t size,
                       std::uint64_t chunk, const std::filesystem::path& tmp,
                       CacheState cache = CacheState::hot, unsigned reps = 2) {
  Plan plan;
  plan.repetitions = reps;
  plan.warmup = 0;
  plan.temp_parent = tmp;
  plan.timeout_s = 60;
  RunSpec spec;
  spec.strategy = s;
  spec.conditions.sink = sink;
  spec.conditions.size = size;
  spec.conditions.chunk = chunk;
  spec.conditions.cache = cache;
  plan.runs.push_back(spec);
  return plan;
}

// Median of a metric in a run record (fails the test if absent).
inline double median(const nlohmann::json& run, const std::string& key) {
  auto& m = run.at("metrics").at(key);
  EXPECT_TRUE(m.at("available").get<bool>()) << key << ": " << m.value("reason", "");
  return m.at("median").get<double>();
}

// Child processes of this process that are still alive (not zombies).
inline int live_children() {
  int count = 0;
  for (auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    std::sscanf(line.c_str() + close + 2, "%c %d", &state, &ppid);
    if (ppid == ::getpid() && state != 'Z') ++count;
  }
  return count;
}

inline bool dir_is_empty(const std::filesystem::path& p) { return std::filesystem::is_empty(p); }

}  // namespace zc::testing
