#include "harness/report/ranking.hpp"

#include <gtest/gtest.h>

namespace zc {
namespace {

using nlohmann::json;

// A run as the runner writes it: per-repetition values and an available
// summary for its throughput and cpu roles (`cpu_key`: the workload's name
// for its cpu figure), and a total CPU figure without a role.
json run(const std::string& strategy, const std::string& group, std::vector<double> throughput,
         std::vector<double> cpu = {}, const std::string& cpu_key = "sender_cpu_ns_per_byte") {
  if (cpu.empty())
    for (double t : throughput) cpu.push_back(1e9 / t);
  json reps = json::array();
  for (std::size_t i = 0; i < throughput.size(); ++i)
    reps.push_back({{"index", i},
                    {"status", "ok"},
                    {"values",
                     {{"throughput_bytes_per_s", throughput[i]},
                      {cpu_key, cpu[i]},
                      {"total_cpu_ns_per_byte", throughput[i]}}}});
  json metric = {{"available", true}, {"median", 0}, {"better", "lower"}};
  json rate = metric, per_byte = metric;
  rate["better"] = "higher";
  rate["role"] = "throughput";
  per_byte["role"] = "cpu";
  return {
      {"name", strategy + "/" + group},
      {"strategy", strategy},
      {"status", "ok"},
      {"metrics",
       {{"throughput_bytes_per_s", rate}, {cpu_key, per_byte}, {"total_cpu_ns_per_byte", metric}}},
      {"repetitions", reps}};
}

std::vector<double> around(double center, std::size_t n = 6) {
  // A small deterministic spread: +-1.5% around the center.
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(center * (1 + 0.006 * (double(i) - 2.5)));
  return v;
}

const Ranking& throughput_of(const std::vector<Ranking>& rs, const std::string& group) {
  for (const auto& r : rs)
    if (r.metric == "throughput_bytes_per_s" && r.group == group) return r;
  throw std::runtime_error("no ranking for " + group);
}

TEST(Ranking, FastestFirstTiesShareARankAndTheSentenceSaysIt) {
  const std::string g = "null/size:64M/chunk:1M/cache:hot";
  json doc = {{"runs",
               {run("sendfile", g, around(1000)), run("read-write", g, around(1320)),
                run("splice", g, around(1001))}}};
  auto rankings = rank_results(doc);
  ASSERT_EQ(rankings.size(), 2u);  // throughput and CPU per byte
  const auto& r = throughput_of(rankings, g);
  ASSERT_EQ(r.runs.size(), 3u);
  EXPECT_EQ(r.runs[0].strategy, "read-write");
  EXPECT_EQ(r.runs[0].rank, 1);
  EXPECT_FALSE(r.runs[0].tied);
  EXPECT_EQ(r.runs[1].rank, 2);
  EXPECT_EQ(r.runs[2].rank, 2);
  EXPECT_TRUE(r.runs[1].tied);
  EXPECT_TRUE(r.runs[2].tied);
  ASSERT_TRUE(r.runs[1].ratio_to_best);
  EXPECT_NEAR(r.runs[1].ratio_to_best->estimate, 1001.0 / 1320, 0.01);
  auto s = ranking_sentence(r, false);
  EXPECT_NE(s.find("read-write is 1.32\u00d7 ("), std::string::npos) << s;
  EXPECT_NE(s.find("faster than splice"), std::string::npos) << s;
  EXPECT_NE(s.find("splice and sendfile are tied"), std::string::npos) << s;
  EXPECT_EQ(s.find("untested"), std::string::npos) << s;
  // CPU per byte: lower is better, so the fastest here is also the cheapest.
  const auto& cpu = rankings[1];
  EXPECT_EQ(cpu.metric, "sender_cpu_ns_per_byte");  // the cpu role, not a figure by name
  EXPECT_FALSE(cpu.higher_is_better);
  EXPECT_EQ(cpu.runs[0].strategy, "read-write");
  EXPECT_NE(ranking_sentence(cpu, false).find("the CPU per byte of read-write"), std::string::npos);
}

// Each workload names its cpu figure its own way; the ranking follows the
// role, so an ingest run ranks by its whole process, never by a thread figure.
TEST(Ranking, RanksTheCpuRoleWhateverTheWorkloadNamesIt) {
  const std::string g = "tcp/size:16M";
  json doc = {{"runs",
               {run("recv-write", g, around(1000), around(0.8), "process_cpu_ns_per_byte"),
                run("io-uring-ingest", g, around(1100), around(1.3), "process_cpu_ns_per_byte")}}};
  auto rankings = rank_results(doc);
  ASSERT_EQ(rankings.size(), 2u);
  EXPECT_EQ(rankings[1].metric, "process_cpu_ns_per_byte");
  EXPECT_EQ(rankings[1].runs[0].strategy, "recv-write");
  // Runs whose cpu roles are different figures are not ranked against each other.
  doc["runs"][1] = run("io-uring-ingest", g, around(1100), around(1.3), "cpu_ns_per_byte");
  rankings = rank_results(doc);
  ASSERT_EQ(rankings.size(), 1u);
  EXPECT_EQ(rankings[0].metric, "throughput_bytes_per_s");
}

TEST(Ranking, GroupsByEveryParameterButTheStrategy) {
  json doc = {
      {"runs",
       {run("sendfile", "null/size:1M", around(10)), run("splice", "null/size:1M", around(20)),
        run("sendfile", "tcp/size:1M", around(5)), run("splice", "tcp/size:1M", around(4)),
        run("read-write", "pipe/size:1M", around(3))}}};
  auto rankings = rank_results(doc);
  ASSERT_EQ(rankings.size(), 4u);  // pipe has one run: nothing to rank
  EXPECT_EQ(throughput_of(rankings, "null/size:1M").runs[0].strategy, "splice");
  EXPECT_EQ(throughput_of(rankings, "tcp/size:1M").runs[0].strategy, "sendfile");
  auto j = rankings_json(rankings);
  ASSERT_EQ(j.size(), 4u);
  EXPECT_NE(j[0]["sentence"].get<std::string>().find("(null/size:1M)"), std::string::npos);
  EXPECT_EQ(j[0]["runs"][1]["rank"], 2);
  EXPECT_TRUE(j[0]["runs"][1].contains("ratio_to_best"));
  EXPECT_LT(j[0]["runs"][1]["p_value_vs_best"].get<double>(), 0.05);
}

TEST(Ranking, TooFewRepetitionsAreRankedByMedianAndSaidUntested) {
  const std::string g = "null";
  json doc = {{"runs", {run("a", g, {1, 2, 3}), run("b", g, {10, 11, 12})}}};
  auto r = throughput_of(rank_results(doc), g);
  EXPECT_TRUE(r.too_few_repetitions);
  EXPECT_EQ(r.runs[0].strategy, "b");
  EXPECT_EQ(r.runs[1].rank, 2);
  EXPECT_FALSE(r.runs[1].tested);
  auto s = ranking_sentence(r, false);
  EXPECT_NE(s.find("90% interval"), std::string::npos) << s;
  EXPECT_NE(s.find("use --reps 4 or more"), std::string::npos) << s;
}

TEST(Ranking, SkipsRunsThatAreNotOkAndToleratesOddDocuments) {
  json doc = {{"runs",
               {run("a", "g", around(10)),
                run("b", "g", around(20)),
                {{"name", "c/g"}, {"strategy", "c"}, {"status", "error"}, {"reason", "boom"}}}}};
  auto r = throughput_of(rank_results(doc), "g");
  EXPECT_EQ(r.runs.size(), 2u);
  EXPECT_TRUE(rank_results(json::object()).empty());
  EXPECT_TRUE(rank_results({{"runs", 3}}).empty());
  EXPECT_TRUE(rank_results({{"runs", {1, "x", json::object()}}}).empty());
  // A wrongly typed value is skipped, not thrown.
  json odd = run("a", "g", {1, 2, 3, 4});
  odd["repetitions"][0]["values"]["throughput_bytes_per_s"] = "fast";
  EXPECT_EQ(repetition_values(odd, "throughput_bytes_per_s").size(), 3u);
}

}  // namespace
}  // namespace zc

namespace zc {
namespace {

// Medians and the Hodges-Lehmann estimate can disagree (a skewed spread):
// the sentence never reads "0.xx x faster" nor "takes 0.xx x the CPU", and
// an interval that holds 1 is said as "not told apart".
TEST(Ranking, ASentenceNeverReadsARatioBelowOne) {
  const std::string g = "null/size:64M/chunk:1M/cache:hot";
  // Three repetitions: ranked by medians, untested. a's median (10) is above
  // b's (9), but the estimate of b/a is 3 (median of the pairwise ratios).
  json doc = {{"runs", {run("a", g, {10, 10, 1}, {1, 1, 1}), run("b", g, {9, 9, 30}, {1, 1, 1})}}};
  for (const auto& r : rank_results(doc)) {
    auto sentence = ranking_sentence(r, true);
    EXPECT_EQ(sentence.find(" 0."), std::string::npos) << sentence;
  }
  auto sentence = ranking_sentence(throughput_of(rank_results(doc), g), true);
  EXPECT_NE(sentence.find("not told apart"), std::string::npos) << sentence;
}

}  // namespace
}  // namespace zc
