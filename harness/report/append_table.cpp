#include "harness/report/append_table.hpp"

#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/text_table.hpp"

namespace zc {
namespace {

using nlohmann::json;

std::string label(const json& run) {
  const auto& p = run["parameters"];
  return std::string(run["strategy"]) + "/" + std::string(p["pattern"]) +
         "/sync:" + std::string(p["sync"]) + "/record:" + format_size(p["record"]);
}

// seq / random of a metric's medians, or why there is no ratio.
std::string ratio(const json* seq, const json* random, const char* key) {
  if (!seq || !random) return "-";
  auto* a = measured_metric(*seq, key);
  auto* b = measured_metric(*random, key);
  if (!a || !b || (*b)["median"].get<double>() <= 0) return "n/a";
  return format_fixed((*a)["median"].get<double>() / (*b)["median"].get<double>(), 2);
}

void print_ratios(const json& results, std::FILE* out) {
  // (strategy, size, record, sync) -> the ok runs of each pattern.
  using Key = std::tuple<std::string, std::uint64_t, std::uint64_t, std::string>;
  std::map<Key, std::pair<const json*, const json*>> groups;
  std::vector<Key> order;
  for (const auto& run : results["runs"]) {
    const auto& p = run["parameters"];
    Key k{run["strategy"], p["size"], p["record"], p["sync"]};
    if (!groups.count(k)) order.push_back(k);
    auto& g = groups[k];
    if (run["status"] != "ok") continue;
    (p["pattern"] == "seq" ? g.first : g.second) = &run;
  }
  TextTable t{{"strategy", "size", "record", "sync", "seq MB/s", "random MB/s", "seq/random",
               "durable seq MB/s", "durable random MB/s", "seq/random"},
              {true, false, false, true, false, false, false, false, false, false},
              {}};
  for (const auto& k : order) {
    auto [seq, random] = groups[k];
    if (!seq && !random) continue;
    auto mb = [](const json* run, std::string_view key) {
      return run ? median_cell(*run, key, 1e-6, 1) : std::string("-");
    };
    t.rows.push_back(
        {std::get<0>(k), format_size(std::get<1>(k)), format_size(std::get<2>(k)), std::get<3>(k),
         mb(seq, "throughput_bytes_per_s"), mb(random, "throughput_bytes_per_s"),
         ratio(seq, random, "throughput_bytes_per_s"), mb(seq, "durable_throughput_bytes_per_s"),
         mb(random, "durable_throughput_bytes_per_s"),
         ratio(seq, random, "durable_throughput_bytes_per_s")});
  }
  if (t.rows.empty()) return;
  std::fprintf(out,
               "\nseq vs random (medians; durable = including the final sync after the "
               "last record)\n");
  t.print(out);
}

}  // namespace

bool is_append_results(const json& results) {
  if (results["runs"].empty()) return false;
  for (const auto& run : results["runs"])
    if (run.value("workload", "") != "append") return false;
  return true;
}

void print_append_table(const json& results, std::FILE* out) {
  TextTable t{{"strategy", "size", "record", "pattern", "sync", "MB/s", "cv", "records/s", "p50 us",
               "p99 us", "max us", "syncs", "final sync ms", "storage write", "ns/B", "ctx sw",
               "faults", "verified"},
              {true, false, false, true, true, false, false, false, false, false, false, false,
               false, false, false, false, false, true},
              {}};
  std::vector<std::string> notes;
  for (const auto& run : results["runs"]) {
    const auto& p = run["parameters"];
    std::vector<std::string> row = {run["strategy"], format_size(p["size"]),
                                    format_size(p["record"]), p["pattern"], p["sync"]};
    if (run["status"] == "ok") {
      row.insert(
          row.end(),
          {median_cell(run, "throughput_bytes_per_s", 1e-6, 1), cv_cell(run),
           median_cell(run, "records_per_s", 1, 0), median_cell(run, "latency_p50_ns", 1e-3, 1),
           median_cell(run, "latency_p99_ns", 1e-3, 1), median_cell(run, "latency_max_ns", 1e-3, 0),
           median_cell(run, "syncs", 1, 0), median_cell(run, "final_sync_s", 1e3, 1),
           median_bytes_cell(run, "storage_write_bytes"), median_cell(run, "cpu_ns_per_byte", 1, 3),
           median_sum_cell(run, {"voluntary_switches", "involuntary_switches"}),
           median_cell(run, "minor_faults", 1, 0), run.value("verified", false) ? "yes" : "no"});
      if (auto* m = run["metrics"].find("storage_write_bytes") != run["metrics"].end()
                        ? &run["metrics"]["storage_write_bytes"]
                        : nullptr;
          m && !m->value("available", true))
        notes.push_back(label(run) + ": storage write n/a: " + m->value("reason", ""));
    } else {
      row.insert(row.end(),
                 {std::string(run["status"]), "", "", "", "", "", "", "", "", "", "", "", ""});
      notes.push_back(label(run) + ": " + std::string(run["status"]) + ": " +
                      run.value("reason", std::string()));
    }
    for (const auto& w : run.value("warnings", json::array()))
      notes.push_back(label(run) + ": warning: " + w.get<std::string>());
    t.rows.push_back(std::move(row));
  }
  t.print(out);
  std::fprintf(out,
               "medians of %d repetitions; MB/s = 10^6 bytes/s until the last record returned; "
               "latency per record including the sync issued after it; storage write = "
               "/proc/self/io write_bytes after a final sync; ns/B = CPU per byte (rusage); "
               "every log verified by hash\n",
               results["runs"][0]["parameters"]["repetitions"].get<int>());
  print_ratios(results, out);
  for (const auto& w : results["environment"]["warnings"])
    std::fprintf(out, "warning: %s\n", w.get<std::string>().c_str());
  for (const auto& n : notes) std::fprintf(out, "%s\n", n.c_str());
  if (!results.value("complete", true))
    std::fprintf(out, "INCOMPLETE: %s\n", results.value("incomplete_reason", "").c_str());
}

}  // namespace zc
