// The veth sink: verified delivery with scatter-gather on and off, the
// device's offloads read back as asked, the ledger following the device,
// and no namespace left behind, also when the receiver dies mid-run.
// Needs CAP_NET_ADMIN (root); skips with the reason otherwise.
#include <csignal>
#include <cstdlib>

#include "harness/kit/probes.hpp"
#include "harness/sinks/netns.hpp"
#include "harness_fixture.hpp"

namespace zc::testing {
namespace {

// This process's namespaces (zcb-<pid>-*): none may outlive a run.
std::vector<std::string> our_namespaces() {
  std::vector<std::string> out;
  std::error_code ec;
  auto prefix = "zcb-" + std::to_string(::getpid()) + "-";
  for (auto& e : std::filesystem::directory_iterator("/run/netns", ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().filename());
  return out;
}

Plan veth_plan(const char* strategy, const NicRequest& nic, std::uint64_t size,
               const std::filesystem::path& tmp, unsigned reps = 1) {
  auto plan =
      small_plan(transfer(strategy), SinkKind::veth, size, 1u << 20, tmp, CacheState::hot, reps);
  auto& c = plan.runs[0].conditions;
  c.nic = nic;
  c.egress_scatter_gather = nic.sg.value_or(true);
  return plan;
}

class Veth : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto s = probe_net_admin(); !s) GTEST_SKIP() << *s.missing;
    tmp_ = fresh_dir("veth");
  }
  void TearDown() override {
    if (tmp_.empty()) return;
    EXPECT_EQ(our_namespaces(), std::vector<std::string>{}) << "namespaces left behind";
    EXPECT_EQ(live_children(), 0);
    EXPECT_TRUE(dir_is_empty(tmp_));
    std::filesystem::remove_all(tmp_);
  }
  std::filesystem::path tmp_;
};

TEST_F(Veth, DeliversVerifiedBytesWithScatterGatherOnAndOff) {
  for (bool sg : {true, false}) {
    for (const char* strategy : {"sendfile", "read-write"}) {
      NicRequest nic;
      nic.sg = sg;
      auto out = run_plan(veth_plan(strategy, nic, (3u << 20) + 123, tmp_));
      const auto& run = out.results["runs"][0];
      ASSERT_EQ(run["status"], "ok") << strategy << " sg=" << sg << ": " << run.value("reason", "");
      EXPECT_TRUE(run["verified"].get<bool>());
      const auto& effect = run["sink_details"]["nic"]["in_effect"];
      EXPECT_EQ(effect["sg"].get<bool>(), sg);
      EXPECT_EQ(run["parameters"]["nic"], sg ? "sg=on" : "sg=off");
      EXPECT_EQ(run["egress_scatter_gather"].get<bool>(), sg);
    }
  }
}

TEST_F(Veth, LedgerCountsTheLinearisingCopyOnlyWithoutScatterGather) {
  // msg-zerocopy is left out: its ledger models veth as a deferred copy
  // whatever the device does (strategies/msg_zerocopy.cpp).
  for (const char* strategy : {"sendfile", "splice"}) {
    const auto* s = transfer(strategy);
    if (!s) continue;  // not built in this tree
    Conditions c;
    c.sink = SinkKind::veth;
    c.egress_scatter_gather = true;
    auto on = s->ledger(c).cpu_copies(Side::sender);
    c.egress_scatter_gather = false;
    auto off = s->ledger(c).cpu_copies(Side::sender);
    EXPECT_EQ(off, on + 1) << strategy;
  }
}

TEST_F(Veth, OffloadsReadBackAsAsked) {
  NicRequest nic = parse_nic_request("sg=on,tso=off,gso=on");
  auto out = run_plan(veth_plan("sendfile", nic, 1u << 20, tmp_));
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  const auto& effect = run["sink_details"]["nic"]["in_effect"];
  EXPECT_TRUE(effect["sg"].get<bool>());
  EXPECT_FALSE(effect["tso"].get<bool>());
  EXPECT_TRUE(effect["gso"].get<bool>());

  // sg=off takes TSO and GSO down with it; the record says so.
  out = run_plan(veth_plan("sendfile", parse_nic_request("sg=off"), 1u << 20, tmp_));
  const auto& off = out.results["runs"][0]["sink_details"]["nic"]["in_effect"];
  EXPECT_FALSE(off["sg"].get<bool>());
  EXPECT_FALSE(off["tso"].get<bool>());
  EXPECT_FALSE(off["gso"].get<bool>());
}

TEST_F(Veth, KilledReceiverIsAnErrorAndLeavesNothing) {
  ::signal(SIGPIPE, SIG_IGN);  // as zc-bench does: a dead receiver is EPIPE, not death
  ::setenv("ZC_SINK_DIE_AFTER", "1048576", 1);
  auto out = run_plan(veth_plan("sendfile", {}, 16u << 20, tmp_));
  ::unsetenv("ZC_SINK_DIE_AFTER");
  const auto& run = out.results["runs"][0];
  ASSERT_EQ(run["status"], "error");
  EXPECT_NE(run["reason"].get<std::string>().find("signal 9"), std::string::npos) << run["reason"];
  EXPECT_TRUE(out.any_failed);
}

// The point of the veth sink: without scatter-gather the kernel copies
// every byte into linear buffers (and segments without offload), so the
// machine spends more CPU per byte. Sender and receiver together, since
// veth delivers in softirq on whichever side's CPU happens to run it.
TEST_F(Veth, SendfileCostsMoreCpuPerByteWithoutScatterGather) {
  Plan plan = veth_plan("sendfile", parse_nic_request("sg=on"), 64u << 20, tmp_, 3);
  auto off = plan.runs[0];
  off.conditions.nic = parse_nic_request("sg=off");
  off.conditions.egress_scatter_gather = false;
  plan.runs.push_back(off);
  auto out = run_plan(plan);
  const auto& on_run = out.results["runs"][0];
  const auto& off_run = out.results["runs"][1];
  ASSERT_EQ(on_run["status"], "ok") << on_run.value("reason", "");
  ASSERT_EQ(off_run["status"], "ok") << off_run.value("reason", "");
  double on_cpu = median(on_run, "total_cpu_ns_per_byte");
  double off_cpu = median(off_run, "total_cpu_ns_per_byte");
  EXPECT_GT(off_cpu, on_cpu) << "sg=on " << on_cpu << " ns/B, sg=off " << off_cpu << " ns/B";
}

TEST(VethNames, StaleNamespacesOfDeadOwnersAreSwept) {
  if (auto s = probe_net_admin(); !s) GTEST_SKIP() << *s.missing;
  // A pid that cannot be alive: above the kernel's pid_max ceiling.
  const std::string stale = "zcb-4194305-0-a";
  run_ip({"netns", "add", stale});
  auto removed = sweep_stale_namespaces();
  EXPECT_NE(std::find(removed.begin(), removed.end(), stale), removed.end());
  EXPECT_FALSE(std::filesystem::exists("/run/netns/" + stale));
}

}  // namespace
}  // namespace zc::testing
