#include "harness/report/receive_table.hpp"

#include <cmath>
#include <utility>

#include "harness/base/units.hpp"
#include "harness/measure/statistics.hpp"
#include "harness/report/copies_table.hpp"
#include "harness/report/ranking.hpp"
#include "harness/report/table.hpp"
#include "harness/report/zerocopy_notes.hpp"

namespace zc {
namespace {

using nlohmann::json;

constexpr const char* kCpu = "receiver_cpu_ns_per_byte";

std::string receiver(const json& run) { return run.value("receiver", std::string("recv")); }
std::string sender(const json& run) { return run.value("strategy", std::string()); }
std::string path(const json& run) { return receiver(run) + " from " + sender(run); }

std::optional<double> cpu(const json& run) {
  if (run.value("status", "") != "ok") return std::nullopt;
  const auto* m = measured_metric(run, kCpu);
  if (!m || !m->contains("median")) return std::nullopt;
  return (*m)["median"].get<double>();
}

std::string ns(double v) { return format_fixed(v, 3) + " ns/B"; }

// `b` against `a`: the ratio with its interval ("0.44x (0.40-0.48)") and
// what the rank test says ("p = 0.002", a tie, or too few repetitions).
std::pair<std::string, std::string> versus(const json& a, const json& b) {
  auto va = repetition_values(a, kCpu), vb = repetition_values(b, kCpu);
  auto r = stats::ratio(va, vb);
  if (!r) return {};
  auto test = stats::mann_whitney(va, vb);
  std::string ratio = format_fixed(r->estimate, 2) + "x (" + format_fixed(r->interval.low, 2) +
                      "-" + format_fixed(r->interval.high, 2) + ")";
  if (test.smallest_p_value > stats::kAlpha)
    return {ratio, "undecided: " + plural(long(va.size()), "repetition") +
                       " each cannot reach p < 0.05 (--reps 4 or more)"};
  if (test.p_value >= stats::kAlpha)
    return {ratio, "a TIE (p = " + format_fixed(test.p_value, 2) + ")"};
  return {ratio, "p = " + format_fixed(test.p_value, 3)};
}

std::string mapped_cell(const json& r) {
  if (receiver(r) != "zerocopy-receive") return "-";
  auto cell = median_cell(r, "receiver_zerocopy_mapped_fraction", 100, 1);
  return cell == "n/a" ? std::string("none") : cell + "%";
}

}  // namespace

std::string cheapest_receive_path(const json& runs) {
  const json* best = nullptr;
  for (const auto& r : runs)
    if (auto c = cpu(r); c && (!best || *c < *cpu(*best))) best = &r;
  if (!best) return "Which receive path costs least per byte: none finished here.";
  // The baseline: recv from the same sender (only the receiver differs);
  // when the best is recv, the cheapest path that maps instead.
  const json* base = nullptr;
  for (const auto& r : runs) {
    if (&r == best || !cpu(r)) continue;
    const bool same_sender = sender(r) == sender(*best) && receiver(r) == "recv";
    const bool other = receiver(*best) == "recv" && receiver(r) != "recv";
    if ((same_sender || other) && (!base || *cpu(r) < *cpu(*base))) base = &r;
  }
  std::string s = "Cheapest receive path per byte: " + path(*best) + " at " + ns(*cpu(*best)) +
                  " of receiver CPU (median)";
  if (!base) return s + "; nothing to compare it with.";
  auto [ratio, test] = versus(*base, *best);
  if (ratio.empty()) return s + "; " + path(*base) + ": " + ns(*cpu(*base)) + ".";
  return s + ", " + ratio + " of " + path(*base) + " (" + ns(*cpu(*base)) + "); " + test + ".";
}

std::vector<Column> receive_columns() {
  std::vector<Column> cols;
  auto add = [&](const char* id, const char* title, bool left, bool key, bool metric, int drop,
                 const char* legend, std::function<std::string(const json&)> cell) {
    cols.push_back({id, title, left, true, key, drop, metric, legend, std::move(cell)});
  };
  add("receiver", "receiver", true, true, false, 0, "", receiver);
  add("sender", "sender", true, true, false, 0, "", sender);
  add("rcv", "rcv ns/B", false, false, true, 0,
      "rcv ns/B = receiver CPU per byte (rusage, its receive loop, hashing included), \u00b1 "
      "the half-width of the median's 95% interval",
      [](const json& r) { return median_ci_cell(r, kCpu, 1, 3); });
  add("mapped", "mapped", false, false, true, 0,
      "mapped = share TCP_ZEROCOPY_RECEIVE mapped (none: nothing can map, see the notes)",
      mapped_cell);
  add("mbps", "MB/s", false, false, true, 3, "MB/s = 10^6 B/s",
      median_of("throughput_bytes_per_s", 1e-6, 0));
  add("total", "total ns/B", false, false, true, 4, "total = sender + receiver CPU per byte",
      cpu_of("total_cpu_ns_per_byte"));
  add("check", "check", false, false, true, 0,
      "check = model check on kernel evidence: pass, FAIL or not measured (n/m)", check_cell);
  add("verified", "verified", false, false, true, 2, "",
      [](const json& r) { return std::string(r.value("verified", false) ? "yes" : "NO"); });
  return cols;
}

void print_receive_table(const json& results, std::FILE* out, const TableOptions& options) {
  const auto& runs = results["runs"];
  print_wrapped(out, cheapest_receive_path(runs), options.width);
  for (const auto& r : runs)
    if (receiver(r) == "zcrx" && r.value("status", "") != "ok")
      print_wrapped(
          out, "zcrx " + r.value("status", std::string()) + ": " + r.value("reason", std::string()),
          options.width);
  std::string heading = "Receive paths, one stream";
  if (!runs.empty()) {
    const auto& p = runs[0]["parameters"];
    heading += ": " + format_size(p["size"]) + " in " + format_size(p["chunk"]) + " chunks over " +
               runs[0].value("sink", std::string()) + ", " + repetitions_phrase(runs);
  }
  std::fprintf(out, "\n");
  print_wrapped(out, heading, options.width);
  auto printed = FittedTable{receive_columns(), run_status}.print(out, runs, options);
  print_more_columns(out, printed, options, /*copies_section=*/true);
  if (options.copies || options.wide) print_copies_table(results, out, options);
  Notes notes;
  for (const auto& run : runs) {
    if (!has_figures(run)) continue;
    if (run.contains("copy_verdict")) notes.add(path(run), run["copy_verdict"].get<std::string>());
    for (auto& n : zerocopy_notes(run)) notes.add(path(run), n.substr(n.find(": ") + 2));
    for (const auto& w : run.value("warnings", json::array()))
      notes.add(path(run), "warning: " + w.get<std::string>());
  }
  print_footer(results, notes, out, options);
}

}  // namespace zc
