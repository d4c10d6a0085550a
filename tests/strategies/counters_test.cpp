// The counters behave as each data path says they must.
#include "harness_fixture.hpp"

namespace zc::testing {
namespace {

constexpr std::uint64_t kSize = 8u << 20, kChunk = 256u << 10, kChunks = kSize / kChunk;

nlohmann::json run_one(const char* id, SinkKind sink, CacheState cache = CacheState::hot) {
  auto tmp = fresh_dir(id);
  auto out = run_plan(small_plan(transfer(id), sink, kSize, kChunk, tmp, cache));
  std::filesystem::remove_all(tmp);
  auto run = out.results["runs"][0];
  EXPECT_EQ(run["status"], "ok") << run.value("reason", "");
  return run;
}

TEST(Counters, ReadWriteReadsAndWritesEveryChunkThroughUserSpace) {
  auto run = run_one("read-write", SinkKind::tcp);
  // One read per chunk, one write or more (a socket may take less).
  EXPECT_GE(median(run, "syscalls"), 2.0 * kChunks);
  EXPECT_LE(median(run, "syscalls"), 2.0 * kChunks * 1.1);
  EXPECT_EQ(median(run, "bytes_copied_to_user"), double(kSize));
  EXPECT_EQ(median(run, "bytes_copied_from_user"), double(kSize));
  EXPECT_TRUE(run["verified"].get<bool>());
}

TEST(Counters, MmapWriteCopiesNothingIntoUserSpaceAndFaults) {
  auto run = run_one("mmap-write", SinkKind::tcp);
  EXPECT_EQ(median(run, "bytes_copied_to_user"), 0.0);
  EXPECT_EQ(median(run, "bytes_copied_from_user"), double(kSize));
  EXPECT_GT(median(run, "sender_minor_faults") + median(run, "sender_major_faults"), 0.0);
  EXPECT_GE(median(run, "syscalls"), double(kChunks));
}

TEST(Counters, SendfileMakesOneCallPerChunkAndNoUserCopies) {
  auto run = run_one("sendfile", SinkKind::tcp);
  EXPECT_GE(median(run, "syscalls"), double(kChunks));
  EXPECT_LE(median(run, "syscalls"), kChunks * 1.5);
  EXPECT_EQ(median(run, "bytes_copied_to_user"), 0.0);
  EXPECT_EQ(median(run, "bytes_copied_from_user"), 0.0);
}

TEST(Counters, NullSinkWritesCopyNothing) {
  auto run = run_one("read-write", SinkKind::null);
  EXPECT_EQ(median(run, "bytes_copied_from_user"), 0.0);
  EXPECT_EQ(median(run, "bytes_copied_to_user"), double(kSize));
  EXPECT_FALSE(run["metrics"]["receiver_cpu_ns_per_byte"]["available"].get<bool>());
}

TEST(Counters, ReceiverReportsItsOwnCost) {
  auto run = run_one("read-write", SinkKind::unix_stream);
  EXPECT_GT(median(run, "receiver_read_calls"), 0.0);
  EXPECT_GE(median(run, "receiver_cpu_ns_per_byte"), 0.0);
}

TEST(Counters, ColdCacheIsReallyCold) {
  auto run = run_one("read-write", SinkKind::null, CacheState::cold);
  EXPECT_LT(median(run, "cache_resident_fraction"), 0.01);
  auto hot = run_one("read-write", SinkKind::null, CacheState::hot);
  EXPECT_GT(median(hot, "cache_resident_fraction"), 0.99);
}

TEST(Faults, ReceiverDyingMidRunIsAnErrorAndLeavesNothing) {
  ::setenv("ZC_SINK_DIE_AFTER", "1048576", 1);
  auto tmp = fresh_dir("die");
  auto out = run_plan(small_plan(transfer("read-write"), SinkKind::tcp, kSize, kChunk, tmp));
  ::unsetenv("ZC_SINK_DIE_AFTER");
  const auto& run = out.results["runs"][0];
  EXPECT_EQ(run["status"], "error");
  EXPECT_TRUE(out.any_failed);
  EXPECT_NE(run["reason"].get<std::string>().find("receiver"), std::string::npos) << run["reason"];
  EXPECT_TRUE(dir_is_empty(tmp));
  EXPECT_EQ(live_children(), 0);
  std::filesystem::remove_all(tmp);
}

TEST(Faults, OtherRunsGoOnAfterAFailure) {
  ::setenv("ZC_SINK_DIE_AFTER", "1048576", 1);
  auto tmp = fresh_dir("goon");
  auto plan = small_plan(transfer("read-write"), SinkKind::tcp, kSize, kChunk, tmp);
  auto second = plan.runs[0];
  second.conditions.sink = SinkKind::file;  // no receiver process: unaffected
  plan.runs.push_back(second);
  auto out = run_plan(plan);
  ::unsetenv("ZC_SINK_DIE_AFTER");
  EXPECT_EQ(out.results["runs"][0]["status"], "error");
  EXPECT_EQ(out.results["runs"][1]["status"], "ok");
  std::filesystem::remove_all(tmp);
}

}  // namespace
}  // namespace zc::testing
