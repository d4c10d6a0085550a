#include "harness/report/streams_table.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/text_table.hpp"

namespace zc {
namespace {

using nlohmann::json;

// The run's name without its stream count: the runs of one curve.
std::string curve_of(const std::string& name) {
  auto at = name.find("/streams:");
  if (at == std::string::npos) return name;
  auto end = name.find('/', at + 1);
  return name.substr(0, at) + (end == std::string::npos ? "" : name.substr(end));
}

double median_of(const json& run, const char* key) {
  const auto* m = measured_metric(run, key);
  return m ? (*m)["median"].get<double>() : 0;
}

}  // namespace

void print_streams_table(const json& results, std::FILE* out, const TableOptions& options) {
  bool any = false;
  for (const auto& run : results["runs"]) any |= run["parameters"].value("streams", 1) > 1;
  if (!any) return;
  std::map<std::string, double> single;  // curve -> the one-stream aggregate
  for (const auto& run : results["runs"])
    if (run["status"] == "ok" && run["parameters"].value("streams", 1) == 1)
      single[curve_of(run["name"])] = median_of(run, "throughput_bytes_per_s");
  const auto& u = options.units;
  auto rate = [&](const json& run, std::string_view key) {
    return median_cell(run, key, u.scale, u.decimals(0));
  };
  TextTable t{{"strategy", "sink", "streams", std::string(u.name), "x1", "min", "max", "spread"},
              {true, true, false, false, false, false, false, false},
              {}};
  for (const auto& run : results["runs"]) {
    std::vector<std::string> row = {run["strategy"], run.value("sink", std::string("-")),
                                    std::to_string(run["parameters"].value("streams", 1))};
    if (run["status"] != "ok") {
      row.insert(row.end(), {std::string(run["status"]), "", "", "", ""});
    } else if (run["parameters"].value("streams", 1) == 1) {
      row.insert(row.end(), {rate(run, "throughput_bytes_per_s"), "1.00", "-", "-", "-"});
    } else {
      auto it = single.find(curve_of(run["name"]));
      double agg = median_of(run, "throughput_bytes_per_s");
      row.insert(row.end(),
                 {rate(run, "throughput_bytes_per_s"),
                  it != single.end() && it->second > 0 ? format_fixed(agg / it->second, 2) : "-",
                  rate(run, "stream_throughput_min_bytes_per_s"),
                  rate(run, "stream_throughput_max_bytes_per_s"),
                  measured_metric(run, "stream_throughput_cv")
                      ? format_fixed(median_of(run, "stream_throughput_cv") * 100, 1) + "%"
                      : "n/a"});
    }
    t.rows.push_back(std::move(row));
  }
  std::fprintf(out, "\nstreams: aggregate and per-stream throughput\n");
  t.print(out);
  int cores = results["environment"].value("cores", 0);
  print_wrapped(out,
                std::string(u.name) +
                    " = the aggregate (every stream's bytes / the time from the first start "
                    "to the last end); x1 = against one stream; min, max = the slowest and "
                    "fastest stream on its own; spread = the streams' stddev / mean. "
                    "This machine has " +
                    std::to_string(cores) +
                    " cores and each stream keeps two tasks busy (its sender and its "
                    "receiver): beyond " +
                    std::to_string(std::max(1, cores / 2)) + " stream" +
                    (cores / 2 > 1 ? "s" : "") +
                    " they share the CPUs, so the curve flattens with the core count, not "
                    "with the data path.",
                options.width);
}

}  // namespace zc
