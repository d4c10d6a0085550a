#include "harness/report/ingest_table.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/streams_table.hpp"
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

bool varies(const json& runs, const char* key, bool in_parameters) {
  std::set<std::string> seen;
  for (const auto& r : runs) seen.insert((in_parameters ? r["parameters"][key] : r[key]).dump());
  return seen.size() > 1;
}

}  // namespace

void print_wrapped(std::FILE* out, const std::string& text) {
  constexpr std::size_t kWidth = 79;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto space = text.find(' ', pos);
    auto word = text.substr(pos, space == std::string::npos ? std::string::npos : space - pos);
    if (!line.empty() && line.size() + 1 + word.size() > kWidth) {
      std::fprintf(out, "%s\n", line.c_str());
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    if (space == std::string::npos) break;
    pos = space + 1;
  }
  if (!line.empty()) std::fprintf(out, "%s\n", line.c_str());
}

bool is_ingest_results(const json& results) {
  if (results["runs"].empty()) return false;
  for (const auto& run : results["runs"])
    if (run.value("workload", "") != "ingest" || run["parameters"].contains("broker")) return false;
  return true;
}

void print_ingest_table(const json& results, std::FILE* out) {
  const auto& runs = results["runs"];
  // Parameters that differ between runs are columns; the others go in the
  // heading. Fits 80 columns with sink and sync both varying.
  const bool by_sink = varies(runs, "sink", false), by_sync = varies(runs, "sync", true),
             by_record = varies(runs, "record", true), by_size = varies(runs, "size", true);
  TextTable t;
  auto col = [&](const char* title, bool left) {
    t.titles.push_back(title);
    t.left.push_back(left);
  };
  col("strategy", true);
  if (by_sink) col("sink", true);
  if (by_sync) col("sync", true);
  if (by_size) col("size", false);
  if (by_record) col("record", false);
  for (auto title : {"MB/s", "cv", "ns/B", "sys/r", "cpy", "skb cp", "check"}) col(title, false);
  t.left.back() = true;
  std::vector<std::string> notes;
  std::map<std::string, int> checks;
  for (const auto& run : runs) {
    const auto& p = run["parameters"];
    std::vector<std::string> row = {run["strategy"]};
    if (by_sink) row.push_back(run["sink"]);
    if (by_sync) row.push_back(p["sync"]);
    if (by_size) row.push_back(format_size(p["size"]));
    if (by_record) row.push_back(format_size(p["record"]));
    const auto& l = run["ledger"];
    std::string copies = std::to_string(l["cpu_copies"].get<int>()) + "/" +
                         std::to_string(l["dma_copies"].get<int>());
    if (run["status"] == "ok") {
      row.insert(row.end(), {median_cell(run, "throughput_bytes_per_s", 1e-6, 0), cv_cell(run),
                             median_cell(run, "process_cpu_ns_per_byte", 1, 3),
                             median_cell(run, "syscalls_per_record", 1, 2), copies,
                             median_bytes_cell(run, "socket_copy_bytes"), check_cell(run)});
      // Passing checks are counted; what failed, and why, is spelled out.
      auto status = run.value("model_check", json::object()).value("status", "not_measured");
      ++checks[status];
      if (status != "pass")
        notes.push_back(label(run) + ": " + run.value("copy_verdict", std::string()));
    } else {
      row.insert(row.end(), {std::string(run["status"]), "", "", "", copies, "", ""});
      notes.push_back(label(run) + ": " + std::string(run["status"]) + ": " +
                      run.value("reason", std::string()));
    }
    for (const auto& w : run.value("warnings", json::array()))
      notes.push_back(label(run) + ": warning: " + w.get<std::string>());
    t.rows.push_back(std::move(row));
  }
  const auto& p0 = runs[0]["parameters"];
  std::string heading = "Ingest: producer -> socket -> log";
  if (!by_sink) heading += ", " + std::string(runs[0]["sink"]) + " sink";
  if (!by_size) heading += ", " + format_size(p0["size"]) + " log";
  if (!by_record) heading += ", " + format_size(p0["record"]) + " records";
  if (!by_sync) heading += ", sync " + std::string(p0["sync"]);
  heading += ", medians of " + std::to_string(p0["repetitions"].get<int>()) + " repetitions";
  print_wrapped(out, heading);
  t.print(out);
  print_wrapped(out,
                "MB/s = 10^6 log bytes/s until the last record was written (cv: its spread); "
                "ns/B = CPU of the zc-bench process per log byte (the producer's is apart); "
                "sys/r = syscalls per record (exact); cpy = CPU/DMA copies per byte (ledger, a "
                "model); skb cp = bytes copied out of socket buffers "
                "(skb:skb_copy_datagram_iovec); check = the ledger against kernel evidence "
                "(n/m: not measured). Every log was re-read and its hash matched the "
                "producer's stream.");
  if (!checks.empty()) {
    std::string line = "model check:";
    for (const auto& [status, n] : checks) line += " " + std::to_string(n) + " " + status + ",";
    line.back() = ' ';
    print_wrapped(out, line + "(the verdicts are in the JSON, copy_verdict)");
  }
  print_streams_table(results, out);
  for (const auto& w : results["environment"]["warnings"])
    print_wrapped(out, "warning: " + w.get<std::string>());
  for (const auto& n : notes) print_wrapped(out, n);
  if (!results.value("complete", true))
    std::fprintf(out, "INCOMPLETE: %s\n", results.value("incomplete_reason", "").c_str());
}

}  // namespace zc
