#include "harness/report/copies_table.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/table.hpp"

namespace zc {
namespace {

using nlohmann::json;

std::string check_mark(const json& run) {
  const auto& mc = run.value("model_check", json::object());
  std::string s = mc.value("status", "not_measured");
  if (s == "fail") return "FAIL";
  if (s == "not_measured") return "n/m";
  return "pass";
}

std::string model_bytes(const json& run) {
  const auto& l = run["ledger"];
  const double size = run["parameters"]["size"].get<double>();
  return human_bytes(l["copies_to_user"].get<int>() * size) + "/" +
         human_bytes(l["copies_from_user"].get<int>() * size);
}

// An external program's data syscalls on its data thread (its runtime's
// other threads call futex and the like meanwhile); else the sender's.
std::string traced_cell(const json& run) {
  if (measured_metric(run, "traced_data_syscalls_per_chunk"))
    return median_cell(run, "traced_data_syscalls_per_chunk", 1, 3);
  return median_cell(run, "traced_sender_syscalls_per_chunk", 1, 3);
}

// A copies column: every one is in the default table; `metric` ones are
// blank on a run without figures.
void add(std::vector<Column>& cols, const char* id, std::string title, bool metric, int drop,
         std::string legend, ColumnList::Cell cell) {
  cols.push_back(
      {id, std::move(title), false, true, false, drop, metric, std::move(legend), std::move(cell)});
}

// The ledger: the model's copies, syscalls and bytes across the user boundary.
void add_model_columns(std::vector<Column>& cols) {
  add(cols, "cpu-copies", "cpu s+r", false, 0,
      "model = the ledger: cpu s+r = CPU copies by sender + receiver, dma = DMA copies",
      [](const json& r) {
        const auto& l = r["ledger"];
        return std::to_string(l["cpu_copies_sender"].get<int>()) + "+" +
               std::to_string(l["cpu_copies_receiver"].get<int>());
      });
  add(cols, "dma", "dma", false, 0, "",
      [](const json& r) { return std::to_string(r["ledger"]["dma_copies"].get<int>()); });
  add(cols, "sys-model", "sys model", false, 0, "sys = syscalls per chunk", [](const json& r) {
    return format_fixed(r["ledger"]["syscalls_per_chunk"].get<double>(), 3);
  });
  add(cols, "user-model", "user model", false, 8, "user = bytes copied to/from user memory",
      model_bytes);
}

// The measured evidence: exact and traced syscalls, bytes, the receiver's
// copies and mappings, page-cache insertions.
void add_evidence_columns(std::vector<Column>& cols) {
  add(cols, "sys-exact", "exact", true, 3, "exact = counted at the call sites",
      median_of("syscalls_per_chunk", 1, 3));
  add(cols, "sys-traced", "traced", true, 5,
      "traced = raw_syscalls:sys_enter on the sender thread and the threads it started (io-wq; "
      "an external program's: its data syscalls on its data thread)",
      traced_cell);
  add(cols, "user-measured", "user exact", true, 8, "", [](const json& r) {
    return median_bytes_cell(r, "bytes_copied_to_user") + "/" +
           median_bytes_cell(r, "bytes_copied_from_user");
  });
  add(cols, "rcv-copy-calls", "rcv copies", true, 7,
      "rcv copies = skb:skb_copy_datagram_iovec calls in the receiver",
      median_of("receiver_copy_calls", 1, 0));
  add(cols, "rcv-copied", "rcv copied", true, 9, "rcv copied = the bytes they copied",
      bytes_of("receiver_copy_bytes"));
  // zerocopy-receive only (shown when a run used it): the share mapped, the
  // copied remainder is `rcv copied`, and the getsockopt calls per MiB.
  add(cols, "rcv-mapped", "mapped", true, 2,
      "mapped = share of the stream TCP_ZEROCOPY_RECEIVE mapped (its results); none: nothing "
      "could map (the notes say why)",
      [](const json& r) {
        auto cell = median_cell(r, "receiver_zerocopy_mapped_fraction", 100, 1);
        if (cell != "n/a") return cell + "%";
        const auto& m = r.value("metrics", json::object())
                            .value("receiver_zerocopy_mapped_fraction", json::object());
        return std::string(
            m.value("reason", std::string()).rfind("nothing mapped", 0) == 0 ? "none" : "n/a");
      });
  cols.back().shown = false;
  add(cols, "rcv-zc-calls", "zc/MiB", true, 6,
      "zc/MiB = getsockopt(TCP_ZEROCOPY_RECEIVE) calls per MiB received",
      median_of("receiver_zerocopy_getsockopt_calls_per_mib", 1, 1));
  cols.back().shown = false;
  add(cols, "pc-pages", "pc pages", true, 6,
      "pc pages = filemap:mm_filemap_add_to_page_cache (pages inserted)",
      median_of("page_cache_insertion_pages", 1, 0));
}

// The model check's verdict and the copy-bound estimate.
void add_bound_columns(std::vector<Column>& cols, const RateUnit& unit) {
  add(cols, "check", "check", true, 0,
      "check = model check: an independent kernel observation agrees (pass), disagrees (FAIL) "
      "or was not measured (n/m)",
      check_mark);
  add(cols, "limit", "limit " + std::string(unit.name), true, 4,
      "limit = DRAM memcpy bandwidth / CPU copies on the critical path (estimate; "
      "unreliable: the calibration did not settle or the run beat it)",
      [unit](const json& r) {
        const auto& m = r.value("metrics", json::object())
                            .value("copy_bound_limit_bytes_per_s", json::object());
        if (m.value("reason", std::string()).rfind("calibration unreliable", 0) == 0)
          return std::string("unreliable");
        return median_cell(r, "copy_bound_limit_bytes_per_s", unit.scale, unit.decimals(0));
      });
  add(cols, "eff", "eff", true, 4, "eff = throughput / limit", [](const json& r) {
    auto cell = median_cell(r, "copy_efficiency", 100, 0);
    return cell == "n/a" ? cell : cell + "%";
  });
}

}  // namespace

std::vector<Column> copies_columns(const RateUnit& unit) {
  // The ledger (model) first, the measured evidence after it.
  std::vector<Column> cols;
  add_model_columns(cols);
  add_evidence_columns(cols);
  add_bound_columns(cols, unit);
  return cols;
}

void print_copies_table(const json& results, std::FILE* out, const TableOptions& options) {
  const auto& runs = results["runs"];
  // Runs are named by the same key columns as in the main table.
  std::vector<Column> cols;
  for (auto& c : transfer_columns(runs, options.units))
    if (c.key) cols.push_back(std::move(c));
  bool maps = false;
  for (const auto& run : runs) maps |= run.value("receiver", "") == "zerocopy-receive";
  for (auto& c : copies_columns(options.units)) {
    // The receive side is the point of such a table: its columns stay
    // longer than the copy-bound estimate's when the terminal is narrow.
    if (maps && c.id.rfind("rcv-", 0) == 0) {
      c.shown = true;
      if (c.id != "rcv-copy-calls") c.drop = std::min(c.drop, 3);
    }
    cols.push_back(std::move(c));
  }
  std::fprintf(out, "\n");
  print_wrapped(out, "copies: the ledger (model) beside the measured evidence", options.width);
  auto printed = FittedTable{cols, run_status}.print(out, runs, options);
  print_more_columns(out, printed, options, /*copies_section=*/false);
  Notes verdicts;  // a sweep's runs of one strategy often share theirs
  for (const auto& run : runs)
    verdicts.add(std::string(run["strategy"]) + "/" + std::string(run["sink"]) + "/" +
                     std::string(run["parameters"]["cache"]),
                 run.value("copy_verdict", std::string("no verdict")));
  verdicts.print(out, options.width);
}

}  // namespace zc
