// Every ingest strategy over tcp and unix writes a log that holds exactly
// the producer's stream (bytes in == bytes out, by hash), its ledger passes
// the model check where kernel counters run, and nothing it started or
// wrote is left behind; --streams runs N such streams (and N transfers) at
// once (the broker's producers and consumers: broker_test.cpp).
#include "harness/core/ingest.hpp"

#include "harness/base/file_system.hpp"
#include "harness/measure/perf_counters.hpp"
#include "harness_fixture.hpp"

namespace zc::testing {
namespace {

struct Case {
  std::string strategy;
  SinkKind sink;
  std::uint64_t size, record;
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto* s : Registry::instance().all(kIngestWorkload))
    for (auto sink : {SinkKind::tcp, SinkKind::unix_stream})
      // 3000: records that are not page multiples, and a short last one.
      for (auto [size, record] :
           {std::pair<std::uint64_t, std::uint64_t>{2u << 20, 64u << 10}, {1u << 20, 3000}})
        out.push_back({std::string(s->id()), sink, size, record});
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.strategy << " over " << to_string(c.sink) << ", " << c.size << " bytes in " << c.record
      << "-byte records";
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.strategy + "_" + std::string(to_string(info.param.sink)) + "_" +
                  std::to_string(info.param.record);
  for (auto& ch : n)
    if (ch == '-') ch = '_';
  return n;
}

RunSpec ingest_spec(const std::string& id, SinkKind sink, std::uint64_t size, std::uint64_t record,
                    SyncPolicy sync = {}) {
  RunSpec spec;
  spec.strategy = Registry::instance().find(id);
  spec.conditions.sink = sink;
  spec.conditions.size = size;
  spec.conditions.chunk = record;
  spec.conditions.append = {AppendPattern::seq, sync};
  return spec;
}

Plan plan_of(const std::filesystem::path& tmp, std::vector<RunSpec> runs, unsigned reps,
             unsigned warmup) {
  Plan plan;
  plan.repetitions = reps;
  plan.warmup = warmup;
  plan.temp_parent = tmp;
  plan.timeout_s = 120;
  plan.quiet = true;
  plan.runs = std::move(runs);
  return plan;
}

class IngestLog : public ::testing::TestWithParam<Case> {};

TEST_P(IngestLog, HoldsTheProducersStreamAndPassesItsModelCheck) {
  const auto& c = GetParam();
  auto tmp = fresh_dir("ingest");
  // One warm-up: the evidence repetition, where the kernel counters run.
  auto out = run_plan(plan_of(tmp, {ingest_spec(c.strategy, c.sink, c.size, c.record)}, 2, 1));
  const auto& run = out.results["runs"][0];
  if (run["status"] == "unsupported") GTEST_SKIP() << "unsupported here: " << run["reason"];
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_TRUE(run["verified"].get<bool>());
  EXPECT_EQ(run["workload"], "ingest");
  EXPECT_EQ(median(run, "records"), double((c.size + c.record - 1) / c.record));
  EXPECT_GT(median(run, "throughput_bytes_per_s"), 0.0);
  EXPECT_GT(median(run, "producer_cpu_ns_per_byte"), 0.0);
  for (const auto& rep : run["repetitions"])
    EXPECT_EQ(rep["verification"]["verified"], true) << rep.dump();
  EXPECT_TRUE(dir_is_empty(tmp)) << "files left in " << tmp;
  EXPECT_EQ(live_children(), 0) << "a producer outlived its run";
  if (!perf_events_support() || !tracefs_support())
    GTEST_SKIP() << "delivery checked; no kernel counters here for the model check";
  const auto& check = run["model_check"];
  EXPECT_EQ(check["status"], "pass") << check.dump(2);
  EXPECT_EQ(check["items"]["socket_copy_bytes"]["status"], "pass") << check.dump(2);
  EXPECT_EQ(check["items"]["page_cache_insertions"]["status"], "pass") << check.dump(2);
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, IngestLog, ::testing::ValuesIn(all_cases()), case_name);

// The sync policy issues the syncs it promises, and acks nothing itself.
TEST(Ingest, SyncEveryNRecordsSyncsThatOften) {
  auto tmp = fresh_dir("ingest-sync");
  SyncPolicy every4{SyncPolicy::Kind::every, 4};
  auto out = run_plan(plan_of(
      tmp, {ingest_spec("recv-write", SinkKind::unix_stream, 1u << 20, 64u << 10, every4)}, 1, 0));
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  // 16 records: a sync after the 4th, 8th and 12th; the final one covers the 16th.
  EXPECT_EQ(median(run, "syncs"), 3.0);
  EXPECT_TRUE(dir_is_empty(tmp));
}

// recv-mmap cannot honour O_DSYNC: unsupported, with the reason.
TEST(Ingest, MmapRefusesDsyncWithTheReason) {
  auto tmp = fresh_dir("ingest-dsync");
  SyncPolicy dsync{SyncPolicy::Kind::dsync, 0};
  auto out = run_plan(
      plan_of(tmp, {ingest_spec("recv-mmap", SinkKind::tcp, 1u << 20, 64u << 10, dsync)}, 1, 0));
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "unsupported") << run.dump();
  EXPECT_NE(run["reason"].get<std::string>().find("dsync"), std::string::npos);
}

// A remote producer is not built: unsupported with a reason, not an error.
TEST(Ingest, RemoteWithoutAServerIsAnErrorNamingTheAddress) {
  auto tmp = fresh_dir("ingest-remote");
  auto spec = ingest_spec("recv-write", SinkKind::remote, 1u << 20, 64u << 10);
  spec.conditions.remote = "127.0.0.1:9";  // discard: nothing listens here
  auto out = run_plan(plan_of(tmp, {spec}, 1, 0));
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "error") << run.dump();
  EXPECT_NE(run["reason"].get<std::string>().find("remote producer 127.0.0.1:9"), std::string::npos)
      << run["reason"];
  EXPECT_TRUE(out.any_failed);
  EXPECT_TRUE(dir_is_empty(tmp));
}

// --streams 3: three producers, three logs, one aggregate; every log checked.
TEST(Streams, IngestStreamsAreEachVerified) {
  auto tmp = fresh_dir("ingest-streams");
  auto spec = ingest_spec("splice-ingest", SinkKind::unix_stream, 1u << 20, 16u << 10);
  spec.streams = 3;
  auto out = run_plan(plan_of(tmp, {spec}, 2, 0));
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_EQ(run["parameters"]["streams"], 3);
  EXPECT_NE(run["name"].get<std::string>().find("/streams:3"), std::string::npos);
  EXPECT_EQ(median(run, "streams"), 3.0);
  EXPECT_EQ(median(run, "records"), 3.0 * 64);
  EXPECT_LE(median(run, "stream_throughput_min_bytes_per_s"),
            median(run, "stream_throughput_max_bytes_per_s"));
  for (const auto& rep : run["repetitions"]) {
    ASSERT_EQ(rep["streams"].size(), 3u);
    for (const auto& s : rep["streams"]) EXPECT_EQ(s["verification"]["verified"], true);
  }
  EXPECT_TRUE(dir_is_empty(tmp));
  EXPECT_EQ(live_children(), 0);
}

TEST(Streams, TransferStreamsAreEachVerified) {
  auto tmp = fresh_dir("transfer-streams");
  auto plan = small_plan(transfer("sendfile"), SinkKind::unix_stream, 2u << 20, 256u << 10, tmp);
  plan.runs[0].streams = 2;
  auto out = run_plan(plan);
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_TRUE(run["verified"].get<bool>());
  EXPECT_NE(run["name"].get<std::string>().find("/streams:2"), std::string::npos);
  EXPECT_EQ(median(run, "streams"), 2.0);
  EXPECT_EQ(median(run, "chunks"), 2.0 * 8);
  for (const auto& rep : run["repetitions"]) {
    ASSERT_EQ(rep["streams"].size(), 2u);
    for (const auto& s : rep["streams"]) EXPECT_EQ(s["verification"]["verified"], true);
  }
  EXPECT_EQ(live_children(), 0);
}

}  // namespace
}  // namespace zc::testing
