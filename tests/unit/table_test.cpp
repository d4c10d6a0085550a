#include "harness/report/table.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "harness/base/errors.hpp"
#include "harness/report/gbench.hpp"

namespace zc {
namespace {

using nlohmann::json;

json metric(double median) {
  return {{"available", true}, {"median", median}, {"mean", median}, {"min", median},
          {"max", median},     {"stddev", 0.0},    {"cv", 0.0}};
}

json run(const std::string& strategy, const std::string& status, bool figures) {
  json r = {{"name", strategy + "/tcp/size:1M/chunk:1M/cache:hot"},
            {"workload", "transfer"},
            {"strategy", strategy},
            {"sink", "tcp"},
            {"receiver", "recv"},
            {"status", status},
            {"verified", status == "ok"},
            {"parameters",
             {{"size", 1 << 20},
              {"chunk", 1 << 20},
              {"cache", "hot"},
              {"queue_depth", 8},
              {"repetitions", 3},
              {"warmup", 1}}},
            {"ledger",
             {{"cpu_copies", 2},
              {"dma_copies", 0},
              {"cpu_copies_sender", 1},
              {"cpu_copies_receiver", 1},
              {"copies_to_user", 0},
              {"copies_from_user", 1},
              {"syscalls_per_chunk", 1.0},
              {"mode_switches_per_chunk", 2.0}}},
            {"metrics", json::object()},
            {"repetitions", json::array()}};
  if (status != "ok") r["reason"] = status == "unsupported" ? "needs a feature" : "stopped";
  if (figures) {
    r["metrics"]["wall_s"] = metric(0.001);
    r["metrics"]["throughput_bytes_per_s"] = metric(1234e6);
    r["metrics"]["throughput_bytes_per_s"]["role"] = "throughput";
    r["metrics"]["sender_cpu_ns_per_byte"] = metric(0.5);
    r["metrics"]["sender_cpu_ns_per_byte"]["role"] = "cpu";
    json values = {
        {"wall_s", 0.001}, {"throughput_bytes_per_s", 1234e6}, {"sender_cpu_ns_per_byte", 0.5}};
    r["repetitions"] = {{{"index", 0}, {"status", "ok"}, {"values", values}},
                        {{"index", 1}, {"status", "ok"}, {"values", values}}};
  }
  return r;
}

json document(json runs) {
  return {{"schema", "zc-bench/1"},
          {"complete", false},
          {"incomplete_reason", "stopped by signal 2"},
          {"environment", {{"warnings", json::array()}, {"hostname", "h"}, {"cores", 2}}},
          {"runs", std::move(runs)}};
}

std::string render(const json& doc, TableOptions options) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* out = ::open_memstream(&buf, &len);
  print_table(doc, out, options);
  std::fclose(out);
  std::string text(buf, len);
  std::free(buf);
  return text;
}

TEST(Table, InterruptedRunShowsTheRepetitionsItFinished) {
  auto text = render(document({run("sendfile", "ok", true), run("splice", "interrupted", true),
                               run("direct-io", "interrupted", false)}),
                     {});
  std::istringstream lines(text);
  std::string line, splice, direct;
  while (std::getline(lines, line)) {
    if (line.rfind("splice ", 0) == 0) splice = line;
    if (line.rfind("direct-io ", 0) == 0) direct = line;
  }
  EXPECT_NE(splice.find("1234"), std::string::npos) << text;
  EXPECT_NE(splice.find("interrupted"), std::string::npos) << text;
  EXPECT_NE(text.find("interrupted after 2 repetitions of 3"), std::string::npos) << text;
  EXPECT_NE(direct.find("interrupted: stopped"), std::string::npos) << text;  // no figures
  EXPECT_NE(text.find("INCOMPLETE: stopped by signal 2"), std::string::npos) << text;
}

TEST(Table, FitsTheWidthAndSaysWhatItLeftOut) {
  json runs = json::array();
  for (auto s : {"io-uring-send-zc", "read-write"}) runs.push_back(run(s, "ok", true));
  runs.push_back(run("copy-file-range", "unsupported", false));
  runs.back()["reason"] = std::string(200, 'x') + " with words to wrap at the width given";
  for (std::size_t width : {50, 80}) {
    TableOptions options;
    options.width = width;
    options.copies = true;
    auto text = render(document(runs), options);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) EXPECT_LE(display_width(line), width) << line;
    EXPECT_NE(text.find("more columns: --columns"), std::string::npos) << text;
  }
  TableOptions wide;
  wide.wide = true;
  EXPECT_NE(render(document(runs), wide).find("to/from user"), std::string::npos);
}

TEST(Table, ColumnsAreCheckedAgainstEveryTable) {
  EXPECT_NO_THROW(check_column_ids({"mbps", "linear", "syncs", "check"}, table_column_ids()));
  EXPECT_THROW(check_column_ids({"bogus"}, table_column_ids()), std::exception);
}

// --units: the tables' rates in the unit asked; the JSON is untouched.
TEST(Table, RatesInTheUnitAsked) {
  json runs = {run("sendfile", "ok", true), run("splice", "ok", true)};
  TableOptions gbit;
  gbit.units = rate_unit("Gbit/s");
  auto text = render(document(runs), gbit);
  EXPECT_NE(text.find("Gbit/s"), std::string::npos) << text;
  EXPECT_NE(text.find("9.87"), std::string::npos) << text;  // 1234e6 B/s = 9.872 Gbit/s
  EXPECT_EQ(text.find("MB/s"), std::string::npos) << text;
  EXPECT_NE(text.find("Gbit/s = 10^9 bits/s"), std::string::npos) << text;
  TableOptions mib;
  mib.units = rate_unit("mib/s");  // any case
  text = render(document(runs), mib);
  EXPECT_NE(text.find("1177"), std::string::npos) << text;  // 1234e6 / 2^20
  EXPECT_EQ(render(document(runs), {}).find("Gbit/s"), std::string::npos);
  EXPECT_THROW(rate_unit("furlongs"), UsageError);
}

// The legend explains the columns shown, and no other.
TEST(Table, LegendNamesOnlyTheColumnsShown) {
  json runs = {run("sendfile", "ok", true), run("splice", "ok", true)};
  TableOptions only;
  only.columns = {"mbps", "snd"};
  auto text = render(document(runs), only);
  EXPECT_NE(text.find("snd ns/B ="), std::string::npos) << text;
  EXPECT_EQ(text.find("rcv ns/B"), std::string::npos) << text;
  EXPECT_EQ(text.find("verified ="), std::string::npos) << text;
  // A shared legend names the shown columns that share it.
  Column p50{"p50", "p50 us", false, true, false, 0, true, "{} = time per record", nullptr};
  Column p99{"p99", "p99 us", false, true, false, 0, true, "{} = time per record", nullptr};
  Column mb{"mbps", "MB/s", false, true, false, 0, true, "MB/s = 10^6 bytes/s", nullptr};
  EXPECT_EQ(legend_of({&mb, &p99}), "MB/s = 10^6 bytes/s; p99 = time per record");
  EXPECT_EQ(legend_of({&p50, &mb, &p99}), "p50/p99 = time per record; MB/s = 10^6 bytes/s");
}

// Notes: at most kNoteLines lines of them, then how many more; all with
// --notes.
TEST(Table, NotesAreShortUnlessAsked) {
  auto doc = document({run("sendfile", "ok", true), run("splice", "ok", true)});
  doc["complete"] = true;
  for (int i = 0; i < 8; ++i)
    doc["environment"]["warnings"].push_back("machine warning number " + std::to_string(i));
  auto count_notes = [](const std::string& text) {
    int n = 0;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) n += line.find("machine warning number") != std::string::npos;
    return n;
  };
  TableOptions options;
  auto text = render(doc, options);
  EXPECT_EQ(count_notes(text), int(kNoteLines) - 1) << text;
  EXPECT_NE(text.find("4 more notes (4 lines): --notes or -v shows them"), std::string::npos)
      << text;
  options.all_notes = true;
  text = render(doc, options);
  EXPECT_EQ(count_notes(text), 8) << text;
  EXPECT_EQ(text.find("more notes"), std::string::npos) << text;
  // Few enough: all of them, and no count.
  doc["environment"]["warnings"] = {"one", "two"};
  EXPECT_EQ(render(doc, {}).find("more note"), std::string::npos);
}

// --time: the heading says how many repetitions each run's time held.
TEST(Table, TimeBasedRunsSayTheirRepetitions) {
  json runs = {run("sendfile", "ok", true), run("splice", "ok", true)};
  runs[0]["parameters"]["repetitions"] = 4;
  runs[1]["parameters"]["repetitions"] = 9;
  for (auto& r : runs) r["time_based"] = {{"seconds", 2}, {"timed_s", 2.1}, {"repetitions", 4}};
  EXPECT_EQ(repetitions_phrase(runs),
            "medians of 4\u20139 repetitions in 2 s per run (--time) (after 1 untimed warm-up)");
}

TEST(Gbench, UndefinedStatisticsAreLeftOutNotNaN) {
  auto doc = document({run("sendfile", "ok", true), run("copy-file-range", "unsupported", false)});
  doc["environment"]["cpu_governor"] = {{"available", false}, {"reason", "no cpufreq"}};
  auto& m = doc["runs"][0]["metrics"];
  m["wall_s"]["cv"] = nullptr;  // what a NaN becomes in the results document
  m["throughput_bytes_per_s"]["ci95_low"] = 1200e6;
  m["throughput_bytes_per_s"]["ci95_high"] = 1300e6;
  auto out = to_gbench(doc);
  for (const auto& b : out["benchmarks"]) EXPECT_NE(b.value("aggregate_name", ""), "cv") << b;
  EXPECT_TRUE(out["benchmarks"].back()["skipped"].get<bool>());
  EXPECT_FALSE(out["context"]["cpu_scaling_enabled"].get<bool>());
  EXPECT_EQ(out.dump().find("NaN"), std::string::npos);
  // cpu_time: the cpu role's ns/B times the bytes moved (throughput x wall time).
  for (const auto& b : out["benchmarks"])
    if (!b.value("skipped", false) &&
        (b["run_type"] == "iteration" || b.value("aggregate_name", "") == "median"))
      EXPECT_NEAR(b["cpu_time"].get<double>(), 0.5 * 1234e6 * 0.001, 1) << b;
  // Dashboards plot a rate: Google Benchmark's bytes_per_second on every
  // repetition; the only aggregate is the median, its interval as counters.
  for (const auto& b : out["benchmarks"]) {
    if (b.value("skipped", false)) continue;
    EXPECT_DOUBLE_EQ(b["bytes_per_second"].get<double>(), 1234e6) << b;
    if (b["run_type"] != "aggregate") continue;
    EXPECT_EQ(b["aggregate_name"], "median") << b;
    EXPECT_TRUE(b.contains("bytes_per_second_ci95_low") && b.contains("bytes_per_second_ci95_high"))
        << b;
  }
  auto aggregates = to_gbench(doc, {/*aggregates_only=*/true});
  EXPECT_FALSE(aggregates["benchmarks"].empty());
  for (const auto& b : aggregates["benchmarks"]) {
    EXPECT_EQ(b["run_type"], "aggregate") << b;
    EXPECT_EQ(b["aggregate_unit"], "time") << b;
  }
}

TEST(GithubBenchmark, OneEntryPerRunWithFiguresAsTheCustomToolsRead) {
  auto doc = document({run("sendfile", "ok", true), run("copy-file-range", "unsupported", false)});
  doc["runs"][0]["metrics"]["throughput_bytes_per_s"]["ci95_low"] = 1200e6;
  doc["runs"][0]["metrics"]["throughput_bytes_per_s"]["ci95_high"] = 1300e6;
  auto bigger = to_github_benchmark(doc, "throughput");
  ASSERT_TRUE(bigger.is_array());
  ASSERT_EQ(bigger.size(), 1u) << bigger;
  EXPECT_EQ(bigger[0]["name"], "sendfile/tcp/size:1M/chunk:1M/cache:hot");
  EXPECT_EQ(bigger[0]["unit"], "MB/s");
  EXPECT_DOUBLE_EQ(bigger[0]["value"].get<double>(), 1234.0);
  EXPECT_EQ(bigger[0]["range"], "\u00b1 50.0") << bigger;
  EXPECT_NE(bigger[0]["extra"].get<std::string>().find("2 repetitions"), std::string::npos);
  auto smaller = to_github_benchmark(doc, "cpu");
  ASSERT_EQ(smaller.size(), 1u);
  EXPECT_EQ(smaller[0]["unit"], "ns/B");
  EXPECT_DOUBLE_EQ(smaller[0]["value"].get<double>(), 0.5);
}

}  // namespace
}  // namespace zc
