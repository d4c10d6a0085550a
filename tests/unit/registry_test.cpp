#include "harness/core/registry.hpp"

#include <gtest/gtest.h>

#include "harness/core/append.hpp"
#include "harness/core/transfer.hpp"

namespace zc {
namespace {

class FakeStrategy : public TransferStrategy {
 public:
  FakeStrategy(std::string id, bool empty_ledger) : id_(std::move(id)), empty_(empty_ledger) {}
  std::string_view id() const override { return id_; }
  std::string_view data_path() const override { return "test only"; }
  Ledger ledger(const Conditions& c) const override {
    if (empty_) return {};
    return LedgerBuilder(c).sink_copy_from(Place::user_buffer).done(1);
  }
  std::unique_ptr<TransferSession> prepare(const TransferContext&) const override {
    return nullptr;
  }

 private:
  std::string id_;
  bool empty_;
};

class FakeAppend : public AppendStrategy {
 public:
  std::string_view id() const override { return "aa-append"; }
  std::string_view data_path() const override { return "test only"; }
  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c).sink_copy_from(Place::user_buffer).done(1);
  }
  std::unique_ptr<AppendSession> prepare(const AppendContext&) const override { return nullptr; }
};

// A strategy missing from the listing order goes last within its workload,
// not after every other workload's strategies.
TEST(Registry, ListsByWorkloadThenTheStorysOrder) {
  Registry r;
  r.add(std::make_unique<FakeAppend>());
  r.add(std::make_unique<FakeStrategy>("zz-new", false));
  r.add(std::make_unique<FakeStrategy>("sendfile", false));
  auto all = r.all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->id(), "sendfile");
  EXPECT_EQ(all[1]->id(), "zz-new");
  EXPECT_EQ(all[2]->id(), "aa-append");
  EXPECT_EQ(r.all(kAppendWorkload).size(), 1u);
}

TEST(Registry, RefusesDuplicatesEmptyLedgersAndBadIds) {
  Registry r;
  r.add(std::make_unique<FakeStrategy>("fake", false));
  EXPECT_THROW(r.add(std::make_unique<FakeStrategy>("fake", false)), std::invalid_argument);
  EXPECT_THROW(r.add(std::make_unique<FakeStrategy>("empty", true)), std::invalid_argument);
  EXPECT_THROW(r.add(std::make_unique<FakeStrategy>("Bad_Id", false)), std::invalid_argument);
  EXPECT_NE(r.find("fake"), nullptr);
  EXPECT_EQ(r.find("empty"), nullptr);
}

TEST(Registry, TheClassicStrategiesRegisterThemselves) {
  for (auto id : {"read-write", "mmap-write", "sendfile"})
    EXPECT_NE(Registry::instance().find(id), nullptr) << id;
}

TEST(Ledger, FollowsTheConditionsNotTheName) {
  Conditions c;
  c.sink = SinkKind::tcp;
  auto* rw = Registry::instance().find("read-write");
  auto hot = rw->ledger(c);
  EXPECT_EQ(hot.cpu_copies(Side::sender), 2);
  EXPECT_EQ(hot.cpu_copies(Side::receiver), 1);
  EXPECT_EQ(hot.dma_copies(), 0);
  c.cache = CacheState::cold;
  EXPECT_EQ(rw->ledger(c).dma_copies(), 1);
  auto* sf = Registry::instance().find("sendfile");
  c.cache = CacheState::hot;
  EXPECT_EQ(sf->ledger(c).cpu_copies(Side::sender), 0);
  c.egress_scatter_gather = false;
  EXPECT_EQ(sf->ledger(c).cpu_copies(Side::sender), 1);
  c.sink = SinkKind::null;
  EXPECT_EQ(rw->ledger(c).copies_from_user(), 0);
  EXPECT_EQ(rw->ledger(c).mode_switches_per_chunk(), 4);
}

}  // namespace
}  // namespace zc
