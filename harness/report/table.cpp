#include "harness/report/table.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/append_table.hpp"
#include "harness/report/copies_table.hpp"
#include "harness/report/kafka_table.hpp"
#include "harness/report/ranking.hpp"
#include "harness/report/text_table.hpp"
#include "harness/report/zerocopy_notes.hpp"

namespace zc {
namespace {

using nlohmann::json;

}  // namespace

void print_table(const json& results, std::FILE* out) {
  if (results.value("preset", "") == "kafka") return print_kafka_table(results, out);
  if (is_append_results(results)) {
    print_append_table(results, out);
    return print_rankings(results, out, /*cell_legend=*/false);
  }
  struct Column {
    const char* title;
    bool left;
  };
  const std::vector<Column> cols = {{"strategy", true},
                                    {"sink", true},
                                    {"size", false},
                                    {"chunk", false},
                                    {"cache", true},
                                    {"MB/s", false},
                                    {"snd ns/B", false},
                                    {"rcv ns/B", false},
                                    {"sys/chunk", false},
                                    {"cpu/dma copies", false},
                                    {"copied to/from user", false},
                                    {"ctx sw", false},
                                    {"faults", false},
                                    {"verified", true}};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
  for (const auto& run : results["runs"]) {
    const auto& p = run["parameters"];
    std::vector<std::string> row = {run["strategy"], run["sink"], format_size(p["size"]),
                                    format_size(p["chunk"]), p["cache"]};
    const auto& ledger = run["ledger"];
    std::string copies = std::to_string(ledger["cpu_copies"].get<int>()) + "/" +
                         std::to_string(ledger["dma_copies"].get<int>());
    if (run["status"] == "ok") {
      row.insert(row.end(), {median_ci_cell(run, "throughput_bytes_per_s", 1e-6, 0),
                             median_cell(run, "sender_cpu_ns_per_byte", 1, 3),
                             median_cell(run, "receiver_cpu_ns_per_byte", 1, 3),
                             median_cell(run, "syscalls_per_chunk", 1, 2), copies,
                             median_bytes_cell(run, "bytes_copied_to_user") + "/" +
                                 median_bytes_cell(run, "bytes_copied_from_user"),
                             median_sum_cell(
                                 run, {"sender_voluntary_switches", "sender_involuntary_switches"}),
                             median_cell(run, "sender_minor_faults", 1, 0),
                             run["verified"].get<bool>() ? "yes" : "no*"});
      if (!run["verified"].get<bool>())
        notes.push_back(std::string(run["strategy"]) + "/" + std::string(run["sink"]) +
                        ": not verified: " + std::string(run.value("unverified_reason", "")));
    } else {
      row.insert(row.end(), {std::string(run["status"]), "", "", "", copies, "", "", "", ""});
      notes.push_back(std::string(run["strategy"]) + "/" + std::string(run["sink"]) + ": " +
                      std::string(run["status"]) + ": " + run.value("reason", std::string()));
    }
    for (auto& n : zerocopy_notes(run)) notes.push_back(std::move(n));
    for (const auto& w : run.value("warnings", json::array()))
      notes.push_back(std::string(run["strategy"]) + "/" + std::string(run["sink"]) +
                      ": warning: " + w.get<std::string>());
    rows.push_back(std::move(row));
  }
  TextTable t;
  for (const auto& c : cols) {
    t.titles.push_back(c.title);
    t.left.push_back(c.left);
  }
  t.rows = std::move(rows);
  t.print(out);
  std::fprintf(
      out,
      "medians of %s repetitions; MB/s = 10^6 bytes/s; ns/B = CPU time per byte "
      "(rusage); copies from the ledger (model); copied bytes, syscalls exact\n",
      results["runs"].empty()
          ? "0"
          : std::to_string(results["runs"][0]["parameters"]["repetitions"].get<int>()).c_str());
  print_rankings(results, out);
  print_copies_table(results, out);
  for (const auto& w : results["environment"]["warnings"])
    std::fprintf(out, "warning: %s\n", w.get<std::string>().c_str());
  for (const auto& n : notes) std::fprintf(out, "%s\n", n.c_str());
  if (!results.value("complete", true))
    std::fprintf(out, "INCOMPLETE: %s\n", results.value("incomplete_reason", "").c_str());
}

}  // namespace zc
