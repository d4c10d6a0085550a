#include "harness/copies_table.hpp"

#include <string>
#include <vector>

#include "harness/units.hpp"

namespace zc {
namespace {

using nlohmann::json;


std::string human_bytes(double b) {
  if (b >= 1e9) return format_fixed(b / 1e9, 2) + "G";
  if (b >= 1e6) return format_fixed(b / 1e6, 1) + "M";
  if (b >= 1e3) return format_fixed(b / 1e3, 1) + "K";
  return format_fixed(b, 0);
}

// The median of a metric, formatted, or "n/a" when it was not measured.
std::string median(const json& run, const char* key, double scale, int decimals,
                   bool bytes = false) {
  auto it = run["metrics"].find(key);
  if (it == run["metrics"].end() || !it->value("available", false) || !it->contains("median"))
    return "n/a";
  double v = (*it)["median"].get<double>() * scale;
  return bytes ? human_bytes(v) : format_fixed(v, decimals);
}

std::string check_mark(const json& run) {
  const auto& mc = run.value("model_check", json::object());
  std::string s = mc.value("status", "not_measured");
  if (s == "fail") return "FAIL";
  if (s == "not_measured") return "n/m";
  return "pass";
}

}  // namespace

void print_copies_table(const json& results, std::FILE* out) {
  const std::vector<std::string> titles = {
      "strategy", "sink", "cache", "cpu copies snd+rcv", "dma", "sys/chunk model",
      "exact", "traced", "to/from user model", "measured", "rcv copy calls", "rcv copied",
      "pc pages", "check", "limit MB/s", "eff"};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> verdicts;
  for (const auto& run : results["runs"]) {
    const auto& l = run["ledger"];
    const double size = run["parameters"]["size"].get<double>();
    std::vector<std::string> row = {
        run["strategy"], run["sink"], run["parameters"]["cache"],
        std::to_string(l["cpu_copies_sender"].get<int>()) + "+" +
            std::to_string(l["cpu_copies_receiver"].get<int>()),
        std::to_string(l["dma_copies"].get<int>()), format_fixed(l["syscalls_per_chunk"].get<double>(), 2)};
    std::string model_bytes = human_bytes(l["copies_to_user"].get<int>() * size) + "/" +
                              human_bytes(l["copies_from_user"].get<int>() * size);
    if (run["status"] == "ok") {
      row.insert(row.end(),
                 {median(run, "syscalls_per_chunk", 1, 2),
                  median(run, "traced_sender_syscalls_per_chunk", 1, 2), model_bytes,
                  median(run, "bytes_copied_to_user", 1, 0, true) + "/" +
                      median(run, "bytes_copied_from_user", 1, 0, true),
                  median(run, "receiver_copy_calls", 1, 0),
                  median(run, "receiver_copy_bytes", 1, 0, true),
                  median(run, "page_cache_insertion_pages", 1, 0), check_mark(run),
                  median(run, "copy_bound_limit_bytes_per_s", 1e-6, 0),
                  median(run, "copy_efficiency", 100, 0) == "n/a"
                      ? "n/a"
                      : median(run, "copy_efficiency", 100, 0) + "%"});
    } else {
      row.insert(row.end(), {std::string(run["status"]), "", "", model_bytes, "", "", "", "", "",
                             "", ""});
    }
    rows.push_back(std::move(row));
    verdicts.push_back(std::string(run["strategy"]) + "/" + std::string(run["sink"]) + "/" +
                       std::string(run["parameters"]["cache"]) + ": " +
                       run.value("copy_verdict", std::string("no verdict")));
  }
  std::vector<std::size_t> width(titles.size());
  for (std::size_t i = 0; i < titles.size(); ++i) {
    width[i] = titles[i].size();
    for (auto& r : rows) width[i] = std::max(width[i], r[i].size());
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < titles.size(); ++i)
      std::fprintf(out, i < 3 ? "%-*s%s" : "%*s%s", int(width[i]), cells[i].c_str(),
                   i + 1 < titles.size() ? "  " : "\n");
  };
  std::fprintf(out, "\ncopies: the ledger (model) beside the measured evidence\n");
  print_row(titles);
  for (auto& r : rows) print_row(r);
  std::fprintf(out,
               "model = ledger; exact = counted at the call sites; traced = raw_syscalls:sys_enter "
               "on the sender thread; rcv copy = skb:skb_copy_datagram_iovec in the receiver; "
               "pc pages = filemap:mm_filemap_add_to_page_cache; check = model check "
               "(pass/FAIL/n/m = not measured); limit = DRAM memcpy bandwidth / CPU copies on the "
               "critical path (estimate); eff = throughput / limit\n");
  for (const auto& v : verdicts) std::fprintf(out, "%s\n", v.c_str());
}

}  // namespace zc
