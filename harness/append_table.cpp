#include "harness/append_table.hpp"

#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "harness/units.hpp"

namespace zc {
namespace {

using nlohmann::json;


const json* metric(const json& run, const char* key) {
  auto it = run["metrics"].find(key);
  if (it == run["metrics"].end() || !it->value("available", false) || !it->contains("median"))
    return nullptr;
  return &*it;
}

std::string median(const json& run, const char* key, double scale, int decimals) {
  auto* m = metric(run, key);
  return m ? format_fixed((*m)["median"].get<double>() * scale, decimals) : "n/a";
}

std::string human_bytes(const json& run, const char* key) {
  auto* m = metric(run, key);
  if (!m) return "n/a";
  double b = (*m)["median"].get<double>();
  if (b >= 1e9) return format_fixed(b / 1e9, 2) + "G";
  if (b >= 1e6) return format_fixed(b / 1e6, 1) + "M";
  if (b >= 1e3) return format_fixed(b / 1e3, 1) + "K";
  return format_fixed(b, 0);
}

std::string cv_percent(const json& run) {
  auto* m = metric(run, "throughput_bytes_per_s");
  return m && m->contains("cv") ? format_fixed((*m)["cv"].get<double>() * 100, 1) + "%" : "-";
}

struct Table {
  std::vector<std::string> titles;
  std::vector<bool> left;
  std::vector<std::vector<std::string>> rows;

  void print(std::FILE* out) const {
    std::vector<std::size_t> width(titles.size());
    for (std::size_t i = 0; i < titles.size(); ++i) {
      width[i] = titles[i].size();
      for (auto& r : rows) width[i] = std::max(width[i], r[i].size());
    }
    auto row = [&](const std::vector<std::string>& cells) {
      for (std::size_t i = 0; i < titles.size(); ++i)
        std::fprintf(out, left[i] ? "%-*s%s" : "%*s%s", int(width[i]), cells[i].c_str(),
                     i + 1 < titles.size() ? "  " : "\n");
    };
    row(titles);
    for (auto& r : rows) row(r);
  }
};

std::string label(const json& run) {
  const auto& p = run["parameters"];
  return std::string(run["strategy"]) + "/" + std::string(p["pattern"]) + "/sync:" +
         std::string(p["sync"]) + "/record:" + format_size(p["record"]);
}

// seq / random of a metric's medians, or why there is no ratio.
std::string ratio(const json* seq, const json* random, const char* key) {
  if (!seq || !random) return "-";
  auto* a = metric(*seq, key);
  auto* b = metric(*random, key);
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
  Table t{{"strategy", "size", "record", "sync", "seq MB/s", "random MB/s", "seq/random",
           "durable seq MB/s", "durable random MB/s", "seq/random"},
          {true, false, false, true, false, false, false, false, false, false},
          {}};
  for (const auto& k : order) {
    auto [seq, random] = groups[k];
    if (!seq && !random) continue;
    auto mb = [](const json* run, const char* key) {
      return run ? median(*run, key, 1e-6, 1) : std::string("-");
    };
    t.rows.push_back({std::get<0>(k), format_size(std::get<1>(k)), format_size(std::get<2>(k)),
                      std::get<3>(k), mb(seq, "throughput_bytes_per_s"),
                      mb(random, "throughput_bytes_per_s"),
                      ratio(seq, random, "throughput_bytes_per_s"),
                      mb(seq, "durable_throughput_bytes_per_s"),
                      mb(random, "durable_throughput_bytes_per_s"),
                      ratio(seq, random, "durable_throughput_bytes_per_s")});
  }
  if (t.rows.empty()) return;
  std::fprintf(out, "\nseq vs random (medians; durable = including the final sync after the "
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
  Table t{{"strategy", "size", "record", "pattern", "sync", "MB/s", "cv", "records/s",
           "p50 us", "p99 us", "max us", "syncs", "final sync ms", "storage write", "ns/B",
           "ctx sw", "faults", "verified"},
          {true, false, false, true, true, false, false, false, false, false, false, false,
           false, false, false, false, false, true},
          {}};
  std::vector<std::string> notes;
  for (const auto& run : results["runs"]) {
    const auto& p = run["parameters"];
    std::vector<std::string> row = {run["strategy"], format_size(p["size"]),
                                    format_size(p["record"]), p["pattern"], p["sync"]};
    if (run["status"] == "ok") {
      auto sw = [&] {
        auto* a = metric(run, "voluntary_switches");
        auto* b = metric(run, "involuntary_switches");
        return a && b ? std::to_string(std::lround((*a)["median"].get<double>() +
                                                   (*b)["median"].get<double>()))
                      : std::string("n/a");
      };
      row.insert(row.end(),
                 {median(run, "throughput_bytes_per_s", 1e-6, 1), cv_percent(run),
                  median(run, "records_per_s", 1, 0), median(run, "latency_p50_ns", 1e-3, 1),
                  median(run, "latency_p99_ns", 1e-3, 1), median(run, "latency_max_ns", 1e-3, 0),
                  median(run, "syncs", 1, 0), median(run, "final_sync_s", 1e3, 1),
                  human_bytes(run, "storage_write_bytes"), median(run, "cpu_ns_per_byte", 1, 3),
                  sw(), median(run, "minor_faults", 1, 0),
                  run.value("verified", false) ? "yes" : "no"});
      if (auto* m = run["metrics"].find("storage_write_bytes") != run["metrics"].end()
                        ? &run["metrics"]["storage_write_bytes"]
                        : nullptr;
          m && !m->value("available", true))
        notes.push_back(label(run) + ": storage write n/a: " + m->value("reason", ""));
    } else {
      row.insert(row.end(), {std::string(run["status"]), "", "", "", "", "", "", "", "", "", "",
                             "", ""});
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
