#include "harness/report/broker_table.hpp"

#include <functional>
#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/table.hpp"
#include "harness/report/text_table.hpp"

namespace zc {
namespace {

using nlohmann::json;

// "recv-write", "recv-mmap", "splice", "io-uring": the ingest strategies
// without their common suffix, so that the table fits 80 columns.
std::string short_ingest(const std::string& id) {
  const std::string suffix = "-ingest";
  return id.size() > suffix.size() && id.ends_with(suffix) ? id.substr(0, id.size() - suffix.size())
                                                           : id;
}

std::string label(const json& run) {
  const auto& b = run["parameters"]["broker"];
  return std::string(run["strategy"]) + " -> " + std::string(b["consume"]) + " (" +
         std::string(b["lag"]) + ")";
}

}  // namespace

bool is_broker_results(const json& results) {
  if (results["runs"].empty()) return false;
  for (const auto& run : results["runs"])
    if (!run["parameters"].contains("broker")) return false;
  return true;
}

std::vector<Column> broker_columns() {
  std::vector<Column> cols;
  auto key = [&](const char* id, const char* title, std::function<std::string(const json&)> cell) {
    cols.push_back({id, title, true, true, true, 0, false, "", std::move(cell)});
  };
  key("ingest", "ingest", [](const json& r) { return short_ingest(r.value("strategy", "")); });
  key("consume", "consume",
      [](const json& r) { return r["parameters"]["broker"].value("consume", ""); });
  auto add = [&](const char* id, const char* title, bool shown, int drop, const char* legend,
                 std::function<std::string(const json&)> cell) {
    cols.push_back({id, title, false, shown, false, drop, true, legend, std::move(cell)});
  };
  add("in", "in", true, 0, "in = MB/s (10^6 B/s) into the log from every producer",
      [](const json& r) { return median_cell(r, "throughput_bytes_per_s", 1e-6, 0); });
  add("cv", "cv", false, 5, "cv = spread of in over the repetitions", cv_cell);
  add("durable", "durable", false, 5, "durable = in, the final sync included",
      [](const json& r) { return median_cell(r, "durable_throughput_bytes_per_s", 1e-6, 0); });
  add("out", "out", true, 0, "out = MB/s to one consumer (the mean)",
      [](const json& r) { return median_cell(r, "consume_throughput_bytes_per_s", 1e-6, 0); });
  add("out-min", "out min", false, 5, "out min = MB/s to the slowest consumer",
      [](const json& r) { return median_cell(r, "consume_throughput_min_bytes_per_s", 1e-6, 0); });
  add("p50", "p50", true, 3,
      "p50, p99 = end-to-end latency in ms, a record's send time (stamped by its "
      "producer) to its arrival at a consumer (the worst consumer)",
      [](const json& r) { return median_cell(r, "e2e_latency_p50_ns", 1e-6, 2); });
  add("p99", "p99", true, 2, "",
      [](const json& r) { return median_cell(r, "e2e_latency_p99_ns", 1e-6, 2); });
  add("p999", "p999", false, 5,
      "p999, max = the tail of the end-to-end latency, in ms (the worst consumer)",
      [](const json& r) { return median_cell(r, "e2e_latency_p999_ns", 1e-6, 2); });
  add("max", "max", false, 5, "",
      [](const json& r) { return median_cell(r, "e2e_latency_max_ns", 1e-6, 2); });
  add("read", "read", true, 1,
      "read = bytes the consumers' fetches read from storage together (/proc/thread-self/io): "
      "the page cache's effect",
      [](const json& r) { return median_bytes_cell(r, "consumer_storage_read_bytes"); });
  add("resident", "resident", false, 5,
      "resident = share of the log behind lagging consumers still in the page cache after "
      "POSIX_FADV_DONTNEED (mincore)",
      [](const json& r) { return median_cell(r, "lag_resident_fraction", 100, 0); });
  add("cpu-in", "cpu in", true, 4,
      "cpu in = ns of CPU per log byte of the broker's ingesting threads",
      [](const json& r) { return median_cell(r, "ingest_cpu_ns_per_byte", 1, 3); });
  add("cpu-out", "cpu out", true, 4, "cpu out = per byte served of its serving threads (rusage)",
      [](const json& r) { return median_cell(r, "serve_cpu_ns_per_byte", 1, 3); });
  add("producer", "prod ns/B", false, 6, "prod ns/B = the producer processes' CPU per log byte",
      [](const json& r) { return median_cell(r, "producer_cpu_ns_per_byte", 1, 3); });
  add("consumer", "cons ns/B", false, 6,
      "cons ns/B = the consumer processes' CPU per byte they fetched",
      [](const json& r) { return median_cell(r, "consumer_cpu_ns_per_byte", 1, 3); });
  add("syncs", "syncs", false, 6, "", [](const json& r) { return median_cell(r, "syncs", 1, 0); });
  add("storage-write", "written", false, 6, "written = /proc/self/io write_bytes",
      [](const json& r) { return median_bytes_cell(r, "storage_write_bytes"); });
  return cols;
}

void print_broker_table(const json& results, std::FILE* out, const TableOptions& options) {
  const auto& runs = results["runs"];
  const auto& p0 = runs[0]["parameters"];
  const auto& b0 = p0["broker"];
  print_wrapped(out,
                "The broker, measured: " + std::to_string(b0["producers"].get<int>()) +
                    " producers -> one partition log -> " +
                    std::to_string(b0["consumers"].get<int>()) + " consumers over " +
                    std::string(runs[0]["sink"]) + ", a " + format_size(p0["size"]) + " log of " +
                    format_size(p0["record"]) + " records, sync " + std::string(p0["sync"]) +
                    ", medians of " + std::to_string(p0["repetitions"].get<int>()) + " repetitions",
                options.width);
  Notes notes;
  FittedTable table{broker_columns(), run_status};
  FittedTable::Printed printed;
  for (const char* lag : {"caught-up", "lagging"}) {
    json section = json::array();
    for (const auto& run : runs) {
      if (run["parameters"]["broker"]["lag"] != lag) continue;
      section.push_back(run);
      if (!has_figures(run)) notes.add(label(run), run_status(run));
      for (const auto& w : run.value("warnings", json::array()))
        notes.add(label(run), "warning: " + w.get<std::string>());
    }
    if (section.empty()) continue;
    std::fprintf(out, "\n");
    print_wrapped(out,
                  std::string(lag) == "caught-up"
                      ? "consumers caught up (fetching the tail as it is written):"
                      : "consumers lagging (from the start, once half the log is written "
                        "and dropped from the page cache):",
                  options.width);
    // Both sections have the same columns, unless one had to drop more
    // to fit: the legend is of the one that shows the most.
    auto p = table.print(out, section, options);
    if (p.legend.size() >= printed.legend.size()) printed = std::move(p);
  }
  std::fprintf(out, "\n");
  print_more_columns(out, printed, options, /*copies_section=*/false);
  print_wrapped(out,
                "Verified end to end: "
                "every consumer's bytes hash to the log's, and each producer's records in them "
                "to what it sent.",
                options.width);
  print_footer(results, notes, out, options);
}

}  // namespace zc
