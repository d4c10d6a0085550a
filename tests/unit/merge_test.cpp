#include "harness/report/merge.hpp"

#include <gtest/gtest.h>

#include "harness/base/errors.hpp"

namespace zc {
namespace {

using nlohmann::json;

json document(const std::string& hostname, std::vector<json> runs, json extra = json::object()) {
  json doc = {{"schema", "zc-bench/1"},
              {"complete", true},
              {"started_at", "2026-01-02T03:04:05Z"},
              {"finished_at", "2026-01-02T03:05:05Z"},
              {"environment", {{"hostname", hostname}, {"warnings", json::array()}}},
              {"runs", runs}};
  doc.update(extra);
  return doc;
}

json run(const std::string& name, json fields = json::object()) {
  json r = {
      {"name", name}, {"strategy", "sendfile"}, {"status", "ok"}, {"parameters", json::object()}};
  r.update(fields);
  return r;
}

TEST(Merge, EachRunKeepsItsHostAndPeerAndItsNameSaysTheHost) {
  auto merged = merge_results(
      {{"a.json", document("a", {run("sendfile/remote", {{"host", "a"}, {"peer", "b"}})})},
       {"b.json", document("b", {run("sendfile/remote",
                                     {{"parameters", {{"remote", "[fd00::1]:7700"}}}})})}});
  const auto& runs = merged["runs"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["name"], "sendfile/remote/host:a");
  EXPECT_EQ(runs[0]["peer"], "b");
  // A file from before `host` and `peer`: the environment's hostname, the
  // address's host.
  EXPECT_EQ(runs[1]["host"], "b");
  EXPECT_EQ(runs[1]["peer"], "fd00::1");
  EXPECT_EQ(merged["hosts"].size(), 2u);
  EXPECT_EQ(merged["merged_from"][1]["file"], "b.json");
}

TEST(Merge, MergingAMergedDocumentKeepsTheNames) {
  auto once = merge_results({{"a.json", document("a", {run("x")})}});
  auto twice = merge_results({{"once.json", once}});
  EXPECT_EQ(twice["runs"][0]["name"], "x/host:a");
}

TEST(Merge, TheSameRunOfTheSameHostTwiceIsRefused) {
  auto doc = document("a", {run("x")});
  EXPECT_THROW(merge_results({{"a.json", doc}, {"copy.json", doc}}), UsageError);
  EXPECT_THROW(merge_results({}), UsageError);
}

TEST(Merge, FieldsTheFilesDisagreeOnAreLeftOutWithAWarning) {
  auto merged = merge_results({{"a.json", document("a", {run("x")}, {{"preset", "kafka"}})},
                               {"b.json", document("b", {run("x")}, {{"preset", "append"}})},
                               {"c.json", document("c", {run("y")}, {{"preset", "append"}})}});
  EXPECT_FALSE(merged.contains("preset"));
  std::string warnings = merged["environment"]["warnings"].dump();
  EXPECT_NE(warnings.find("differ in \\\"preset\\\""), std::string::npos) << warnings;
  auto agreed = merge_results({{"a.json", document("a", {run("x")}, {{"preset", "kafka"}})},
                               {"b.json", document("b", {run("x")}, {{"preset", "kafka"}})}});
  EXPECT_EQ(agreed["preset"], "kafka");
}

TEST(Merge, IncompleteWhenAnyFileIsAndTheTimesSpanAll) {
  auto late = document("b", {run("x")},
                       {{"complete", false},
                        {"incomplete_reason", "stopped by signal 2"},
                        {"started_at", "2026-01-02T04:00:00Z"},
                        {"finished_at", "2026-01-02T04:10:00Z"}});
  auto merged = merge_results({{"a.json", document("a", {run("x")})}, {"b.json", late}});
  EXPECT_EQ(merged["complete"], false);
  EXPECT_EQ(merged["incomplete_reason"], "b.json: stopped by signal 2");
  EXPECT_EQ(merged["started_at"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(merged["finished_at"], "2026-01-02T04:10:00Z");
}

}  // namespace
}  // namespace zc
