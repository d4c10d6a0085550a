// msg-zerocopy: the kernel's own verdict on every send, and counters that
// add up (every send completed, every byte covered by a completion).
#include "harness_fixture.hpp"

namespace zc::testing {
namespace {

constexpr std::uint64_t kSize = (4u << 20) + 4097;  // not a multiple of the chunk

std::uint64_t ev(const nlohmann::json& rep, const char* key) {
  return rep.at("evidence").at(key).get<std::uint64_t>();
}

nlohmann::json run_or_skip(std::uint64_t chunk, bool& skipped) {
  const auto* s = transfer("msg-zerocopy");
  EXPECT_NE(s, nullptr);
  auto tmp = fresh_dir("msgzc");
  auto plan = small_plan(s, SinkKind::tcp, kSize, chunk, tmp);
  skipped = false;
  if (auto support = s->probe(plan.runs[0].conditions); !support) {
    skipped = true;
    std::filesystem::remove_all(tmp);
    return {{"reason", *support.missing}};
  }
  auto out = run_plan(plan);
  std::filesystem::remove_all(tmp);
  return out.results["runs"][0];
}

class MsgZerocopy : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(MsgZerocopy, CompletionsCoverEverySendAndLoopbackCopies) {
  bool skipped = false;
  auto run = run_or_skip(GetParam(), skipped);
  if (skipped) GTEST_SKIP() << "unsupported here: " << run["reason"];
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_TRUE(run["verified"].get<bool>());
  for (const auto& rep : run["repetitions"]) {
    auto sends = ev(rep, "zerocopy_sends");
    EXPECT_GE(sends, (kSize + GetParam() - 1) / GetParam());
    EXPECT_EQ(ev(rep, "zerocopy_completed_sends"), sends);
    EXPECT_EQ(ev(rep, "zerocopy_bytes_covered"), kSize);
    EXPECT_EQ(ev(rep, "zerocopy_bytes_copied") + ev(rep, "zerocopy_bytes_zerocopy"), kSize);
    EXPECT_EQ(ev(rep, "zerocopy_copied_ranges") + ev(rep, "zerocopy_zerocopy_ranges"),
              ev(rep, "zerocopy_notifications"));
    EXPECT_GE(ev(rep, "zerocopy_notifications"), 1u);
    EXPECT_LE(ev(rep, "zerocopy_notifications"), sends);
    // Loopback delivers into a local socket, which may not keep the
    // sender's pages: the kernel copies them and says so.
    EXPECT_EQ(ev(rep, "zerocopy_bytes_copied"), kSize) << rep["evidence"].dump();
    EXPECT_EQ(ev(rep, "zerocopy_copied_sends"), sends);
    // send() itself copies nothing out of user memory.
    EXPECT_EQ(rep["values"]["bytes_copied_from_user"].get<double>(), 0.0);
    // Every send, recvmsg and poll is a counted syscall.
    EXPECT_GE(rep["values"]["syscalls"].get<double>(),
              double(sends + ev(rep, "zerocopy_notifications") + ev(rep, "zerocopy_drain_polls")));
  }
  // The ledger says where the copy went.
  bool deferred = false;
  for (const auto& hop : run["ledger"]["hops"])
    if (hop.value("note", "").find("deferred copy") != std::string::npos) deferred = true;
  EXPECT_TRUE(deferred) << run["ledger"].dump();
}

// 4K is below the size where the kernel docs say MSG_ZEROCOPY pays off; it
// must still run (and show the cost), as must big chunks.
INSTANTIATE_TEST_SUITE_P(Chunks, MsgZerocopy, ::testing::Values(4096u, 256u << 10, 1u << 20),
                         [](const auto& info) { return "chunk_" + std::to_string(info.param); });

TEST(MsgZerocopySinks, OnlySocketsThatSupportItAreAccepted) {
  const auto* s = transfer("msg-zerocopy");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->accepts_sink(SinkKind::tcp));
  for (auto sink : {SinkKind::unix_stream, SinkKind::pipe, SinkKind::null, SinkKind::file}) {
    EXPECT_FALSE(s->accepts_sink(sink)) << to_string(sink);
    Conditions c;
    c.sink = sink;
    auto support = s->probe(c);
    ASSERT_FALSE(support) << to_string(sink);
    EXPECT_FALSE(support.missing->empty());
  }
  Conditions unix_sink;
  unix_sink.sink = SinkKind::unix_stream;
  EXPECT_NE(s->probe(unix_sink).missing->find("AF_UNIX"), std::string::npos);
}

}  // namespace
}  // namespace zc::testing
