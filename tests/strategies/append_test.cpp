// Every append strategy x pattern writes a log that reads back exactly, its
// bytes reach storage after the final sync, the sync policy issues the syncs
// it promises, and a full or read-only file system is a clear error that
// leaves no file behind.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include "append_fixture.hpp"
#include "harness/base/file_system.hpp"
#include "harness/workloads/append/append_measure.hpp"

namespace zc::testing {
namespace {

struct Case {
  std::string strategy;
  AppendPattern pattern;
  std::uint64_t size;
  std::uint64_t record;
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto* s : Registry::instance().all(kAppendWorkload))
    for (auto pattern : {AppendPattern::seq, AppendPattern::random})
      // 3000: not a multiple of the page size, and 1 MiB is not a multiple of
      // it either, so the last record is short.
      for (auto [size, record] : {std::pair<std::uint64_t, std::uint64_t>{1u << 20, 4096},
                                  {1u << 20, 3000},
                                  {2u << 20, 64u << 10}})
        out.push_back({std::string(s->id()), pattern, size, record});
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.strategy << " " << to_string(c.pattern) << ", " << c.size << "-byte log of " << c.record
      << "-byte records";
}

class AppendLog : public ::testing::TestWithParam<Case> {};

TEST_P(AppendLog, ContentMatchesAndNothingIsLeftBehind) {
  const auto& c = GetParam();
  const auto* s = appender(c.strategy);
  ASSERT_NE(s, nullptr);
  auto tmp = fresh_dir("append");
  auto out = run_plan(append_plan(tmp, {append_spec(s, c.size, c.record, c.pattern)}, 2));
  const auto& run = out.results["runs"][0];
  if (run["status"] == "unsupported") {
    EXPECT_FALSE(run["reason"].get<std::string>().empty());
    std::filesystem::remove_all(tmp);
    GTEST_SKIP() << "unsupported here: " << run["reason"].get<std::string>();
  }
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_TRUE(run["verified"].get<bool>());
  EXPECT_EQ(run["workload"], "append");
  EXPECT_EQ(median(run, "records"), double((c.size + c.record - 1) / c.record));
  EXPECT_EQ(median(run, "syncs"), 0.0);
  EXPECT_GT(median(run, "throughput_bytes_per_s"), 0.0);
  EXPECT_GE(median(run, "latency_max_ns"), median(run, "latency_p50_ns"));
  // The ledger holds against the kernel's evidence (kernel counters run in
  // the timed repetitions here: no warm-up); the sanitizer's own calls
  // break the exact counts.
  if (!std::getenv("ZC_SANITIZED"))
    EXPECT_NE(run["model_check"]["status"], "fail") << run["copy_verdict"];
  EXPECT_TRUE(dir_is_empty(tmp)) << "files left in " << tmp;
  std::filesystem::remove_all(tmp);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.strategy + "_" + std::string(to_string(info.param.pattern)) + "_" +
                  std::to_string(info.param.record);
  for (auto& ch : n)
    if (ch == '-') ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, AppendLog, ::testing::ValuesIn(all_cases()), case_name);

// O_DIRECT cannot take a record that is not aligned: unsupported, with why.
TEST(Append, DirectRefusesUnalignedRecordsWithTheReason) {
  auto tmp = fresh_dir("append-unaligned");
  auto out = run_plan(append_plan(
      tmp, {append_spec(appender("append-direct"), 1u << 20, 3000, AppendPattern::seq)}));
  std::filesystem::remove_all(tmp);
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "unsupported") << run.dump();
  auto reason = run["reason"].get<std::string>();
  // Either the alignment, or O_DIRECT itself when this file system refuses it.
  EXPECT_TRUE(reason.find("alignment") != std::string::npos ||
              reason.find("O_DIRECT") != std::string::npos)
      << reason;
  EXPECT_FALSE(out.any_failed);
}

TEST(Append, MmapWithDsyncIsUnsupportedWithTheReason) {
  auto tmp = fresh_dir("append-mmap-dsync");
  auto out =
      run_plan(append_plan(tmp, {append_spec(appender("append-mmap"), 64u << 10, 4096,
                                             AppendPattern::seq, {SyncPolicy::Kind::dsync, 0})}));
  std::filesystem::remove_all(tmp);
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "unsupported");
  EXPECT_NE(run["reason"].get<std::string>().find("O_DSYNC"), std::string::npos);
}

// /proc/self/io write_bytes, read after the final sync, covers the log.
TEST(Append, StorageWriteBytesCoverTheLogAfterTheFinalSync) {
  auto tmp = fresh_dir("append-storage");
  if (filesystem_name(tmp) == "tmpfs") {
    std::filesystem::remove_all(tmp);
    GTEST_SKIP() << "the temporary folder is on tmpfs: no storage behind it to count";
  }
  constexpr std::uint64_t kSize = 2u << 20;
  std::vector<RunSpec> runs;
  for (const auto* s : Registry::instance().all(kAppendWorkload))
    for (auto pattern : {AppendPattern::seq, AppendPattern::random})
      runs.push_back(append_spec(static_cast<const AppendStrategy*>(s), kSize, 4096, pattern));
  auto out = run_plan(append_plan(tmp, runs));
  std::filesystem::remove_all(tmp);
  for (const auto& run : out.results["runs"]) {
    if (run["status"] == "unsupported") continue;
    ASSERT_EQ(run["status"], "ok") << run["name"] << ": " << run.value("reason", "");
    EXPECT_GE(median(run, "storage_write_bytes"), double(kSize)) << run["name"];
  }
}

// --sync every:1 issues one sync per record; every:4 one per four.
TEST(Append, EverySyncPolicyIssuesOneSyncPerNRecords) {
  auto tmp = fresh_dir("append-sync");
  constexpr std::uint64_t kRecords = 32;
  std::vector<RunSpec> runs;
  for (const auto* s : Registry::instance().all(kAppendWorkload))
    for (std::uint64_t n : {1, 4})
      runs.push_back(append_spec(static_cast<const AppendStrategy*>(s), kRecords * 4096, 4096,
                                 AppendPattern::random, {SyncPolicy::Kind::every, n}));
  auto out = run_plan(append_plan(tmp, runs));
  std::filesystem::remove_all(tmp);
  for (const auto& run : out.results["runs"]) {
    if (run["status"] == "unsupported") continue;
    ASSERT_EQ(run["status"], "ok") << run["name"] << ": " << run.value("reason", "");
    EXPECT_TRUE(run["verified"].get<bool>());
    auto n = run["parameters"]["sync"] == "every:1" ? 1 : 4;
    EXPECT_EQ(median(run, "syncs"), double(kRecords / n)) << run["name"];
    // The syncs are syscalls too, and the final sync comes on top.
    EXPECT_GE(median(run, "syscalls"), double(kRecords / n + 1)) << run["name"];
  }
}

TEST(Append, IntervalAndDsyncPoliciesRunAndVerify) {
  auto tmp = fresh_dir("append-interval");
  auto out =
      run_plan(append_plan(tmp, {append_spec(appender("append-write"), 256u << 10, 4096,
                                             AppendPattern::seq, {SyncPolicy::Kind::interval, 1}),
                                 append_spec(appender("append-write"), 64u << 10, 4096,
                                             AppendPattern::seq, {SyncPolicy::Kind::dsync, 0})}));
  std::filesystem::remove_all(tmp);
  for (const auto& run : out.results["runs"]) {
    ASSERT_EQ(run["status"], "ok") << run["name"] << ": " << run.value("reason", "");
    EXPECT_TRUE(run["verified"].get<bool>());
  }
  // O_DSYNC makes each write durable: no explicit syncs.
  EXPECT_EQ(median(out.results["runs"][1], "syncs"), 0.0);
}

// A log larger than its file system: a clear ENOSPC error naming the
// folder, no file left, and the next run of the comparison still runs.
TEST(Append, FullFileSystemIsAClearErrorAndTheComparisonGoesOn) {
  SmallTmpfs fs("append-enospc", "size=1M");
  if (!fs.mounted()) GTEST_SKIP() << fs.reason();
  for (const auto* s : Registry::instance().all(kAppendWorkload)) {
    for (auto pattern : {AppendPattern::seq, AppendPattern::random}) {
      auto spec = append_spec(static_cast<const AppendStrategy*>(s), 4u << 20, 4096, pattern);
      if (auto support = s->probe([&] {
            auto c = spec.conditions;
            c.source_dir = fs.path();
            return c;
          }());
          !support)
        continue;
      std::map<std::string, double> values;
      std::map<std::string, std::string> unavailable;
      try {
        measure_append_once(*static_cast<const AppendStrategy*>(s), spec.conditions, fs.path(), 1,
                            values, unavailable);
        ADD_FAILURE() << s->id() << ": a 4 MiB log fitted in a 1 MiB tmpfs";
      } catch (const std::runtime_error& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("no space left"), std::string::npos) << msg;
        EXPECT_NE(msg.find(fs.path().string()), std::string::npos) << msg;
      }
      EXPECT_TRUE(dir_is_empty(fs.path())) << s->id() << " left a partial log";
    }
  }
  // Through the runner: the failing run is an error, the next one is fine.
  const auto* w = appender("append-write");
  auto out =
      run_plan(append_plan(fs.path(), {append_spec(w, 4u << 20, 4096, AppendPattern::seq),
                                       append_spec(w, 256u << 10, 4096, AppendPattern::seq)}));
  const auto& runs = out.results["runs"];
  EXPECT_EQ(runs[0]["status"], "error");
  EXPECT_NE(runs[0]["reason"].get<std::string>().find("no space left"), std::string::npos);
  EXPECT_EQ(runs[1]["status"], "ok") << runs[1].value("reason", "");
  EXPECT_TRUE(out.any_failed);
  EXPECT_TRUE(dir_is_empty(fs.path()));
}

TEST(Append, ReadOnlyFileSystemIsAClearError) {
  SmallTmpfs fs("append-rofs", "size=1M");
  if (!fs.mounted()) GTEST_SKIP() << fs.reason();
  if (::mount(nullptr, fs.path().c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) != 0)
    GTEST_SKIP() << "cannot remount the tmpfs read-only: " << std::strerror(errno);
  std::map<std::string, double> values;
  std::map<std::string, std::string> unavailable;
  auto spec = append_spec(appender("append-write"), 64u << 10, 4096, AppendPattern::seq);
  try {
    measure_append_once(*appender("append-write"), spec.conditions, fs.path(), 1, values,
                        unavailable);
    ADD_FAILURE() << "appended to a read-only file system";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(dir_is_empty(fs.path()));
}

// The block device's counters, read here (not through the harness):
// sectors written (x 512) from /sys/dev/block/MAJ:MIN/stat, beside the
// machine's file pages dirtied and written (/proc/vmstat) and this
// process's own (/proc/self/io), to tell whether others wrote meanwhile.
struct BlockCounters {
  std::uint64_t written = 0, dirtied_pages = 0, written_pages = 0, own_write = 0, own_read = 0,
                read = 0;
};

std::optional<BlockCounters> block_counters(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || major(st.st_dev) == 0) return std::nullopt;
  std::ifstream in("/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
                   std::to_string(minor(st.st_dev)) + "/stat");
  std::uint64_t f[7] = {};
  for (auto& v : f)
    if (!(in >> v)) return std::nullopt;
  BlockCounters b;
  b.read = f[2] * 512;
  b.written = f[6] * 512;
  std::ifstream vm("/proc/vmstat");
  std::string key;
  std::uint64_t value = 0;
  while (vm >> key >> value) {
    if (key == "nr_dirtied") b.dirtied_pages = value;
    if (key == "nr_written") b.written_pages = value;
  }
  std::ifstream io("/proc/self/io");
  while (io >> key >> value) {
    if (key == "write_bytes:") b.own_write = value;
    if (key == "read_bytes:") b.own_read = value;
  }
  return b;
}

// --sync every:1 makes the device write the log several times over (the
// journal's commit per fdatasync): the run's device_write_bytes must be
// what /sys/block says the device wrote, read here around the run. The
// test's window holds the run's and a little more (the log's creation and
// removal, the run's set-up), so the run's figure is at most the test's
// and, when nothing else wrote in the margin, within 256 KiB or 5% of it.
// Other processes' writes in the margin are retried: the figures must
// agree in one of four attempts, or the test fails if one of them was
// quiet (and is skipped if the device was busy every time).
TEST(Append, EverySyncDeviceAmplificationMatchesSysBlock) {
  auto tmp = fresh_dir("append-device");
  if (!block_counters(tmp)) {
    std::filesystem::remove_all(tmp);
    GTEST_SKIP() << "the temporary folder is on no block device (tmpfs, overlay)";
  }
  constexpr std::uint64_t kSize = 1u << 20;
  bool quiet_attempt = false;
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto before = block_counters(tmp);
    auto out =
        run_plan(append_plan(tmp, {append_spec(appender("append-write"), kSize, 4096,
                                               AppendPattern::seq, {SyncPolicy::Kind::every, 1})}));
    auto after = block_counters(tmp);
    const auto& run = out.results["runs"][0];
    ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
    const double zc = median(run, "device_write_bytes"),
                 amp = median(run, "device_write_amplification");
    const double outer = double(after->written - before->written);
    // Others' writes in the test's window: file pages dirtied or written
    // back that this process did not dirty, device reads it did not make.
    auto beyond = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
    const auto own = after->own_write - before->own_write;
    const auto others =
        std::max({beyond((after->dirtied_pages - before->dirtied_pages) * 4096, own),
                  beyond((after->written_pages - before->written_pages) * 4096, own),
                  beyond(after->read - before->read, after->own_read - before->own_read)});
    std::cout << "attempt " << attempt + 1 << ": device_write_bytes " << zc << " (" << amp
              << "x), /sys/block " << outer << " around the run; others' I/O seen " << others
              << " B\n";
    // Every record is written once, and its own fdatasync commits the
    // journal: at least the log itself, whatever the machine does.
    EXPECT_GE(zc, double(kSize));
    EXPECT_NEAR(amp, zc / double(kSize), 1e-9);
    // The run's window lies inside the test's: never more than it.
    EXPECT_LE(zc, outer);
    if (outer - zc <= std::max(256.0 * 1024, 0.05 * outer)) {
      std::filesystem::remove_all(tmp);
      return;
    }
    quiet_attempt = quiet_attempt || others <= 256 * 1024;
  }
  std::filesystem::remove_all(tmp);
  if (quiet_attempt) FAIL() << "the run's device figure never matched /sys/block, quiet or not";
  GTEST_SKIP() << "other processes wrote to the device in every attempt: the run's figure was "
                  "checked against the upper bound only";
}

}  // namespace
}  // namespace zc::testing
