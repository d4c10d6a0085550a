#include "harness/report/broker_table.hpp"

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
  for (const char* lag : {"caught-up", "lagging"}) {
    TextTable t{{"ingest", "consume", "in", "out", "p50", "p99", "read", "cpu in", "cpu out"},
                {true, true},
                {}};
    for (const auto& run : runs) {
      const auto& b = run["parameters"]["broker"];
      if (b["lag"] != lag) continue;
      std::vector<std::string> row = {short_ingest(run["strategy"]), b["consume"]};
      if (run["status"] == "ok") {
        row.insert(row.end(), {median_cell(run, "throughput_bytes_per_s", 1e-6, 0),
                               median_cell(run, "consume_throughput_bytes_per_s", 1e-6, 0),
                               median_cell(run, "e2e_latency_p50_ns", 1e-6, 2),
                               median_cell(run, "e2e_latency_p99_ns", 1e-6, 2),
                               median_bytes_cell(run, "consumer_storage_read_bytes"),
                               median_cell(run, "ingest_cpu_ns_per_byte", 1, 3),
                               median_cell(run, "serve_cpu_ns_per_byte", 1, 3)});
      } else {
        row.insert(row.end(), {std::string(run["status"]), "", "", "", "", "", ""});
        notes.add(label(run), run_status(run));
      }
      for (const auto& w : run.value("warnings", json::array()))
        notes.add(label(run), "warning: " + w.get<std::string>());
      t.rows.push_back(std::move(row));
    }
    if (t.rows.empty()) continue;
    std::fprintf(out, "\n");
    print_wrapped(out,
                  std::string(lag) == "caught-up"
                      ? "consumers caught up (fetching the tail as it is written):"
                      : "consumers lagging (from the start, once half the log is written "
                        "and dropped from the page cache):",
                  options.width);
    t.print(out);
  }
  std::fprintf(out, "\n");
  print_wrapped(
      out,
      "in = MB/s (10^6 B/s) into the log from every producer; out = MB/s to one "
      "consumer (the mean); p50, p99 = end-to-end latency in ms, a record's send time "
      "(stamped by its producer) to its arrival at a consumer (the worst consumer); "
      "read = bytes the consumers' fetches read from storage together "
      "(/proc/thread-self/io): the page cache's effect; cpu in = ns of CPU per log byte of the "
      "broker's ingesting threads, cpu out = per byte served of its serving threads "
      "(rusage; the producers' and consumers' own CPU is in the JSON). Verified end to "
      "end: every consumer's bytes hash to the log's, and each producer's records in "
      "them to what it sent.",
      options.width);
  print_footer(results, notes, out, options);
}

}  // namespace zc
