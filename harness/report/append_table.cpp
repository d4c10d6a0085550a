#include "harness/report/append_table.hpp"

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/table.hpp"

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

void print_ratios(const json& results, std::FILE* out, const TableOptions& options) {
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
  const std::string unit(options.units.name);
  TextTable t{{"strategy", "size", "record", "sync", "seq " + unit, "random " + unit, "seq/random",
               "durable seq", "durable random", "seq/random"},
              {true, false, false, true, false, false, false, false, false, false},
              {}};
  for (const auto& k : order) {
    auto [seq, random] = groups[k];
    if (!seq && !random) continue;
    auto mb = [&](const json* run, std::string_view key) {
      return run ? median_cell(*run, key, options.units.scale, options.units.decimals(1))
                 : std::string("-");
    };
    t.rows.push_back(
        {std::get<0>(k), format_size(std::get<1>(k)), format_size(std::get<2>(k)), std::get<3>(k),
         mb(seq, "throughput_bytes_per_s"), mb(random, "throughput_bytes_per_s"),
         ratio(seq, random, "throughput_bytes_per_s"), mb(seq, "durable_throughput_bytes_per_s"),
         mb(random, "durable_throughput_bytes_per_s"),
         ratio(seq, random, "durable_throughput_bytes_per_s")});
  }
  if (t.rows.empty()) return;
  // Too wide for the terminal: the durable half goes (--wide keeps it).
  std::size_t width = 0;
  for (std::size_t i = 0; i < t.titles.size(); ++i) {
    std::size_t w = t.titles[i].size();
    for (const auto& r : t.rows) w = std::max(w, r[i].size());
    width += w + 2;
  }
  if (!options.wide && width > options.width + 2) {
    t.titles.resize(7);
    for (auto& r : t.rows) r.resize(7);
  }
  std::fprintf(out, "\n");
  print_wrapped(out,
                t.titles.size() == 7
                    ? std::string("seq vs random (medians; the durable figures, with the final "
                                  "sync: --wide)")
                    : "seq vs random (medians; durable = including the final sync after the "
                      "last record, in " +
                          unit + ")",
                options.width);
  t.print(out);
}

}  // namespace

std::vector<Column> append_columns(const json& runs, const RateUnit& unit) {
  // The parameters that differ between runs name the rows; the others are
  // said once in the heading.
  ColumnList cols(runs);
  cols.key(
      "strategy", "strategy", true, [](const json& r) { return r.value("strategy", ""); },
      /*always_key=*/true);
  cols.key("size", "size", false,
           [](const json& r) { return format_size(r["parameters"]["size"]); });
  cols.key("record", "record", false,
           [](const json& r) { return format_size(r["parameters"]["record"]); });
  cols.key("pattern", "pattern", true,
           [](const json& r) { return r["parameters"].value("pattern", ""); });
  cols.key("sync", "sync", true, [](const json& r) { return r["parameters"].value("sync", ""); });
  cols.metric("mbps", std::string(unit.name), true, 0,
              unit.legend() + " until the last record returned", [unit](const json& r) {
                return median_ci_cell(r, "throughput_bytes_per_s", unit.scale, unit.decimals(1));
              });
  cols.metric("cv", "cv", false, 4, "cv = the throughput's spread over the repetitions", cv_cell);
  cols.metric("records", "records/s", false, 5, "", median_of("records_per_s", 1, 0));
  const char* per_record = "{} = time per record including the sync issued after it";
  cols.metric("p50", "p50 us", false, 5, per_record, median_of("latency_p50_ns", 1e-3, 1));
  cols.metric("p99", "p99 us", true, 2, per_record, median_of("latency_p99_ns", 1e-3, 1));
  cols.metric("max", "max us", false, 5, per_record, median_of("latency_max_ns", 1e-3, 0));
  cols.metric("syncs", "syncs", true, 3, "", median_of("syncs", 1, 0));
  cols.metric("final-sync", "final sync ms", false, 5, "", median_of("final_sync_s", 1e3, 1));
  cols.metric("storage-write", "written", true, 3,
              "written = /proc/self/io write_bytes after a final sync",
              bytes_of("storage_write_bytes"));
  cols.add(device_amp_column());
  cols.metric("ns-per-byte", "ns/B", false, 5, "ns/B = CPU per byte (rusage)",
              cpu_of("cpu_ns_per_byte"));
  cols.metric("ctx", "ctx sw", false, 5, "", [](const json& r) {
    return median_sum_cell(r, {"voluntary_switches", "involuntary_switches"});
  });
  cols.metric("faults", "faults", false, 5, "", median_of("minor_faults", 1, 0));
  cols.metric("verified", "verified", true, 1, "verified = the log's hash matched the records'",
              [](const json& r) {
                if (r.value("status", "") != "ok") return r.value("status", std::string());
                return std::string(r.value("verified", false) ? "yes" : "no");
              });
  cols.metric(
      "check", "check", true, 2,
      "check = the ledger against kernel evidence (syscalls, their returned bytes, "
      "page-cache insertions; n/m: not measured)",
      [](const json& r) { return r.value("status", "") != "ok" ? std::string() : check_cell(r); });
  return cols.take();
}

void print_append_table(const json& results, std::FILE* out, const TableOptions& options) {
  const auto& runs = results["runs"];
  auto cols = append_columns(runs, options.units);
  print_wrapped(out, "log append: " + shared_parameters(cols, runs) + repetitions_phrase(runs),
                options.width);
  auto printed = FittedTable{std::move(cols), run_status}.print(out, runs, options);
  print_more_columns(out, printed, options, /*copies_section=*/false);
  print_ratios(results, out, options);
  print_rankings_fitted(results, out, options, /*cell_legend=*/true);
  Notes notes;
  std::map<std::string, int> checks;
  for (const auto& run : runs) {
    if (!has_figures(run)) continue;
    if (run.contains("model_check")) {
      auto status = run["model_check"].value("status", std::string("not_measured"));
      ++checks[status];
      if (status != "pass") notes.add(label(run), run.value("copy_verdict", std::string()));
    }
    if (auto it = run["metrics"].find("storage_write_bytes");
        it != run["metrics"].end() && !it->value("available", true))
      notes.add(label(run), "storage write n/a: " + it->value("reason", std::string()));
    for (const auto& w : run.value("warnings", json::array()))
      notes.add(label(run), "warning: " + w.get<std::string>());
  }
  print_check_counts(checks, out, options);
  print_footer(results, notes, out, options);
}

}  // namespace zc
