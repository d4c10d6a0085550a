#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <map>

#include "harness/base/errors.hpp"
#include "harness/base/file_system.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/percentile.hpp"
#include "harness/workloads/broker/broker_metrics.hpp"
#include "harness/workloads/broker/broker_pipeline.hpp"

namespace zc {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The caught-up consumers' metrics, each unavailable when producers run alone.
constexpr std::array kCaughtUp = {"consume_wall_s",
                                  "consume_throughput_bytes_per_s",
                                  "consume_throughput_min_bytes_per_s",
                                  "e2e_latency_p50_ns",
                                  "e2e_latency_p99_ns",
                                  "e2e_latency_p999_ns",
                                  "e2e_latency_max_ns",
                                  "consumer_storage_read_bytes",
                                  "consumer_storage_read_fraction",
                                  "serve_cpu_ns_per_byte",
                                  "consumer_cpu_ns_per_byte"};

// The consumer processes' latency figures, each an e2e_ metric.
constexpr std::array kConsumerLatencies = {"latency_p50_ns", "latency_p99_ns", "latency_p999_ns",
                                           "latency_max_ns"};

// The caught-up consumers together (the lagging one has its own figures).
struct CaughtUp {
  unsigned n = 0;
  double tput = 0, tput_min = 0, reads = 0;
  std::uint64_t first = ~0ull, last = 0;
  bool reads_ok = true;
  std::string why;
  std::map<std::string, double> worst;  // each latency figure's worst consumer

  void add(const Consumer& k, double bytes) {
    ++n;
    double t = bytes / k.seconds();
    tput += t;
    tput_min = tput_min == 0 ? t : std::min(tput_min, t);
    first = std::min(first, k.t_start);
    last = std::max(last, k.t_end);
    if (auto r = k.read_bytes()) {
      reads += *r;
    } else {
      reads_ok = false;
      why = k.read_why;
    }
    for (auto key : kConsumerLatencies)
      if (auto it = k.report.evidence.find(key); it != k.report.evidence.end())
        worst[key] = std::max(worst[key], double(it->second));
  }

  void values(double bytes, Values& v, Unavailable& u) const {
    v["consume_wall_s"] = double(last - first) * 1e-9;
    v["consume_throughput_bytes_per_s"] = tput / n;
    v["consume_throughput_min_bytes_per_s"] = tput_min;
    if (reads_ok) {
      v["consumer_storage_read_bytes"] = reads;
      v["consumer_storage_read_fraction"] = reads / bytes;
    } else {
      u["consumer_storage_read_bytes"] = u["consumer_storage_read_fraction"] = why;
    }
    for (std::string key : kConsumerLatencies)
      if (auto it = worst.find(key); it != worst.end())
        v["e2e_" + key] = it->second;
      else
        u["e2e_" + key] = "no record carried a send time";
  }
};

// Each producer's own figures, merged as the skeleton merges streams
// (sums; means of the per-byte figures: every producer appends the same
// bytes), and the append latency over every producer's records.
void producer_values(const std::vector<Producer>& producers, double bytes, Values& v,
                     Unavailable& u) {
  const double each = bytes / double(producers.size());
  std::vector<Values> own;
  std::vector<std::uint64_t> latencies;
  for (auto& p : producers) {
    own.push_back({{"ingest_cpu_ns_per_byte", p.usage.cpu_s() * 1e9 / each},
                   {"producer_user_s", p.report.usage.user_s},
                   {"producer_sys_s", p.report.usage.sys_s},
                   {"producer_cpu_ns_per_byte", p.report.usage.cpu_s() * 1e9 / each},
                   {"producer_write_calls", double(p.report.read_calls)},
                   {"syscalls", double(p.calls.syscalls)}});
    latencies.insert(latencies.end(), p.latencies.begin(), p.latencies.end());
  }
  merge_stream_values(broker_metrics(), own, {}, v, u);
  if (latencies.empty()) throw std::runtime_error("no record's append was timed");
  v["producer_latency_max_ns"] = double(*std::max_element(latencies.begin(), latencies.end()));
  v["producer_latency_p50_ns"] = percentile(latencies, 0.50);
  v["producer_latency_p99_ns"] = percentile(latencies, 0.99);
  v["producer_latency_p999_ns"] = percentile(latencies, 0.999);
}

void consumer_values(const std::vector<Consumer>& consumers, double bytes, Values& v,
                     Unavailable& u) {
  double serve = 0, cpu = 0;
  CaughtUp up;
  for (const auto& k : consumers) {
    serve += k.usage.cpu_s();
    cpu += k.report.usage.cpu_s();
    if (!k.lagging) up.add(k, bytes);
  }
  if (up.n == 0) {
    for (auto key : kCaughtUp) u[key] = "producers alone: no consumers in this phase";
    return;
  }
  const double served = bytes * double(consumers.size());
  v["serve_cpu_ns_per_byte"] = serve * 1e9 / served;
  v["consumer_cpu_ns_per_byte"] = cpu * 1e9 / served;
  up.values(bytes, v, u);
}

void perf_values(PerfCounterSet& perf, Values& v, Unavailable& u) {
  auto results = perf.read();
  for (auto [event, key] : {std::pair{"insertions", "page_cache_insertion_pages"},
                            {"evictions", "page_cache_eviction_pages"}}) {
    if (!perf.available()) {
      u[key] = perf.reason();
      continue;
    }
    const auto& r = results[event];
    auto it = r.sums.find("pages_of_order");
    if (!r.available)
      u[key] = r.reason;
    else if (it == r.sums.end() || r.sums_partial)
      u[key] = r.sums_reason.empty() ? "records were lost: the count is incomplete" : r.sums_reason;
    else
      v[key] = double(it->second);
  }
}

json consumer_json(const std::vector<Consumer>& consumers, double bytes) {
  json out = json::array();
  for (unsigned j = 0; j < consumers.size(); ++j) {
    const auto& k = consumers[j];
    json c = {{"index", j},
              {"lagging", k.lagging},
              {"throughput_bytes_per_s", bytes / k.seconds()},
              {"serve_cpu_s", k.usage.cpu_s()},
              {"serve_syscalls", k.calls.syscalls},
              {"report", k.report}};
    if (k.read0 && k.read1)
      c["storage_read_bytes"] = *k.read1 - *k.read0;
    else
      c["storage_read_reason"] = k.read_why;
    out.push_back(c);
  }
  return out;
}

// The producers' clock: from go (the window's start) to the last record
// in the log, then to the final sync.
void clock_values(const Pipeline& pl, const BrokerParams& p, double bytes, Values& v) {
  const auto t0 = pl.window.t0();
  const double wall = double(pl.produced - t0) * 1e-9;
  const double records = double(pl.records.load());
  v["wall_s"] = wall;
  v["throughput_bytes_per_s"] = bytes / wall;
  v["records"] = records;
  v["records_per_s"] = records / wall;
  v["syncs"] = double(pl.syncs.load());
  v["final_sync_s"] = double(pl.synced - pl.produced) * 1e-9;
  v["durable_throughput_bytes_per_s"] = bytes / (double(pl.synced - t0) * 1e-9);
  v["producers"] = p.producers;
  v["consumers"] = p.consumers;
}

void lag_values(const Pipeline& pl, const BrokerParams& p, double bytes, Values& v,
                Unavailable& u) {
  if (!p.has_lagging()) {
    for (auto key : {"lag_throughput_bytes_per_s", "lag_storage_read_bytes",
                     "lag_storage_read_fraction", "lag_dropped_bytes", "lag_resident_fraction"})
      u[key] = "no lagging consumer in this phase";
    return;
  }
  const auto& k = pl.consumers.back();
  v["lag_throughput_bytes_per_s"] = bytes / k.seconds();
  if (auto r = k.read_bytes()) {
    v["lag_storage_read_bytes"] = *r;
    v["lag_storage_read_fraction"] = *r / bytes;
  } else {
    u["lag_storage_read_bytes"] = u["lag_storage_read_fraction"] = k.read_why;
  }
  v["lag_dropped_bytes"] = double(pl.lag.dropped);
  v["lag_resident_fraction"] = pl.lag.resident;
}

// The machine over the window: the process's CPU, faults and storage (its
// writes up to the final sync), the log's device's reads.
void window_values(const Pipeline& pl, const fs::path& work_dir, double bytes, Values& v,
                   Unavailable& u) {
  const bool tmpfs = filesystem_name(work_dir) == "tmpfs";
  const auto& w = pl.window;
  double process = w.process().cpu_s();
  double peers = 0;
  for (auto& p : pl.producers) peers += p.report.usage.cpu_s();
  for (auto& k : pl.consumers) peers += k.report.usage.cpu_s();
  v["process_cpu_ns_per_byte"] = process * 1e9 / bytes;
  v["total_cpu_ns_per_byte"] = (process + peers) * 1e9 / bytes;
  v["major_faults"] = double(w.process().major_faults);
  if (auto io = w.storage(); io && pl.written && !tmpfs) {
    v["storage_read_bytes"] = double(io->read_bytes);
    v["storage_write_bytes"] = double(pl.written->write_bytes);
    v["storage_write_amplification"] = v["storage_write_bytes"] / bytes;
  } else {
    u["storage_read_bytes"] = u["storage_write_bytes"] = u["storage_write_amplification"] =
        tmpfs ? "the log is on tmpfs, which has no storage behind its page cache" : w.storage_why();
  }
  if (auto d = w.device())
    v["device_read_bytes"] = double(d->read_bytes);
  else
    u["device_read_bytes"] = w.device_why();
}

}  // namespace

json verify_broker_log(const Pipeline& pl, const fs::path& log_path, std::uint64_t size) {
  const auto& producers = pl.producers;
  const auto& consumers = pl.consumers;
  struct stat st {};
  check_unix(::stat(log_path.c_str(), &st), "stat log");
  if (std::uint64_t(st.st_size) != size)
    throw std::runtime_error("log is " + std::to_string(st.st_size) + " bytes, expected " +
                             std::to_string(size));
  auto log_hash = hash_file(log_path, size);
  for (unsigned j = 0; j < consumers.size(); ++j) {
    const auto& r = consumers[j].report;
    std::string who = "consumer " + std::to_string(j);
    if (r.bytes != size || !r.hash || *r.hash != log_hash)
      throw std::runtime_error(who + " got " + std::to_string(r.bytes) + " bytes hashing " +
                               (r.hash ? hex64(*r.hash) : "(none)") + "; the log is " +
                               std::to_string(size) + " bytes hashing " + hex64(log_hash));
    for (unsigned i = 0; i < producers.size(); ++i) {
      auto it = r.evidence.find("producer_" + std::to_string(i) + "_hash");
      const auto& sent = producers[i].report;
      if (it == r.evidence.end() || !sent.hash || it->second != *sent.hash)
        throw std::runtime_error(who + ": producer " + std::to_string(i) +
                                 "'s records in the log do not hash to what it sent");
    }
  }
  return {{"verified", true},
          {"hash", hex64(log_hash)},
          {"method",
           "every consumer's bytes hash to the log's; in each, every producer's "
           "records hash to what that producer sent"}};
}

void add_broker_values(const Pipeline& pl, const BrokerParams& p, const fs::path& work_dir,
                       double bytes, Values& v, Unavailable& u) {
  clock_values(pl, p, bytes, v);
  producer_values(pl.producers, bytes, v, u);
  consumer_values(pl.consumers, bytes, v, u);
  lag_values(pl, p, bytes, v, u);
  window_values(pl, work_dir, bytes, v, u);
  if (pl.peak)
    v["cache_peak_bytes"] = double(*pl.peak);
  else
    u["cache_peak_bytes"] =
        pl.cgroup ? "the memory cgroup does not say its peak" : "no memory cgroup: " + pl.bound_why;
  if (pl.perf) perf_values(*pl.perf, v, u);
}

json broker_repetition_json(const Pipeline& pl, const BrokerParams& p, const Values& values,
                            const json& verification, const json& bound, double bytes) {
  json rep = {{"values", values}, {"verification", verification}, {"cache_bound", bound}};
  rep["consumers"] = consumer_json(pl.consumers, bytes);
  rep["producers"] = json::array();
  for (auto& producer : pl.producers) rep["producers"].push_back(producer.report);
  if (p.has_lagging())
    rep["lag"] = {{"dropped_bytes", pl.lag.dropped}, {"resident_fraction", pl.lag.resident}};
  return rep;
}

}  // namespace zc
