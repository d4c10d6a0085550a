#include "harness/report/copies_table.hpp"

#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/text_table.hpp"

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

}  // namespace

void print_copies_table(const json& results, std::FILE* out) {
  const std::vector<std::string> titles = {"strategy",
                                           "sink",
                                           "cache",
                                           "cpu copies snd+rcv",
                                           "dma",
                                           "sys/chunk model",
                                           "exact",
                                           "traced",
                                           "to/from user model",
                                           "measured",
                                           "rcv copy calls",
                                           "rcv copied",
                                           "pc pages",
                                           "check",
                                           "limit MB/s",
                                           "eff"};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> verdicts;
  for (const auto& run : results["runs"]) {
    const auto& l = run["ledger"];
    const double size = run["parameters"]["size"].get<double>();
    std::vector<std::string> row = {run["strategy"],
                                    run["sink"],
                                    run["parameters"]["cache"],
                                    std::to_string(l["cpu_copies_sender"].get<int>()) + "+" +
                                        std::to_string(l["cpu_copies_receiver"].get<int>()),
                                    std::to_string(l["dma_copies"].get<int>()),
                                    format_fixed(l["syscalls_per_chunk"].get<double>(), 2)};
    std::string model_bytes = human_bytes(l["copies_to_user"].get<int>() * size) + "/" +
                              human_bytes(l["copies_from_user"].get<int>() * size);
    if (run["status"] == "ok") {
      row.insert(row.end(),
                 {median_cell(run, "syscalls_per_chunk", 1, 2),
                  median_cell(run, "traced_sender_syscalls_per_chunk", 1, 2), model_bytes,
                  median_bytes_cell(run, "bytes_copied_to_user") + "/" +
                      median_bytes_cell(run, "bytes_copied_from_user"),
                  median_cell(run, "receiver_copy_calls", 1, 0),
                  median_bytes_cell(run, "receiver_copy_bytes"),
                  median_cell(run, "page_cache_insertion_pages", 1, 0), check_mark(run),
                  median_cell(run, "copy_bound_limit_bytes_per_s", 1e-6, 0),
                  median_cell(run, "copy_efficiency", 100, 0) == "n/a"
                      ? "n/a"
                      : median_cell(run, "copy_efficiency", 100, 0) + "%"});
    } else {
      row.insert(row.end(),
                 {std::string(run["status"]), "", "", model_bytes, "", "", "", "", "", "", ""});
    }
    rows.push_back(std::move(row));
    verdicts.push_back(std::string(run["strategy"]) + "/" + std::string(run["sink"]) + "/" +
                       std::string(run["parameters"]["cache"]) + ": " +
                       run.value("copy_verdict", std::string("no verdict")));
  }
  std::fprintf(out, "\ncopies: the ledger (model) beside the measured evidence\n");
  TextTable{titles, {true, true, true}, std::move(rows)}.print(out);
  std::fprintf(out,
               "model = ledger; exact = counted at the call sites; traced = raw_syscalls:sys_enter "
               "on the sender thread; rcv copy = skb:skb_copy_datagram_iovec in the receiver; "
               "pc pages = filemap:mm_filemap_add_to_page_cache; check = model check "
               "(pass/FAIL/n/m = not measured); limit = DRAM memcpy bandwidth / CPU copies on the "
               "critical path (estimate); eff = throughput / limit\n");
  for (const auto& v : verdicts) std::fprintf(out, "%s\n", v.c_str());
}

}  // namespace zc
