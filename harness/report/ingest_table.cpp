#include "harness/report/ingest_table.hpp"

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/streams_table.hpp"
#include "harness/report/table.hpp"
#include "harness/report/text_table.hpp"

namespace zc {
namespace {

using nlohmann::json;

std::string label(const json& run) {
  const auto& p = run["parameters"];
  return std::string(run["strategy"]) + "/" + std::string(run["sink"]) + "/" +
         std::string(p["sync"]) + "/" + format_size(p["record"]);
}

std::string check_cell(const json& run) {
  const auto& mc = run.value("model_check", json::object());
  auto s = mc.value("status", std::string("n/m"));
  return s == "fail" ? "FAIL" : s == "pass" ? "pass" : "n/m";
}

}  // namespace

bool is_ingest_results(const json& results) {
  if (results["runs"].empty()) return false;
  for (const auto& run : results["runs"])
    if (run.value("workload", "") != "ingest") return false;
  return true;
}

std::vector<Column> ingest_columns(const json& runs, const RateUnit& unit) {
  std::vector<Column> cols;
  // The parameters that differ between runs name the rows; the others are
  // said once in the heading.
  auto key = [&](const char* id, const char* title, bool left,
                 std::function<std::string(const json&)> cell) {
    cols.push_back(parameter_column(runs, id, title, left, std::move(cell)));
  };
  cols.push_back(parameter_column(
      runs, "strategy", "strategy", true, [](const json& r) { return r.value("strategy", ""); },
      /*always_key=*/true));
  key("sink", "sink", true, [](const json& r) { return r.value("sink", ""); });
  key("sync", "sync", true, [](const json& r) { return r["parameters"].value("sync", ""); });
  key("size", "size", false, [](const json& r) { return format_size(r["parameters"]["size"]); });
  key("record", "record", false,
      [](const json& r) { return format_size(r["parameters"]["record"]); });
  key("streams", "streams", false,
      [](const json& r) { return std::to_string(r["parameters"].value("streams", 1)); });
  auto add = [&](const char* id, std::string title, bool shown, int drop, std::string legend,
                 std::function<std::string(const json&)> cell) {
    cols.push_back({id, std::move(title), false, shown, false, drop, true, std::move(legend),
                    std::move(cell)});
  };
  add("mbps", std::string(unit.name), true, 0,
      unit.legend() + " of log bytes until the last record was written", [unit](const json& r) {
        return median_ci_cell(r, "throughput_bytes_per_s", unit.scale, unit.decimals(0));
      });
  add("cv", "cv", false, 5, "cv = the throughput's spread over the repetitions", cv_cell);
  add("ns-per-byte", "ns/B", true, 2,
      "ns/B = CPU of the zc-bench process per log byte (rusage; the producer's is apart)",
      [](const json& r) { return median_cell(r, "process_cpu_ns_per_byte", 1, 3); });
  add("producer", "prod ns/B", false, 6, "prod ns/B = the producer process's CPU per byte",
      [](const json& r) { return median_cell(r, "producer_cpu_ns_per_byte", 1, 3); });
  add("sys", "sys/r", true, 4, "sys/r = syscalls per record (exact)",
      [](const json& r) { return median_cell(r, "syscalls_per_record", 1, 2); });
  cols.push_back({"copies", "cpy", false, true, false, 6, false,
                  "cpy = CPU/DMA copies per byte (ledger: a model)", [](const json& r) {
                    const auto& l = r["ledger"];
                    return std::to_string(l["cpu_copies"].get<int>()) + "/" +
                           std::to_string(l["dma_copies"].get<int>());
                  }});
  add("skb", "skb cp", true, 3,
      "skb cp = bytes copied out of socket buffers (skb:skb_copy_datagram_iovec)",
      [](const json& r) { return median_bytes_cell(r, "socket_copy_bytes"); });
  add("p99", "p99 us", false, 6, "p99 = 99th percentile of the time per record",
      [](const json& r) { return median_cell(r, "latency_p99_ns", 1e-3, 1); });
  add("syncs", "syncs", false, 6, "", [](const json& r) { return median_cell(r, "syncs", 1, 0); });
  add("storage-write", "written", false, 6, "written = /proc/self/io write_bytes",
      [](const json& r) { return median_bytes_cell(r, "storage_write_bytes"); });
  add("device-amp", "dev amp", true, 3,
      "dev amp = bytes the log's block device wrote / log bytes (/sys/block, system-wide, "
      "journal included; ?: other I/O was seen on the device, see the notes)",
      [](const json& r) { return device_cell(r, "device_write_amplification", 1, 2); });
  add("check", "check", true, 1,
      "check = the ledger against kernel evidence (n/m: not measured); every log was re-read "
      "and its hash matched the producer's stream",
      [](const json& r) {
        if (r.value("status", "") != "ok") return r.value("status", std::string());
        return check_cell(r);
      });
  return cols;
}

void print_ingest_table(const json& results, std::FILE* out, const TableOptions& options) {
  const auto& runs = results["runs"];
  auto cols = ingest_columns(runs, options.units);
  std::string heading;
  for (const auto& c : cols)
    if (!c.key && !c.metric && !runs.empty() && c.id != "copies")
      heading += c.title + " " + c.cell(runs[0]) + ", ";
  print_wrapped(out, "Ingest: producer -> socket -> log; " + heading + repetitions_phrase(runs),
                options.width);
  auto printed = FittedTable{std::move(cols), run_status}.print(out, runs, options);
  print_more_columns(out, printed, options, /*copies_section=*/false);
  // Passing checks are counted; what failed, and why, is spelled out.
  std::map<std::string, int> checks;
  Notes notes;
  for (const auto& run : runs) {
    if (!has_figures(run)) continue;
    auto status = run.value("model_check", json::object()).value("status", "not_measured");
    ++checks[status];
    if (status != "pass") notes.add(label(run), run.value("copy_verdict", std::string()));
    for (const auto& w : run.value("warnings", json::array()))
      notes.add(label(run), "warning: " + w.get<std::string>());
  }
  if (!checks.empty()) {
    std::string line = "model check:";
    for (const auto& [status, n] : checks) line += " " + std::to_string(n) + " " + status + ",";
    line.back() = ' ';
    print_wrapped(out, line + "(the verdicts are in the JSON, copy_verdict)", options.width);
  }
  print_streams_table(results, out, options);
  print_rankings_fitted(results, out, options, /*cell_legend=*/true);
  print_footer(results, notes, out, options);
}

}  // namespace zc
