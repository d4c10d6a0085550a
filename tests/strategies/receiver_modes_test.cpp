// Receiver modes end to end: zerocopy-receive maps what it can and still
// checks every byte; truncate discards, so the run is ok but unverified.
#include "harness/measure/perf_counters.hpp"
#include "harness/sinks/zcrx_receive.hpp"
#include "harness/sinks/zerocopy_receive.hpp"
#include "harness_fixture.hpp"

namespace zc::testing {
namespace {

constexpr std::uint64_t kSize = (4u << 20) + 4097;

struct Outcome {
  nlohmann::json run;
  bool any_failed = false;
};

Outcome run_with(const char* strategy, ReceiverMode mode, std::uint64_t chunk = 64u << 10,
                 SinkKind sink = SinkKind::tcp) {
  const auto* s = transfer(strategy);
  EXPECT_NE(s, nullptr);
  auto tmp = fresh_dir("receiver");
  auto plan = small_plan(s, sink, kSize, chunk, tmp);
  plan.runs[0].conditions.receiver = mode;
  auto out = run_plan(plan);
  EXPECT_TRUE(dir_is_empty(tmp));
  EXPECT_EQ(live_children(), 0);
  std::filesystem::remove_all(tmp);
  return {out.results["runs"][0], out.any_failed};
}

std::uint64_t rx(const nlohmann::json& rep, const char* key) {
  return rep.at("receiver").at("evidence").at(key).get<std::uint64_t>();
}

class ZerocopyReceive : public ::testing::TestWithParam<const char*> {};

TEST_P(ZerocopyReceive, MappedPlusCopiedIsEveryByteAndVerified) {
  auto [run, failed] = run_with(GetParam(), ReceiverMode::zerocopy_receive);
  if (run["status"] == "unsupported") GTEST_SKIP() << run["reason"];
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_FALSE(failed);
  EXPECT_TRUE(run["verified"].get<bool>());
  for (const auto& rep : run["repetitions"]) {
    EXPECT_EQ(rx(rep, "zerocopy_receive_mapped_bytes") + rx(rep, "zerocopy_receive_copied_bytes"),
              kSize)
        << rep["receiver"].dump();
    EXPECT_GT(rx(rep, "zerocopy_receive_getsockopt_calls"), 0u);
    // Every getsockopt and every read is a receive call.
    EXPECT_EQ(
        rep["receiver"]["read_calls"].get<std::uint64_t>(),
        rx(rep, "zerocopy_receive_getsockopt_calls") + rx(rep, "zerocopy_receive_read_calls"));
  }
  // The evidence reaches the run's metrics, aggregated.
  EXPECT_EQ(
      median(run, "receiver_zerocopy_mapped_bytes") + median(run, "receiver_zerocopy_copied_bytes"),
      double(kSize));
  EXPECT_GT(median(run, "receiver_zerocopy_getsockopt_calls_per_mib"), 0.0);
  const bool maps = std::string(GetParam()) == "msg-zerocopy";
  auto& share = run["metrics"]["receiver_zerocopy_mapped_fraction"];
  if (maps) {
    // Page-sized segments (the sink sets the MSS): all but the tail maps.
    EXPECT_GE(median(run, "receiver_zerocopy_mapped_fraction"), 0.98);
    EXPECT_EQ(run["ledger"]["receive"], "by reference (mapped)");
    EXPECT_TRUE(run["sink_details"]["segments"].contains("tcp_maxseg_in_effect"))
        << run["sink_details"].dump();
  } else {
    // Nothing can map: why, not a 0% result.
    EXPECT_FALSE(share["available"].get<bool>());
    EXPECT_NE(share["reason"].get<std::string>().find("not mappable"), std::string::npos)
        << share.dump();
    EXPECT_EQ(run["ledger"]["cpu_copies_receiver"], 1);
  }
  // The receive side checked on kernel evidence: TCP_ZEROCOPY_RECEIVE's
  // results and skb_copy_datagram_iovec.
  if (auto p = perf_events_support(); !p) GTEST_SKIP() << *p.missing;
  if (auto t = tracefs_support(); !t) GTEST_SKIP() << *t.missing;
  auto& item = run["model_check"]["items"]["receiver_copies"];
  EXPECT_EQ(item["status"], "pass") << item.dump(1);
  EXPECT_NE(item["method"].get<std::string>().find("TCP_ZEROCOPY_RECEIVE"), std::string::npos);
}

// read-write hands the socket copied, unaligned data (on loopback nothing
// maps); msg-zerocopy's deferred copy leaves whole fresh pages, which do.
INSTANTIATE_TEST_SUITE_P(Senders, ZerocopyReceive,
                         ::testing::Values("read-write", "sendfile", "msg-zerocopy"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

TEST(ReceiverModes, OtherModesSayWhyTheMappingFiguresAreMissing) {
  auto [run, failed] = run_with("read-write", ReceiverMode::recv);
  ASSERT_EQ(run["status"], "ok");
  auto& m = run["metrics"]["receiver_zerocopy_mapped_bytes"];
  EXPECT_FALSE(m["available"].get<bool>());
  EXPECT_NE(m["reason"].get<std::string>().find("recv"), std::string::npos);
  EXPECT_FALSE(run["metrics"]["zerocopy_copied_fraction"]["available"].get<bool>());
}

TEST(ReceiverModes, TruncateIsOkButUnverifiedWithTheReason) {
  auto [run, failed] = run_with("sendfile", ReceiverMode::truncate);
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_FALSE(failed);
  EXPECT_FALSE(run["verified"].get<bool>());
  EXPECT_NE(run["unverified_reason"].get<std::string>().find("MSG_TRUNC"), std::string::npos);
  for (const auto& rep : run["repetitions"]) {
    EXPECT_FALSE(rep["verification"]["verified"].get<bool>());
    EXPECT_EQ(rep["receiver"]["bytes"].get<std::uint64_t>(), kSize);
    EXPECT_FALSE(rep["receiver"].contains("hash"));
  }
}

// zcrx needs a NIC with header split and a queue API: loopback has
// neither, so the run is unsupported with the register call's errno and
// the device's tcp-data-split, never an error or a result.
TEST(ReceiverModes, ZcrxIsUnsupportedOnLoopbackWithTheProbesReason) {
  auto probe = probe_zcrx("lo");
  ASSERT_TRUE(probe.unsupported);
  const auto& why = *probe.unsupported;
  EXPECT_NE(why.find("IORING_REGISTER_ZCRX_IFQ failed with"), std::string::npos) << why;
  EXPECT_NE(why.find(::geteuid() == 0 ? "EOPNOTSUPP" : "EPERM"), std::string::npos) << why;
  EXPECT_NE(why.find("tcp-data-split"), std::string::npos) << why;
  EXPECT_NE(why.find("no header split"), std::string::npos) << why;
  EXPECT_EQ(probe.to_json()["available"], false);
  auto [run, failed] = run_with("msg-zerocopy", ReceiverMode::zcrx);
  ASSERT_EQ(run["status"], "unsupported") << run.dump(1).substr(0, 2000);
  EXPECT_NE(run["reason"].get<std::string>().find("tcp-data-split"), std::string::npos);
}

TEST(ReceiverModes, DevmemTcpIsAProbeThatSaysWhatIsMissing) {
  auto why = devmem_tcp_unavailable();
  if (!why) GTEST_SKIP() << "this machine has a dmabuf source and a header-split NIC";
  if (!std::filesystem::exists("/dev/udmabuf"))
    EXPECT_NE(why->find("no dmabuf source (udmabuf)"), std::string::npos) << *why;
  EXPECT_NE(why->find("no header-split NIC"), std::string::npos) << *why;
}

TEST(ReceiverModes, ModesRefuseSinksTheyCannotRead) {
  EXPECT_TRUE(receiver_mode_refuses(ReceiverMode::zcrx, SinkKind::pipe));
  EXPECT_FALSE(receiver_mode_refuses(ReceiverMode::zcrx, SinkKind::veth));
  EXPECT_FALSE(receiver_mode_refuses(ReceiverMode::zerocopy_receive, SinkKind::tcp));
  EXPECT_TRUE(receiver_mode_refuses(ReceiverMode::zerocopy_receive, SinkKind::unix_stream));
  EXPECT_TRUE(receiver_mode_refuses(ReceiverMode::zerocopy_receive, SinkKind::pipe));
  // unix stream sockets ignore MSG_TRUNC and copy: truncate there is refused.
  EXPECT_TRUE(receiver_mode_refuses(ReceiverMode::truncate, SinkKind::unix_stream));
  EXPECT_FALSE(receiver_mode_refuses(ReceiverMode::truncate, SinkKind::tcp));
  EXPECT_FALSE(receiver_mode_refuses(ReceiverMode::truncate, SinkKind::veth));
  EXPECT_TRUE(receiver_mode_refuses(ReceiverMode::truncate, SinkKind::pipe));
  EXPECT_TRUE(receiver_mode_refuses(ReceiverMode::truncate, SinkKind::null));
  for (auto sink : {SinkKind::tcp, SinkKind::unix_stream, SinkKind::pipe, SinkKind::null})
    EXPECT_FALSE(receiver_mode_refuses(ReceiverMode::recv, sink));
}

}  // namespace
}  // namespace zc::testing
