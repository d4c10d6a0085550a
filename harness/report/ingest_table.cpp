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

}  // namespace

std::vector<Column> ingest_columns(const json& runs, const RateUnit& unit) {
  // The parameters that differ between runs name the rows; the others are
  // said once in the heading.
  ColumnList cols(runs);
  cols.key(
      "strategy", "strategy", true, [](const json& r) { return r.value("strategy", ""); },
      /*always_key=*/true);
  cols.key("sink", "sink", true, [](const json& r) { return r.value("sink", ""); });
  cols.key("sync", "sync", true, [](const json& r) { return r["parameters"].value("sync", ""); });
  cols.key("size", "size", false,
           [](const json& r) { return format_size(r["parameters"]["size"]); });
  cols.key("record", "record", false,
           [](const json& r) { return format_size(r["parameters"]["record"]); });
  cols.key("streams", "streams", false,
           [](const json& r) { return std::to_string(r["parameters"].value("streams", 1)); });
  cols.metric("mbps", std::string(unit.name), true, 0,
              unit.legend() + " of log bytes until the last record was written",
              [unit](const json& r) {
                return median_ci_cell(r, "throughput_bytes_per_s", unit.scale, unit.decimals(0));
              });
  cols.metric("cv", "cv", false, 5, "cv = the throughput's spread over the repetitions", cv_cell);
  cols.metric("ns-per-byte", "ns/B", true, 2,
              "ns/B = CPU of the zc-bench process per log byte (rusage; the producer's is apart)",
              cpu_of("process_cpu_ns_per_byte"));
  cols.metric("producer", "prod ns/B", false, 6, "prod ns/B = the producer process's CPU per byte",
              cpu_of("producer_cpu_ns_per_byte"));
  cols.metric("sys", "sys/r", true, 4, "sys/r = syscalls per record (exact)",
              median_of("syscalls_per_record", 1, 2));
  cols.add(ledger_copies_column("cpy", 6));
  cols.metric("skb", "skb cp", true, 3,
              "skb cp = bytes copied out of socket buffers (skb:skb_copy_datagram_iovec)",
              bytes_of("socket_copy_bytes"));
  cols.metric("p99", "p99 us", false, 6, "p99 = 99th percentile of the time per record",
              median_of("latency_p99_ns", 1e-3, 1));
  cols.metric("syncs", "syncs", false, 6, "", median_of("syncs", 1, 0));
  cols.metric("storage-write", "written", false, 6, "written = /proc/self/io write_bytes",
              bytes_of("storage_write_bytes"));
  cols.add(device_amp_column());
  cols.metric("check", "check", true, 1,
              "check = the ledger against kernel evidence (n/m: not measured); every log was "
              "re-read and its hash matched the producer's stream",
              [](const json& r) {
                if (r.value("status", "") != "ok") return r.value("status", std::string());
                return check_cell(r);
              });
  return cols.take();
}

void print_ingest_table(const json& results, std::FILE* out, const TableOptions& options) {
  const auto& runs = results["runs"];
  auto cols = ingest_columns(runs, options.units);
  print_wrapped(out,
                "Ingest: producer -> socket -> log; " + shared_parameters(cols, runs) +
                    repetitions_phrase(runs),
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
  print_check_counts(checks, out, options);
  print_streams_table(results, out, options);
  print_rankings_fitted(results, out, options, /*cell_legend=*/true);
  print_footer(results, notes, out, options);
}

}  // namespace zc
