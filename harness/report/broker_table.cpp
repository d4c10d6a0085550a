#include "harness/report/broker_table.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/measure/statistics.hpp"
#include "harness/report/catch_up_tax.hpp"
#include "harness/report/ranking.hpp"
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

std::string param(const json& run, const char* key) {
  const auto& p = run["parameters"];
  if (p.contains(key) && p[key].is_string()) return p[key].get<std::string>();
  if (p.contains("broker") && p["broker"].contains(key) && p["broker"][key].is_string())
    return p["broker"][key].get<std::string>();
  return "";
}

std::string label(const json& run) {
  return std::string(run["strategy"]) + " -> " + param(run, "consume") + " (" + param(run, "lag") +
         (param(run, "lag") == "lagging" ? ", " + param(run, "lag_read") : "") + ")";
}

// "564 ±3%": the median and the half-width of its 95% interval as a share
// of it, compact enough for 80 columns; the bare median with one
// repetition.
std::string ci_cell(const json& run, const char* key, double scale, int decimals) {
  const auto* m = measured_metric(run, key);
  if (!m) return "n/a";
  double median = (*m)["median"].get<double>();
  std::string cell = format_fixed(median * scale, decimals);
  auto low = m->find("ci95_low"), high = m->find("ci95_high");
  if (low == m->end() || high == m->end() || !low->is_number() || !high->is_number() || median == 0)
    return cell;
  double half = (high->get<double>() - low->get<double>()) / 2 / std::fabs(median) * 100;
  return cell + " \u00b1" + (half < 1 ? std::string("<1") : format_fixed(half, 0)) + "%";
}

// The phase a section shows: its lag, and for the lagging phase the policy.
struct Phase {
  std::string lag, lag_read, title;
};

std::vector<Phase> phases_of(const json& runs) {
  std::vector<Phase> out = {
      {"none", "", "producers alone:"},
      {"caught-up", "", "with caught-up consumers (fetching the tail as it is written):"}};
  for (const char* policy : {"buffered", "direct", "dontneed"})
    out.push_back({"lagging", policy,
                   std::string("with a lagging consumer added (from the start once half the log "
                               "is written and dropped from the page cache), ") +
                       policy + " reads:"});
  // Any other policy a newer document names keeps its section.
  for (const auto& run : runs)
    if (param(run, "lag") == "lagging") {
      auto lr = param(run, "lag_read");
      bool known = false;
      for (const auto& p : out) known = known || p.lag_read == lr;
      if (!known) out.push_back({"lagging", lr, "with a lagging consumer, " + lr + " reads:"});
    }
  return out;
}

bool in_phase(const json& run, const Phase& p) {
  if (param(run, "lag") != p.lag) return false;
  return p.lag != "lagging" || param(run, "lag_read") == p.lag_read;
}

// "in: splice -> sendfile, 1.08x (1.01-1.15) the rate of recv-write ->
// sendfile": the best run
// of a section by one metric, and its ratio to the runner-up with its
// interval; "tied" when the test cannot tell them apart.
std::string best_of(const json& section, const char* key, bool higher, const char* what) {
  std::vector<std::pair<double, const json*>> ranked;
  for (const auto& run : section)
    if (const auto* m = measured_metric(run, key))
      ranked.emplace_back((*m)["median"].get<double>(), &run);
  if (ranked.size() < 2) return "";
  std::sort(ranked.begin(), ranked.end(),
            [&](auto& a, auto& b) { return higher ? a.first > b.first : a.first < b.first; });
  auto name = [](const json& r) {
    return short_ingest(r["strategy"].get<std::string>()) +
           (param(r, "consume") == "none" ? "" : " -> " + param(r, "consume"));
  };
  auto a = repetition_values(*ranked[0].second, key), b = repetition_values(*ranked[1].second, key);
  std::string out = std::string(what) + ": " + name(*ranked[0].second);
  auto test = stats::mann_whitney(a, b);
  auto ratio = higher ? stats::ratio(b, a) : stats::ratio(a, b);
  // Both ways the ratio is the runner-up's figure over the best's, > 1.
  if (ratio && a.size() > 1 && b.size() > 1)
    out += ", " + format_fixed(ratio->estimate, 2) + "\u00d7 (" +
           format_fixed(ratio->interval.low, 2) + "\u2013" + format_fixed(ratio->interval.high, 2) +
           ") " + (higher ? "the rate of " : "lower than ") + name(*ranked[1].second);
  if (a.size() < 2 || b.size() < 2)
    out += " (one repetition: no interval)";
  else if (test.smallest_p_value >= stats::kAlpha)
    out += " (too few repetitions to test)";
  else if (test.p_value >= stats::kAlpha)
    out += " (tied: the test cannot tell them apart)";
  return out;
}

std::string bound_phrase(const json& runs) {
  for (const auto& run : runs) {
    if (!run.contains("cache_bound")) continue;
    const auto& b = run["cache_bound"];
    auto limit = format_size(b.value("limit", std::uint64_t(0)));
    if (b.value("method", "") == "none")
      return "page cache not bounded (" + b.value("reason", std::string("unavailable")) +
             "; --cache-limit " + limit + " unused)";
    return "page cache bounded to " + limit + " by a " + b.value("method", std::string());
  }
  return "";
}

}  // namespace

namespace {

// The key columns and the default table: what goes in and out, its
// latencies, and what was read from storage.
void add_headline_columns(ColumnList& cols) {
  auto left = [](const char* id, ColumnList::Cell cell) {
    return Column{id, id, true, true, true, 0, false, "", std::move(cell)};
  };
  cols.add(left("ingest", [](const json& r) { return short_ingest(r.value("strategy", "")); }));
  cols.add(left("consume", [](const json& r) { return param(r, "consume"); }));
  cols.metric("in", "in", true, 0,
              "in = MB/s (10^6 B/s) into the log from every producer, \u00b1 the half-width of "
              "the median's 95% interval",
              [](const json& r) { return ci_cell(r, "throughput_bytes_per_s", 1e-6, 0); });
  cols.metric("out", "out", true, 4, "out = MB/s to one caught-up consumer (the mean)",
              [](const json& r) { return ci_cell(r, "consume_throughput_bytes_per_s", 1e-6, 0); });
  cols.metric("prod-p99", "prod p99", true, 0,
              "prod p99 = the producers' append latency in ms, a record's send time to its append "
              "into the log, 99th percentile",
              [](const json& r) { return ci_cell(r, "producer_latency_p99_ns", 1e-6, 1); });
  cols.metric("p99", "e2e p99", true, 2,
              "e2e p99 = end-to-end latency in ms, send time to arrival at a caught-up consumer "
              "(the worst one)",
              [](const json& r) { return ci_cell(r, "e2e_latency_p99_ns", 1e-6, 1); });
  cols.metric("read", "read", true, 1,
              "read = bytes the broker's threads read from storage in the window (/proc/self/io)",
              bytes_of("storage_read_bytes"));
  cols.metric("lag-out", "lag out", true, 3,
              "lag out = MB/s to the lagging consumer: what its policy costs it",
              median_of("lag_throughput_bytes_per_s", 1e-6, 0));
}

// On request: the spread, more percentiles and the other rates.
void add_rate_columns(ColumnList& cols) {
  cols.metric("cv", "cv", false, 5, "cv = spread of in over the repetitions", cv_cell);
  cols.metric("prod-p50", "prod p50", false, 5,
              "prod p50, p999 = the producers' append latency, ms",
              median_of("producer_latency_p50_ns", 1e-6, 2));
  cols.metric("prod-p999", "prod p999", false, 5, "",
              median_of("producer_latency_p999_ns", 1e-6, 2));
  cols.metric("p50", "e2e p50", false, 5, "e2e p50 = end-to-end latency, median, ms",
              median_of("e2e_latency_p50_ns", 1e-6, 2));
  cols.metric("durable", "durable", false, 5, "durable = in, the final sync included",
              median_of("durable_throughput_bytes_per_s", 1e-6, 0));
  cols.metric("out-min", "out min", false, 5, "out min = MB/s to the slowest caught-up consumer",
              median_of("consume_throughput_min_bytes_per_s", 1e-6, 0));
}

// On request: storage, the page cache and memory.
void add_storage_columns(ColumnList& cols) {
  cols.metric("cons-read", "cons read", false, 5,
              "cons read = bytes the caught-up consumers' fetches read from storage "
              "(/proc/thread-self/io): the tail they found evicted",
              bytes_of("consumer_storage_read_bytes"));
  cols.metric("lag-read", "lag read", false, 5,
              "lag read = bytes the lagging consumer's fetches read from storage",
              bytes_of("lag_storage_read_bytes"));
  cols.metric("dev-read", "dev read", false, 5,
              "dev read = bytes the block device read in the window (/sys/block; system-wide)",
              bytes_of("device_read_bytes"));
  cols.metric("inserted", "pc in", false, 5,
              "pc in, pc out = the log's pages entering and leaving the page cache "
              "(filemap tracepoints, every CPU; evidence repetition)",
              median_of("page_cache_insertion_pages", 1, 0));
  cols.metric("evicted", "pc out", false, 5, "", median_of("page_cache_eviction_pages", 1, 0));
  cols.metric("majflt", "majflt", false, 5, "majflt = major page faults of the broker process",
              median_of("major_faults", 1, 0));
  cols.metric("peak", "peak", false, 5, "peak = the most the broker's memory cgroup held",
              bytes_of("cache_peak_bytes"));
  cols.metric("resident", "resident", false, 5,
              "resident = share of the log behind the lagging consumer still in the page cache "
              "after POSIX_FADV_DONTNEED (mincore)",
              median_of("lag_resident_fraction", 100, 0));
}

// On request: CPU per byte of each side, the syncs and the bytes written.
void add_cpu_columns(ColumnList& cols) {
  const struct {
    const char *id, *title;
    int drop;
    const char *legend, *key;
  } cpu[] = {
      {"cpu-in", "cpu in", 5, "cpu in = ns of CPU per log byte of the broker's ingesting threads",
       "ingest_cpu_ns_per_byte"},
      {"cpu-out", "cpu out", 5, "cpu out = per byte served of its serving threads (rusage)",
       "serve_cpu_ns_per_byte"},
      {"producer", "prod ns/B", 6, "prod ns/B = the producer processes' CPU per log byte",
       "producer_cpu_ns_per_byte"},
      {"consumer", "cons ns/B", 6, "cons ns/B = the consumer processes' CPU per byte they fetched",
       "consumer_cpu_ns_per_byte"},
  };
  for (const auto& c : cpu) cols.metric(c.id, c.title, false, c.drop, c.legend, cpu_of(c.key));
  cols.metric("syncs", "syncs", false, 6, "", median_of("syncs", 1, 0));
  cols.metric("storage-write", "written", false, 6, "written = /proc/self/io write_bytes",
              bytes_of("storage_write_bytes"));
}

}  // namespace

std::vector<Column> broker_columns() {
  ColumnList cols;
  add_headline_columns(cols);
  add_rate_columns(cols);
  add_storage_columns(cols);
  add_cpu_columns(cols);
  return cols.take();
}

void print_broker_table(const json& results, std::FILE* out, const TableOptions& options) {
  const auto& runs = results["runs"];
  const auto& p0 = runs[0]["parameters"];
  unsigned consumers = 0;
  for (const auto& run : runs)
    if (run["parameters"].contains("broker"))
      consumers = std::max(consumers, run["parameters"]["broker"].value("consumers", 0u));
  std::string heading =
      "The broker, measured: " + std::to_string(p0["broker"].value("producers", 0)) +
      " producers -> one partition log -> " + std::to_string(consumers) + " consumers over " +
      std::string(runs[0]["sink"]) + ", a " + format_size(p0["size"]) + " log of " +
      format_size(p0["record"]) + " records, sync " + std::string(p0["sync"]);
  if (auto bound = bound_phrase(runs); !bound.empty()) heading += ", " + bound;
  print_wrapped(out, heading + ", " + repetitions_phrase(runs), options.width);
  Notes notes;
  FittedTable table{broker_columns(), run_status};
  FittedTable::Printed printed;
  for (const auto& phase : phases_of(runs)) {
    json section = json::array();
    for (const auto& run : runs) {
      if (!in_phase(run, phase)) continue;
      section.push_back(run);
      if (!has_figures(run)) notes.add(label(run), run_status(run));
      for (const auto& w : run.value("warnings", json::array()))
        notes.add(label(run), "warning: " + w.get<std::string>());
    }
    if (section.empty()) continue;
    std::fprintf(out, "\n");
    print_wrapped(out, phase.title, options.width);
    // Every section has the same columns, unless one had to drop more to
    // fit: the legend is of the one that shows the most.
    auto p = table.print(out, section, options);
    if (p.legend.size() >= printed.legend.size()) printed = std::move(p);
    for (auto [key, higher, what] : {std::tuple{"throughput_bytes_per_s", true, "in"},
                                     {"consume_throughput_bytes_per_s", true, "out"},
                                     {"producer_latency_p99_ns", false, "prod p99"}})
      if (auto line = best_of(section, key, higher, what); !line.empty())
        print_wrapped(out, line, options.width);
  }
  std::fprintf(out, "\n");
  print_taxes(catch_up_taxes(results), out, options);
  print_more_columns(out, printed, options, /*copies_section=*/false);
  print_wrapped(out,
                "Verified end to end: "
                "every consumer's bytes hash to the log's, and each producer's records in them "
                "to what it sent.",
                options.width);
  print_footer(results, notes, out, options);
}

}  // namespace zc
