#include "harness/report/kafka_table.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/report/copies_table.hpp"
#include "harness/report/table.hpp"

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

// The TLS rows, which the articles do not count.
const char* tls_path(const std::string& strategy) {
  if (strategy == "tls-read-write") return "read + SSL_write";
  if (strategy == "ktls-sendfile") return "kTLS sendfile";
  return nullptr;
}

// "812.3 MB/s [809.0..815.1]": a metric's median and its 95% interval
// (when there is one), scaled.
std::string with_interval(const json& m, double scale, int decimals, const std::string& unit) {
  std::string out = format_fixed(m["median"].get<double>() * scale, decimals) + unit;
  if (m.contains("ci95_low") && m["ci95_low"].is_number() && m["ci95_high"].is_number())
    out += " [" + format_fixed(m["ci95_low"].get<double>() * scale, decimals) + ".." +
           format_fixed(m["ci95_high"].get<double>() * scale, decimals) + "]";
  return out;
}

// What SSL costs: the SSL row against plaintext sendfile with the NIC's
// gather on (what Kafka does without SSL), both measured in this run.
std::string ssl_cost(const json& runs, const RateUnit& unit) {
  const json *tls = nullptr, *plain = nullptr;
  for (const auto& r : runs) {
    if (!has_figures(r)) continue;
    if (r["strategy"] == "tls-read-write") tls = &r;
    if (r["strategy"] == "sendfile" && egress_gathers(r)) plain = &r;
  }
  if (!tls || !plain) return {};
  const auto *t_tp = measured_metric(*tls, "throughput_bytes_per_s"),
             *p_tp = measured_metric(*plain, "throughput_bytes_per_s"),
             *t_cpu = measured_metric(*tls, "sender_cpu_ns_per_byte"),
             *p_cpu = measured_metric(*plain, "sender_cpu_ns_per_byte");
  if (!t_tp || !p_tp || !t_cpu || !p_cpu) return {};
  const double tp = (*t_tp)["median"].get<double>() / (*p_tp)["median"].get<double>();
  const double cpu = (*t_cpu)["median"].get<double>() / (*p_cpu)["median"].get<double>();
  const std::string rate = " " + std::string(unit.name);
  return "What SSL costs (medians; in brackets the median's 95% interval, min..max with 5 or "
         "fewer repetitions): read + SSL_write moved " +
         with_interval(*t_tp, unit.scale, unit.decimals(1), rate) + " against sendfile's " +
         with_interval(*p_tp, unit.scale, unit.decimals(1), rate) + " (" +
         format_fixed(tp * 100, 0) + "%), at " + with_interval(*t_cpu, 1, 3, " ns/B") +
         " of sender CPU against " + with_interval(*p_cpu, 1, 3, " ns/B") + " (" +
         format_fixed(cpu, 1) +
         "x): a read copy, encryption and a write copy where sendfile makes none. Kafka's doc: "
         "\"When the transport layer uses the SSL protocol, sendfile will not be used.\"";
}

std::string triple(int a, int b, double c) {
  return std::to_string(a) + "/" + std::to_string(b) + "/" + format_number(c);
}

std::string nic(const json& run) {
  return std::string("sg=") + (egress_gathers(run) ? "on" : "off");
}

std::string path(const json& run) {
  const auto* claim = claim_for(run);
  if (claim) return claim->path;
  const std::string s = run.value("strategy", std::string());
  const char* tls = tls_path(s);
  return tls ? std::string(tls) : s;
}

std::string articles_cell(const json& run) {
  const auto* claim = claim_for(run);
  return claim ? triple(claim->copies, claim->cpu_copies, claim->switches) : std::string("-");
}

// The articles count the sender's path to the wire; the receiver's copy
// (which loopback and veth always make) is in the JSON, not here.
std::string ledger_cell(const json& run) {
  const auto& l = run["ledger"];
  const int cpu = l["cpu_copies_sender"].get<int>();
  return triple(cpu + l["dma_copies"].get<int>(), cpu, l["mode_switches_per_chunk"].get<double>());
}

}  // namespace

std::vector<Column> kafka_columns(const RateUnit& unit) {
  std::vector<Column> cols;
  auto add = [&](const char* id, std::string title, bool left, bool key, bool metric, int drop,
                 std::string legend, std::function<std::string(const json&)> cell) {
    cols.push_back(
        {id, std::move(title), left, true, key, drop, metric, std::move(legend), std::move(cell)});
  };
  add("path", "path", true, true, false, 0, "", path);
  add("nic", "nic", true, false, false, 8, "nic = the egress device's scatter-gather", nic);
  add("articles", "articles", false, false, false, 0,
      "articles = copies/CPU copies/mode switches per chunk on the sender's path, disk and NIC "
      "DMA included (IBM zero-copy article, Kafka design doc)",
      articles_cell);
  add("ledger", "ledger", false, false, false, 0,
      "ledger = zc-bench's model of this run, same counts (hot cache: no disk DMA; veth: no NIC "
      "DMA)",
      ledger_cell);
  add("mbps", std::string(unit.name), false, false, true, 0,
      unit.legend() +
          ", \u00b1 the half-width of the median's 95% interval (min..max with 5 or fewer "
          "repetitions)",
      [unit](const json& r) {
        return median_ci_cell(r, "throughput_bytes_per_s", unit.scale, unit.decimals(0));
      });
  add("cv", "cv", false, false, true, 5, "cv = the throughput's spread over the repetitions",
      cv_cell);
  cols.back().shown = false;  // on request (--columns cv): the interval says more
  add("snd", "snd ns/B", false, false, true, 2, "ns/B = CPU time per byte (rusage) of the sender",
      cpu_of("sender_cpu_ns_per_byte"));
  add("total", "total ns/B", false, false, true, 6, "total = sender + receiver",
      cpu_of("total_cpu_ns_per_byte"));
  add("syscalls", "syscalls", false, false, true, 7, "syscalls = exact, per repetition",
      median_of("syscalls", 1, 0));
  add("ctx", "ctx sw", false, false, true, 7, "ctx sw = context switches of both sides (rusage)",
      [](const json& r) {
        return median_sum_cell(r, {"sender_voluntary_switches", "sender_involuntary_switches",
                                   "receiver_voluntary_switches", "receiver_involuntary_switches"});
      });
  add("linear", "linear", false, false, true, 1,
      "linear = bytes the egress device got in skb heads (net:net_dev_start_xmit): without "
      "scatter-gather the kernel copies sendfile's pages into linear skbs",
      bytes_of("transmit_linear_bytes"));
  add("paged", "paged", false, false, true, 1,
      "paged = bytes in page fragments: sendfile's are the page cache's own pages, write()'s "
      "socket pages it copied into",
      bytes_of("transmit_paged_bytes"));
  add("verified", "verified", false, false, true, 3, "", [](const json& r) {
    if (r.value("status", "") != "ok") return r.value("status", std::string());
    return std::string(r.value("verified", false) ? "yes" : "NO");
  });
  return cols;
}

void print_kafka_table(const json& results, std::FILE* out, const TableOptions& options) {
  const auto& runs = results["runs"];
  std::string heading;
  if (!runs.empty()) {
    const auto& p = runs[0]["parameters"];
    heading = format_size(p["size"]) + " in " + format_size(p["chunk"]) + " chunks, " +
              std::string(p["cache"]) + " page cache, " + repetitions_phrase(runs);
  }
  print_wrapped(out, "Why Kafka is fast, measured: file -> TCP over a veth pair, " + heading,
                options.width);
  auto printed = FittedTable{kafka_columns(options.units), run_status}.print(out, runs, options);
  // The answer under the table: which row is faster, by how much, or tied.
  print_rankings_fitted(results, out, options, /*cell_legend=*/false);
  print_more_columns(out, printed, options, /*copies_section=*/true);
  if (options.copies || options.wide) print_copies_table(results, out, options);
  Notes notes;
  for (const auto& run : runs) {
    if (!has_figures(run)) continue;
    std::string who = path(run) + " (" + nic(run) + ")";
    if (run.value("status", "") == "ok" && !run.value("verified", false))
      notes.add(who, "not verified: " + run.value("unverified_reason", std::string()));
    for (const auto& w : run.value("warnings", json::array()))
      notes.add(who, "warning: " + w.get<std::string>());
  }
  if (auto cost = ssl_cost(runs, options.units); !cost.empty())
    print_wrapped(out, cost, options.width);
  print_footer(results, notes, out, options);
}

}  // namespace zc
