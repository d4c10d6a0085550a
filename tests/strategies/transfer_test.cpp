// Every transfer strategy x every sink it supports delivers byte-identical
// data, at sizes that are not a multiple of the chunk and below a page.
#include "harness_fixture.hpp"

namespace zc::testing {
namespace {

struct Case {
  std::string strategy;
  SinkKind sink;
  std::uint64_t size;
  std::uint64_t chunk;
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto* s : Registry::instance().all(kTransferWorkload))
    for (auto sink :
         {SinkKind::tcp, SinkKind::unix_stream, SinkKind::pipe, SinkKind::null, SinkKind::file})
      for (auto [size, chunk] : {std::pair<std::uint64_t, std::uint64_t>{3000, 1000},
                                 {(1u << 20) + 4097, 64u << 10},
                                 {4u << 20, 1u << 20}})
        if (s->accepts_sink(sink)) out.push_back({std::string(s->id()), sink, size, chunk});
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.strategy << " to " << to_string(c.sink) << ", " << c.size << " bytes in " << c.chunk
      << "-byte chunks";
}

class Delivery : public ::testing::TestWithParam<Case> {};

TEST_P(Delivery, BytesArriveIntactAndNothingIsLeftBehind) {
  const auto& c = GetParam();
  const auto* s = transfer(c.strategy);
  ASSERT_NE(s, nullptr);
  auto tmp = fresh_dir("delivery");
  auto plan = small_plan(s, c.sink, c.size, c.chunk, tmp);
  if (auto support = s->probe(plan.runs[0].conditions); !support)
    GTEST_SKIP() << "unsupported here: " << *support.missing;
  auto out = run_plan(plan);
  const auto& run = out.results["runs"][0];
  if (run["status"] == "unsupported") GTEST_SKIP() << "unsupported here: " << run["reason"];
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_FALSE(out.any_failed);
  ASSERT_EQ(run["repetitions"].size(), 2u);
  if (c.sink == SinkKind::null) {
    EXPECT_FALSE(run["verified"].get<bool>());
    EXPECT_FALSE(run["unverified_reason"].get<std::string>().empty());
  } else {
    EXPECT_TRUE(run["verified"].get<bool>()) << run.dump();
  }
  EXPECT_EQ(median(run, "chunks"), double((c.size + c.chunk - 1) / c.chunk));
  EXPECT_TRUE(dir_is_empty(tmp)) << "temporary files left in " << tmp;
  EXPECT_EQ(live_children(), 0);
  std::filesystem::remove_all(tmp);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.strategy + "_" + std::string(to_string(info.param.sink)) + "_" +
                  std::to_string(info.param.size);
  for (auto& ch : n)
    if (ch == '-') ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, Delivery, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace zc::testing
