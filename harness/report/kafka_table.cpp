#include "harness/report/kafka_table.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/text_table.hpp"

namespace zc {
namespace {

using nlohmann::json;

// What the IBM zero-copy article and the Kafka design doc count per path
// (DESIGN.md): copies (DMA + CPU), CPU copies, user/kernel mode switches.
struct Claim {
  const char* path;
  int copies, cpu_copies, switches;
};
constexpr Claim kClaims[] = {{"read + write", 4, 2, 4},
                             {"mmap + write", 3, 1, 4},
                             {"sendfile", 3, 1, 2},
                             {"sendfile + NIC gather", 2, 0, 2}};

// The device's scatter-gather as read back after setting it, where the run
// got that far; else as asked.
bool egress_gathers(const json& run) {
  if (run.contains("sink_details")) {
    const auto& nic = run["sink_details"].value("nic", json::object());
    if (nic.contains("in_effect") && nic["in_effect"].contains("sg"))
      return nic["in_effect"]["sg"].get<bool>();
  }
  return run.value("egress_scatter_gather", true);
}

const Claim* claim_for(const json& run) {
  const std::string s = run["strategy"];
  if (s == "read-write") return &kClaims[0];
  if (s == "mmap-write") return &kClaims[1];
  if (s == "sendfile") return egress_gathers(run) ? &kClaims[3] : &kClaims[2];
  return nullptr;
}

std::string triple(int a, int b, double c) {
  return std::to_string(a) + "/" + std::to_string(b) + "/" +
         format_fixed(c, c == std::floor(c) ? 0 : 1);
}

}  // namespace

void print_kafka_table(const json& results, std::FILE* out) {
  TextTable t{{"path", "nic", "articles", "ledger", "MB/s", "cv", "snd ns/B", "total ns/B",
               "syscalls", "ctx sw", "tx linear", "tx paged", "verified"},
              {true, true},
              {}};
  std::vector<std::string> notes;
  std::string heading;
  for (const auto& run : results["runs"]) {
    const auto* claim = claim_for(run);
    const auto& l = run["ledger"];
    // The articles count the sender's path to the wire; the receiver's copy
    // (which loopback and veth always make) is in the JSON, not here.
    const int cpu = l["cpu_copies_sender"].get<int>();
    const std::string nic = std::string("sg=") + (egress_gathers(run) ? "on" : "off");
    std::vector<std::string> row = {
        claim ? claim->path : std::string(run["strategy"]), nic,
        claim ? triple(claim->copies, claim->cpu_copies, claim->switches) : "-",
        triple(cpu + l["dma_copies"].get<int>(), cpu, l["mode_switches_per_chunk"].get<double>())};
    if (run["status"] == "ok") {
      row.insert(
          row.end(),
          {median_cell(run, "throughput_bytes_per_s", 1e-6, 0), cv_cell(run),
           median_cell(run, "sender_cpu_ns_per_byte", 1, 3),
           median_cell(run, "total_cpu_ns_per_byte", 1, 3), median_cell(run, "syscalls", 1, 0),
           median_sum_cell(run, {"sender_voluntary_switches", "sender_involuntary_switches",
                                 "receiver_voluntary_switches", "receiver_involuntary_switches"}),
           median_bytes_cell(run, "transmit_linear_bytes"),
           median_bytes_cell(run, "transmit_paged_bytes"),
           run["verified"].get<bool>() ? "yes" : "NO"});
      if (!run["verified"].get<bool>())
        notes.push_back(row[0] + " (" + nic +
                        "): not verified: " + run.value("unverified_reason", std::string()));
    } else {
      row.insert(row.end(), {std::string(run["status"]), "", "", "", "", "", "", "", "no"});
      notes.push_back(row[0] + " (" + nic + "): " + std::string(run["status"]) + ": " +
                      run.value("reason", std::string()));
    }
    t.rows.push_back(std::move(row));
    const auto& p = run["parameters"];
    heading = format_size(p["size"]) + " in " + format_size(p["chunk"]) + " chunks, " +
              std::string(p["cache"]) + " page cache, medians of " +
              std::to_string(p["repetitions"].get<int>()) + " repetitions";
  }
  std::fprintf(out, "Why Kafka is fast, measured: file -> TCP over a veth pair, %s\n",
               heading.c_str());
  t.print(out);
  std::fprintf(out,
               "articles = copies/CPU copies/mode switches per chunk on the sender's path, disk "
               "and NIC DMA included (IBM zero-copy article, Kafka design doc); ledger = "
               "zc-bench's model of this run, same columns (hot cache: no disk DMA; veth: no NIC "
               "DMA). Measured: MB/s = 10^6 B/s; ns/B = CPU time per byte (rusage), total = "
               "sender + receiver; syscalls exact per repetition; ctx sw = context switches of "
               "both sides (rusage); tx linear/paged = bytes the egress device got in skb heads "
               "vs page fragments (net:net_dev_start_xmit len - data_len and data_len, sender "
               "and receiver context): without scatter-gather the kernel copies sendfile's pages "
               "into linear skbs; with it, sendfile's fragments are the page cache's own pages "
               "and write()'s are socket pages it copied into.\n");
  for (const auto& w : results["environment"]["warnings"])
    std::fprintf(out, "warning: %s\n", w.get<std::string>().c_str());
  for (const auto& run : results["runs"])
    for (const auto& w : run.value("warnings", json::array()))
      notes.push_back(std::string(run["strategy"]) + ": warning: " + w.get<std::string>());
  for (const auto& n : notes) std::fprintf(out, "%s\n", n.c_str());
  if (!results.value("complete", true))
    std::fprintf(out, "INCOMPLETE: %s\n", results.value("incomplete_reason", "").c_str());
}

}  // namespace zc
