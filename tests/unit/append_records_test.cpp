// The pure parts of the append workload: sync policy parsing, the slot
// order, and record contents that make a misplaced record visible.
#include "harness/workloads/append/append_records.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace zc {
namespace {

TEST(SyncPolicy, ParsesEveryForm) {
  EXPECT_EQ(SyncPolicy::parse("none")->kind, SyncPolicy::Kind::none);
  EXPECT_EQ(SyncPolicy::parse("dsync")->kind, SyncPolicy::Kind::dsync);
  auto every = SyncPolicy::parse("every:8");
  ASSERT_TRUE(every);
  EXPECT_EQ(every->kind, SyncPolicy::Kind::every);
  EXPECT_EQ(every->n, 8u);
  EXPECT_EQ(every->text(), "every:8");
  EXPECT_EQ(SyncPolicy::parse("interval:250")->text(), "interval:250");
  for (auto bad :
       {"", "every", "every:", "every:0", "every:-1", "every:1x", "interval:0", "sync", "always"})
    EXPECT_FALSE(SyncPolicy::parse(bad)) << bad;
}

TEST(SlotOrder, SeqIsInOrderAndRandomIsASeededPermutation) {
  auto seq = slot_order(1000, AppendPattern::seq, 7);
  EXPECT_TRUE(std::is_sorted(seq.begin(), seq.end()));
  auto a = slot_order(1000, AppendPattern::random, 7);
  auto b = slot_order(1000, AppendPattern::random, 7);
  auto c = slot_order(1000, AppendPattern::random, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, seq);
  std::sort(a.begin(), a.end());
  EXPECT_EQ(a, seq);  // every slot exactly once
}

TEST(RecordSource, RecordsDifferAndTheLastOneIsShort) {
  RecordSource r(3000, 10000, 1);
  EXPECT_EQ(r.records(), 4u);
  EXPECT_EQ(r.length(0), 3000u);
  EXPECT_EQ(r.length(3), 1000u);
  std::string first(r.fill(0), 3000);
  // Slot 16 shares slot 0's pool buffer; the stamp still tells them apart.
  RecordSource big(64, 64 * 64, 1);
  std::string s0(big.fill(0), 64), s16(big.fill(16), 64);
  EXPECT_NE(s0, s16);
  EXPECT_EQ(std::string(r.fill(0), 3000), first);  // deterministic
  EXPECT_EQ(RecordSource(3000, 10000, 1).expected_hash(), r.expected_hash());
  EXPECT_NE(RecordSource(3000, 10000, 2).expected_hash(), r.expected_hash());
}

}  // namespace
}  // namespace zc
