#include "harness/report/table.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/append_table.hpp"
#include "harness/report/broker_table.hpp"
#include "harness/report/copies_table.hpp"
#include "harness/report/ingest_table.hpp"
#include "harness/report/kafka_table.hpp"
#include "harness/report/ranking.hpp"
#include "harness/report/receive_table.hpp"
#include "harness/report/streams_table.hpp"
#include "harness/report/zerocopy_notes.hpp"

namespace zc {
namespace {

using nlohmann::json;

// The parameters a transfer run is named by: a column when they differ
// between runs, the heading above the table when they do not.
struct Parameter {
  const char* id;
  const char* title;
  bool left;
  std::string (*value)(const json& run);
  std::string (*heading)(const std::string& value);
};

const Parameter kParameters[] = {
    // Merged documents (zc-bench merge): columns when the runs span hosts;
    // a single host's table says nothing of them.
    {"host", "host", true, [](const json& r) { return r.value("host", std::string("-")); },
     [](const std::string&) { return std::string(); }},
    {"peer", "peer", true, [](const json& r) { return r.value("peer", std::string("-")); },
     [](const std::string&) { return std::string(); }},
    {"sink", "sink", true, [](const json& r) { return r.value("sink", std::string()); },
     [](const std::string& v) { return v + " sink"; }},
    {"size", "size", false,
     [](const json& r) { return format_size(r["parameters"]["size"].get<std::uint64_t>()); },
     [](const std::string& v) { return v + " file"; }},
    {"chunk", "chunk", false,
     [](const json& r) { return format_size(r["parameters"]["chunk"].get<std::uint64_t>()); },
     [](const std::string& v) { return v + " chunks"; }},
    {"cache", "cache", true,
     [](const json& r) { return r["parameters"].value("cache", std::string()); },
     [](const std::string& v) { return v + " page cache"; }},
    {"qd", "qd", false,
     [](const json& r) { return std::to_string(r["parameters"].value("queue_depth", 0)); },
     [](const std::string& v) { return "io_uring queue depth " + v; }},
    {"receiver", "receiver", true,
     [](const json& r) { return r.value("receiver", std::string("recv")); },
     [](const std::string& v) { return v == "recv" ? std::string() : "receiver " + v; }},
    {"streams", "streams", false,
     [](const json& r) { return std::to_string(r["parameters"].value("streams", 1)); },
     [](const std::string& v) { return v == "1" ? std::string() : v + " streams"; }},
    {"nic", "nic", true,
     [](const json& r) { return r["parameters"].value("nic", std::string("-")); },
     [](const std::string& v) { return v == "-" ? std::string() : "nic " + v; }},
};

bool varies(const json& runs, const Parameter& p) {
  std::set<std::string> seen;
  for (const auto& r : runs) seen.insert(p.value(r));
  return seen.size() > 1;
}

std::string who(const json& run) {
  return std::string(run["strategy"]) + "/" + std::string(run["sink"]);
}

}  // namespace

std::vector<Column> transfer_columns(const json& runs, const RateUnit& unit) {
  ColumnList cols(runs);
  cols.add({"strategy", "strategy", true, true, true, 0, false, "",
            [](const json& r) { return r.value("strategy", std::string()); }});
  for (const auto& p : kParameters) cols.key(p.id, p.title, p.left, p.value);
  // The median with its interval (ranking.hpp prints the "\u00b1" legend).
  cols.metric("mbps", std::string(unit.name), true, 0, unit.legend(), [unit](const json& r) {
    return median_ci_cell(r, "throughput_bytes_per_s", unit.scale, unit.decimals(0));
  });
  cols.metric("cv", "cv", false, 4, "cv = the throughput's spread (coefficient of variation)",
              cv_cell);
  // CPU per byte: the sender's, the receiver's, both.
  for (auto [id, title, shown, drop, legend, key] :
       {std::tuple{"snd", "snd ns/B", true, 2, "snd ns/B = the sender's CPU ns per byte (rusage)",
                   "sender_cpu_ns_per_byte"},
        {"rcv", "rcv ns/B", true, 5, "rcv ns/B = the receiver's", "receiver_cpu_ns_per_byte"},
        {"total", "total ns/B", false, 5, "total = sender + receiver", "total_cpu_ns_per_byte"}})
    cols.metric(id, title, shown, drop, legend, cpu_of(key));
  cols.metric("sys", "sys/chunk", true, 6, "sys/chunk = syscalls per chunk (exact)",
              median_of("syscalls_per_chunk", 1, 2));
  cols.add(ledger_copies_column("copies", 7));
  cols.metric("copied", "to/from user", false, 5,
              "to/from user = bytes copied into/out of user memory (exact)", [](const json& r) {
                return median_bytes_cell(r, "bytes_copied_to_user") + "/" +
                       median_bytes_cell(r, "bytes_copied_from_user");
              });
  cols.metric("ctx", "ctx sw", false, 5, "ctx sw = sender context switches", [](const json& r) {
    return median_sum_cell(r, {"sender_voluntary_switches", "sender_involuntary_switches"});
  });
  cols.metric("faults", "faults", false, 5, "faults = sender minor page faults",
              median_of("sender_minor_faults", 1, 0));
  cols.metric("p99", "p99 us", false, 5, "p99 = 99th percentile of the time per chunk",
              median_of("latency_p99_ns", 1e-3, 1));
  cols.metric("verified", "verified", true, 3, "verified = the receiver's hash matched",
              [](const json& r) {
                if (r.value("status", "") != "ok") return r.value("status", std::string());
                return std::string(r.value("verified", false) ? "yes" : "no*");
              });
  return cols.take();
}

Column ledger_copies_column(const char* title, int drop) {
  return {"copies",
          title,
          false,
          true,
          false,
          drop,
          false,
          std::string(title) + " = CPU/DMA copies per byte (ledger: a model)",
          [](const json& r) {
            const auto& l = r["ledger"];
            return std::to_string(l["cpu_copies"].get<int>()) + "/" +
                   std::to_string(l["dma_copies"].get<int>());
          }};
}

std::string shared_parameters(const std::vector<Column>& cols, const json& runs) {
  std::string heading;
  for (const auto& c : cols)
    if (!c.key && !c.metric && !c.shown && !runs.empty())
      heading += c.title + " " + c.cell(runs[0]) + ", ";
  return heading;
}

Column device_amp_column() {
  return {"device-amp",
          "dev amp",
          false,
          true,
          false,
          3,
          true,
          "dev amp = bytes the log's block device wrote / log bytes (/sys/block, system-wide, "
          "journal included; ?: other I/O was seen on the device, see the notes)",
          [](const json& r) { return device_cell(r, "device_write_amplification", 1, 2); }};
}

std::string check_cell(const json& run) {
  const auto& mc = run.value("model_check", json::object());
  auto s = mc.value("status", std::string("n/m"));
  return s == "fail" ? "FAIL" : s == "pass" ? "pass" : "n/m";
}

void print_check_counts(const std::map<std::string, int>& checks, std::FILE* out,
                        const TableOptions& options) {
  if (checks.empty()) return;
  std::string line = "model check:";
  for (const auto& [status, n] : checks) line += " " + std::to_string(n) + " " + status + ",";
  line.back() = ' ';
  print_wrapped(out, line + "(the verdicts are in the JSON, copy_verdict)", options.width);
}

bool all_runs_of(const json& results, std::string_view workload) {
  if (results["runs"].empty()) return false;
  for (const auto& run : results["runs"])
    if (run.value("workload", "") != workload) return false;
  return true;
}

std::string run_status(const json& run) {
  return run.value("status", std::string()) + ": " + run.value("reason", std::string());
}

std::string parameters_heading(const json& runs) {
  bool io_uring = false;  // the queue depth means nothing to the others
  for (const auto& r : runs) io_uring |= r.value("strategy", "").rfind("io-uring", 0) == 0;
  std::string heading;
  for (const auto& p : kParameters)
    if (!runs.empty() && !varies(runs, p) && (io_uring || std::string(p.id) != "qd"))
      if (auto h = p.heading(p.value(runs[0])); !h.empty())
        heading += (heading.empty() ? "" : ", ") + h;
  return heading;
}

std::string repetitions_phrase(const json& runs) {
  if (runs.empty()) return "no runs";
  const auto& p = runs[0]["parameters"];
  int reps = p.value("repetitions", 0), warmup = p.value("warmup", 0);
  // Without a fixed --reps (the default rule, auto, --time) runs made as
  // many as each needed: the fewest and the most.
  int fewest = 1 << 30, most = 0;
  for (const auto& r : runs)
    if (has_figures(r)) {
      const int n = r["parameters"].value("repetitions", 0);
      fewest = std::min(fewest, n);
      most = std::max(most, n);
    }
  if (most == 0) fewest = most = reps;
  std::string counted =
      fewest == most ? plural(most, "repetition")
                     : std::to_string(fewest) + "\u2013" + std::to_string(most) + " repetitions";
  const json* time_based = nullptr;
  for (const auto& r : runs)
    if (!time_based && r.contains("time_based") && r["time_based"].is_object())
      time_based = &r["time_based"];
  if (time_based)
    counted += " in " + format_number(time_based->value("seconds", 0.0)) + " s per run (--time)";
  return "medians of " + counted +
         (warmup ? " (after " + plural(warmup, "untimed warm-up") + ")" : "");
}

void print_more_columns(std::FILE* out, const FittedTable::Printed& printed,
                        const TableOptions& options, bool copies_section) {
  if (!printed.legend.empty()) print_wrapped(out, printed.legend, options.width);
  std::string more;
  if (!printed.hidden.empty() && !options.wide) {
    std::string ids;
    for (const auto& id : printed.hidden) ids += (ids.empty() ? "" : ",") + id;
    more = "more columns: --columns " + ids + " or --wide";
  }
  if (copies_section && !options.copies && !options.wide)
    more += std::string(more.empty() ? "" : "; ") + "copies beside the kernel's evidence: --copies";
  if (!more.empty()) print_wrapped(out, more, options.width);
}

void print_footer(const json& results, const Notes& notes, std::FILE* out,
                  const TableOptions& options) {
  // The runs' own notes first (what is not verified, what the kernel
  // copied), then the machine's warnings; all of them with --notes.
  auto texts = notes.texts();
  for (const auto& w : results["environment"].value("warnings", json::array()))
    texts.push_back("warning: " + w.get<std::string>());
  std::size_t total = 0;
  for (const auto& t : texts) total += wrapped_lines(t, options.width);
  std::size_t used = 0, shown = 0;
  for (const auto& t : texts) {
    const auto n = wrapped_lines(t, options.width);
    if (!options.all_notes && total > kNoteLines && used + n > kNoteLines - 1) break;
    print_wrapped(out, t, options.width);
    used += n;
    ++shown;
  }
  if (shown < texts.size())
    print_wrapped(out,
                  plural(long(texts.size() - shown), "more note") + " (" +
                      plural(long(total - used), "line") + "): --notes or -v shows them",
                  options.width);
  if (!results.value("complete", true))
    print_wrapped(out, "INCOMPLETE: " + results.value("incomplete_reason", std::string()),
                  options.width);
  std::fflush(out);  // before what follows on stderr
}

void add_run_notes(Notes& notes, const json& run) {
  const std::string status = run.value("status", "");
  if (status == "ok" && !run.value("verified", false))
    notes.add(who(run), "not verified: " + run.value("unverified_reason", std::string()));
  if (status == "interrupted" && has_figures(run)) {
    int done = 0;
    for (const auto& rep : run.value("repetitions", json::array()))
      done += rep.value("status", "") == "ok";
    notes.add(who(run), "interrupted after " + plural(done, "repetition") + " of " +
                            std::to_string(run["parameters"].value("repetitions", 0)) +
                            "; its figures are theirs");
  }
  for (auto& n : zerocopy_notes(run)) {
    auto colon = n.find(": ");
    notes.add(n.substr(0, colon), n.substr(colon + 2));
  }
  for (const auto& w : run.value("warnings", json::array()))
    notes.add(who(run), "warning: " + w.get<std::string>());
}

void print_rankings_fitted(const json& results, std::FILE* out, const TableOptions& options,
                           bool cell_legend) {
  // ranking.cpp prints whole lines; they are wrapped here like the rest.
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* buffer = ::open_memstream(&text, &size);
  if (!buffer) return print_rankings(results, out, cell_legend);
  print_rankings(results, buffer, cell_legend);
  std::fclose(buffer);
  std::string all(text, size);
  std::free(text);
  for (std::size_t start = 0; start < all.size();) {
    auto end = std::min(all.find('\n', start), all.size());
    print_wrapped(out, std::string_view(all).substr(start, end - start), options.width);
    start = end + 1;
  }
}

std::vector<std::string> table_column_ids() {
  std::vector<std::string> ids;
  const json none = json::array();
  for (const auto& cols : {transfer_columns(none), kafka_columns(), receive_columns(),
                           append_columns(), copies_columns(), ingest_columns(), broker_columns()})
    for (const auto& c : cols) ids.push_back(c.id);
  return ids;
}

void print_table(const json& results, std::FILE* out, const TableOptions& options) {
  if (results.value("preset", "") == "kafka") return print_kafka_table(results, out, options);
  if (results.value("preset", "") == "receive") return print_receive_table(results, out, options);
  if (all_runs_of(results, "append")) return print_append_table(results, out, options);
  if (all_runs_of(results, "ingest")) return print_ingest_table(results, out, options);
  if (all_runs_of(results, "broker")) return print_broker_table(results, out, options);
  const auto& runs = results["runs"];
  auto heading = parameters_heading(runs);
  print_wrapped(out, (heading.empty() ? "" : heading + "; ") + repetitions_phrase(runs),
                options.width);
  FittedTable table{transfer_columns(runs, options.units), run_status};
  auto printed = table.print(out, runs, options);
  print_rankings_fitted(results, out, options, /*cell_legend=*/true);
  print_more_columns(out, printed, options, /*copies_section=*/true);
  if (options.copies || options.wide) print_copies_table(results, out, options);
  print_streams_table(results, out, options);
  Notes notes;
  for (const auto& run : runs)
    if (has_figures(run)) add_run_notes(notes, run);
  print_footer(results, notes, out, options);
}

}  // namespace zc
