// The repetition skeleton (measure/repetition.hpp): the deadline's checks,
// the --streams fan-out (a failed stream neither hangs the others nor hides
// its error; one stream stays on the caller's thread unless asked), the
// meter window's storage read again after it and its kernel counters,
// when a log's writer syncs, the merge of the streams' figures and their spread.
#include "harness/measure/repetition.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/file_system.hpp"
#include "harness/base/temp_dir.hpp"

namespace zc {
namespace {

TEST(Deadline, NoneEndsNothing) {
  Deadline none;
  EXPECT_NO_THROW(none.check(now_ns(), 1));
}

TEST(Deadline, PastItSaysAfterHowManyBytes) {
  Deadline d(0);
  try {
    d.check(d.at_ns() + 1, 4096);
    FAIL() << "no throw past the deadline";
  } catch (const RepetitionStopped& e) {
    EXPECT_NE(std::string(e.what()).find("deadline (--timeout) after 4096 bytes"),
              std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(d.check(d.at_ns(), 1));  // at it: not yet past
}

TEST(RunStreams, AFailedStreamNeitherHangsTheOthersNorHidesItsError) {
  MeterWindow window;
  std::atomic<int> ended{0};
  try {
    run_streams(3, false, window, [&](unsigned i, StreamGate& gate) {
      if (i == 1) throw std::runtime_error("stream 1 failed in set-up");
      gate.start();
      if (i == 2) throw std::runtime_error("stream 2 failed timed");
      gate.end();
      ++ended;
    });
    FAIL() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "stream 1 failed in set-up");  // the first, by stream
  }
  EXPECT_EQ(ended, 1);
  EXPECT_GT(window.t0(), 0u);  // taken when the streams left waiting went on
  EXPECT_GE(window.t1(), window.t0());
}

TEST(RunStreams, OneStreamOnTheCallersThreadUnlessFresh) {
  MeterWindow window;
  std::thread::id seen;
  run_streams(1, false, window, [&](unsigned, StreamGate&) { seen = std::this_thread::get_id(); });
  EXPECT_EQ(seen, std::this_thread::get_id());
  run_streams(1, true, window, [&](unsigned, StreamGate&) { seen = std::this_thread::get_id(); });
  EXPECT_NE(seen, std::this_thread::get_id());
}

TEST(RunStreams, TheWindowSpansEveryStreamsTimedRegion) {
  MeterWindow window;
  std::array<std::uint64_t, 4> t0{}, t1{};
  run_streams(4, false, window, [&](unsigned i, StreamGate& gate) {
    gate.start();
    t0[i] = now_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + i));
    t1[i] = now_ns();
    gate.end();
  });
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_LE(window.t0(), t0[i]);
    EXPECT_GE(window.t1(), t1[i]);
  }
}

TEST(MeterWindow, StorageToNowHasWhatWasWrittenAfterTheWindow) {
  // ctest runs in the build tree: a disk, where /tmp may be tmpfs.
  const auto dir = std::filesystem::current_path();
  if (filesystem_name(dir) == "tmpfs") GTEST_SKIP() << dir << " is on tmpfs (no storage)";
  std::string why;
  if (!StorageIo::of_process(&why)) GTEST_SKIP() << why;
  MeterWindow window;
  window.start();
  window.stop();
  RemovedOnExit file(dir / ("storage-to-now-" + std::to_string(::getpid())));
  auto fd = file.create();
  std::vector<char> mib(1 << 20, 'x');
  ASSERT_EQ(::write(fd.get(), mib.data(), mib.size()), ssize_t(mib.size()));
  auto during = window.storage(), to_now = window.storage_to_now();
  ASSERT_TRUE(during && to_now);
  // Charged when the pages were dirtied, after the window.
  EXPECT_GE(to_now->write_bytes, during->write_bytes + mib.size());
}

TEST(MeterWindow, ItsEvidenceCountsOnlyInsideIt) {
  PerfCounterSet faults(PerfTarget::thread(), {{"faults", "software/page-faults"}});
  if (!faults.available()) GTEST_SKIP() << faults.reason();
  constexpr std::size_t kPages = 256, kPage = 4096;
  auto touch = [&] {  // kPages fresh pages, a fault each
    void* p =
        ::mmap(nullptr, kPages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    for (std::size_t i = 0; i < kPages; ++i) static_cast<volatile char*>(p)[i * kPage] = 1;
    ::munmap(p, kPages * kPage);
  };
  MeterWindow window(MeterSet{false, {}, &faults});
  touch();
  window.start();
  touch();
  window.stop();
  touch();
  touch();
  auto count = faults.read()["faults"].count;
  EXPECT_GE(count, kPages);
  EXPECT_LT(count, 2 * kPages);
}

TEST(SyncDue, EveryNWhenTheCountPassesAMultipleIntervalWhenItsTimeHasPassed) {
  const SyncPolicy every8{SyncPolicy::Kind::every, 8};
  EXPECT_FALSE(sync_due(every8, 0, 7, 0));
  EXPECT_TRUE(sync_due(every8, 7, 8, 0));
  EXPECT_TRUE(sync_due(every8, 4, 20, 0));  // a batch that passes 8 and 16: one sync
  EXPECT_FALSE(sync_due(every8, 8, 15, 0));
  const SyncPolicy interval{SyncPolicy::Kind::interval, 100};  // ms
  EXPECT_FALSE(sync_due(interval, 0, 1, now_ns()));
  EXPECT_TRUE(sync_due(interval, 0, 1, now_ns() - 100'000'000));
  for (auto kind : {SyncPolicy::Kind::none, SyncPolicy::Kind::dsync})
    EXPECT_FALSE(sync_due(SyncPolicy{kind, 1}, 0, 1000, 0));
}

TEST(MergeStreamValues, CountsAddUpPerByteFiguresAverageMissingStaysMissing) {
  const std::array<MetricDef, 4> defs = {
      MetricDef{"syscalls", "count", Better::lower, Role::none, "exact", ""},
      MetricDef{"syscalls_per_chunk", "count", Better::lower, Role::none, "exact", ""},
      MetricDef{"cpu_ns_per_byte", "ns/B", Better::lower, Role::cpu, "rusage", ""},
      MetricDef{"receiver_read_calls", "count", Better::lower, Role::none, "exact", ""}};
  std::vector<Values> v = {{{"syscalls", 10}, {"syscalls_per_chunk", 2}, {"cpu_ns_per_byte", 1}},
                           {{"syscalls", 30}, {"syscalls_per_chunk", 4}, {"cpu_ns_per_byte", 3}}};
  std::vector<Unavailable> u = {{}, {{"receiver_read_calls", "no receiver"}}};
  Values values;
  Unavailable unavailable;
  merge_stream_values(defs, v, u, values, unavailable);
  EXPECT_EQ(values["syscalls"], 40);
  EXPECT_EQ(values["syscalls_per_chunk"], 3);
  EXPECT_EQ(values["cpu_ns_per_byte"], 2);
  EXPECT_EQ(values.count("receiver_read_calls"), 0u);
  EXPECT_EQ(unavailable["receiver_read_calls"], "no receiver");
}

TEST(StreamSpread, MinMaxAndCoefficientOfVariation) {
  Values v;
  add_stream_spread({100, 300}, v);
  EXPECT_EQ(v["streams"], 2);
  EXPECT_EQ(v["stream_throughput_min_bytes_per_s"], 100);
  EXPECT_EQ(v["stream_throughput_max_bytes_per_s"], 300);
  EXPECT_DOUBLE_EQ(v["stream_throughput_cv"], 0.5);  // sd 100 over mean 200
}

TEST(StreamsShareCores, OnlyWhenTwoPerStreamExceedTheCores) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(streams_share_cores(cores / 2, "x"), "");
  auto w = streams_share_cores(cores, "a busy sender and receiver");
  EXPECT_NE(w.find("with a busy sender and receiver each, the streams share CPUs"),
            std::string::npos)
      << w;
}

}  // namespace
}  // namespace zc
