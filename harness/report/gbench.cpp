#include "harness/report/gbench.hpp"

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "harness/report/roles.hpp"

namespace zc {
namespace {

using nlohmann::json;

// Google Benchmark's default unit: its compare.py prints times without
// decimals, which would round a small run's milliseconds to 0.
constexpr double kPerSecond = 1e9;
constexpr const char* kTimeUnit = "ns";

// The one aggregate written: the median, a time Google Benchmark's
// compare.py and time-plotting dashboards read as one. The spread travels
// as counters on it (rate_ci95_low, rate_ci95_high), never as rows of
// their own that tools would take for times (a stddev that "got slower",
// an interval's coverage as "1 ns").
constexpr const char* kMedian = "median";

bool finite_number(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

// Google Benchmark's own rate counters, so that dashboards plot a rate:
// bytes_per_second from the run's throughput role, items_per_second from
// its rate of items (a metric in 1/s: records).
struct Rate {
  std::string counter, key;
};
std::vector<Rate> rates(const json& run) {
  std::vector<Rate> out;
  if (auto t = role_key(run, "throughput"); !t.empty()) out.push_back({"bytes_per_second", t});
  const json metrics = run.value("metrics", json::object());  // iterated: not a temporary
  for (const auto& [key, m] : metrics.items())
    if (m.value("unit", "") == "1/s" && higher_is_better(m)) {
      out.push_back({"items_per_second", key});
      break;
    }
  return out;
}

// Google Benchmark's CPU time is the run's cpu role (the measured side's
// whole process) times the bytes it moved: the throughput role's rate
// times the wall time, so that --streams N counts every stream's bytes.
double cpu_ns(double cpu_ns_per_byte, double bytes_per_s, double wall_s) {
  return cpu_ns_per_byte * bytes_per_s * wall_s;
}

json context(const json& results) {
  const auto& env = results["environment"];
  json c = {{"date", results.value("started_at", "")}, {"host_name", env.value("hostname", "")}};
  if (env.contains("executable")) c["executable"] = env["executable"];
  c["num_cpus"] = env.value("cores", 0);
  if (auto mhz = env.value("cpu_mhz", json::object()); mhz.value("available", false))
    c["mhz_per_cpu"] = std::llround(mhz["value"].get<double>());
  // As Google Benchmark decides it: a governor other than "performance"
  // scales; no cpufreq at all does not.
  const auto governor = env.value("cpu_governor", json::object());
  c["cpu_scaling_enabled"] =
      governor.value("available", false) && governor.value("value", "") != "performance";
  c["caches"] = json::array();
  for (const auto& cache : env.value("cpu_caches", json::array()))
    c["caches"].push_back({{"type", cache["type"]},
                           {"level", cache["level"]},
                           {"size", cache["size_bytes"]},
                           {"num_sharing", cache["num_sharing"]}});
  if (env.contains("load_avg")) c["load_avg"] = env["load_avg"];
  c["library_build_type"] = env.value("build_type", "") == "Debug" ? "debug" : "release";
  // Google Benchmark's custom context (AddCustomContext): strings only.
  for (const char* key : {"zc_bench_version", "git_commit", "kernel_release", "cpu_model"})
    if (env.contains(key) && env[key].is_string()) c[std::string("zc_bench.") + key] = env[key];
  return c;
}

json entry(const json& run, std::size_t index, const char* run_type) {
  const auto& name = run["name"];
  return {{"name", name},
          {"family_index", index},
          {"per_family_instance_index", 0},
          {"run_name", name},
          {"run_type", run_type},
          {"repetitions", run["parameters"].value("repetitions", 1)},
          {"threads", 1}};
}

// Google Benchmark reports a run that did not time anything with zero
// times; its compare.py needs the fields to be there.
void no_times(json& e) {
  e["iterations"] = 0;
  e["real_time"] = 0;
  e["cpu_time"] = 0;
  e["time_unit"] = kTimeUnit;
}

json repetition_entry(const json& run, std::size_t index, const json& rep) {
  json e = entry(run, index, "iteration");
  e["repetition_index"] = rep.value("index", 0);
  if (rep.value("status", "") != "ok") {
    e["error_occurred"] = true;
    e["error_message"] = rep.value("error", rep.value("status", "error"));
    no_times(e);
    return e;
  }
  const auto& values = rep["values"];
  const double wall = values.value("wall_s", 0.0);
  e["iterations"] = 1;
  e["real_time"] = wall * kPerSecond;
  e["cpu_time"] = cpu_ns(values.value(role_key(run, "cpu"), 0.0),
                         values.value(role_key(run, "throughput"), 0.0), wall) *
                  1e-9 * kPerSecond;
  e["time_unit"] = kTimeUnit;
  for (const auto& [key, v] : values.items())
    if (finite_number(v)) e[key] = v;
  for (const auto& r : rates(run))
    if (values.contains(r.key) && finite_number(values[r.key])) e[r.counter] = values[r.key];
  return e;
}

// The bytes one repetition moved (the same in every one): its throughput
// role's rate times its wall time.
std::optional<double> bytes_moved(const json& run) {
  const auto rate = role_key(run, "throughput");
  for (const auto& rep : run.value("repetitions", json::array())) {
    if (rep.value("status", "") != "ok" || !rep.contains("values")) continue;
    const auto& v = rep["values"];
    if (v.contains(rate) && finite_number(v[rate]) && v.contains("wall_s") &&
        finite_number(v["wall_s"]))
      return cpu_ns(1, v[rate].get<double>(), v["wall_s"].get<double>());
  }
  return std::nullopt;
}

// The median entry from the document's statistics, with the 95% interval
// of the median of its rates and its cpu figure as counters; nothing when
// wall time or CPU time lacks a median (one repetition).
std::optional<json> median_entry(const json& run, std::size_t index) {
  const auto& metrics = run["metrics"];
  auto stat = [&](const std::string& key, const char* name) -> std::optional<double> {
    auto it = metrics.find(key);
    if (it == metrics.end() || !it->value("available", false) || !it->contains(name) ||
        !finite_number((*it)[name]))
      return std::nullopt;
    return (*it)[name].get<double>();
  };
  const auto cpu_key = role_key(run, "cpu");
  auto wall = stat("wall_s", kMedian);
  auto cpu = stat(cpu_key, kMedian);
  auto bytes = bytes_moved(run);
  if (!wall || !cpu || !bytes) return std::nullopt;
  json e = entry(run, index, "aggregate");
  e["name"] = run["name"].get<std::string>() + "_" + kMedian;
  e["aggregate_name"] = kMedian;
  e["aggregate_unit"] = "time";
  e["iterations"] = 1;
  e["real_time"] = *wall * kPerSecond;
  e["cpu_time"] = *cpu * *bytes * 1e-9 * kPerSecond;
  e["time_unit"] = kTimeUnit;
  for (const auto& [key, m] : metrics.items())
    if (m.value("available", false) && m.contains(kMedian) && finite_number(m[kMedian]))
      e[key] = m[kMedian];
  auto counters = [&](const std::string& counter, const std::string& key) {
    if (auto v = stat(key, kMedian)) e[counter] = *v;
    for (const char* end : {"ci95_low", "ci95_high"})
      if (auto v = stat(key, end)) e[counter + "_" + end] = *v;
  };
  for (const auto& r : rates(run)) counters(r.counter, r.key);
  if (!cpu_key.empty()) counters(cpu_key, cpu_key);
  return e;
}

void add_run(json& benchmarks, const json& run, std::size_t index, const GbenchOptions& options) {
  const std::string status = run.value("status", "");
  if (status == "unsupported") {
    if (options.aggregates_only) return;
    json e = entry(run, index, "iteration");
    e["repetition_index"] = 0;
    e["skipped"] = true;
    e["skip_message"] = run.value("reason", "unsupported");
    no_times(e);
    benchmarks.push_back(std::move(e));
    return;
  }
  json aggregates = json::array();
  if (run["parameters"].value("repetitions", 1) > 1)
    if (auto e = median_entry(run, index)) aggregates.push_back(std::move(*e));
  const auto& reps = run.value("repetitions", json::array());
  // As Google Benchmark: without aggregates, the repetitions stand in.
  if (!options.aggregates_only || aggregates.empty()) {
    bool failed = false;
    for (const auto& rep : reps) {
      if (options.aggregates_only && rep.value("status", "") != "ok") continue;
      failed |= rep.value("status", "") != "ok";
      benchmarks.push_back(repetition_entry(run, index, rep));
    }
    if (status != "ok" && !failed && !options.aggregates_only) {
      json e = entry(run, index, "iteration");
      e["repetition_index"] = reps.size();
      e["error_occurred"] = true;
      e["error_message"] = status + ": " + run.value("reason", std::string());
      no_times(e);
      benchmarks.push_back(std::move(e));
    }
  }
  for (auto& e : aggregates) benchmarks.push_back(std::move(e));
}

}  // namespace

json to_gbench(const json& results, const GbenchOptions& options) {
  json benchmarks = json::array();
  std::size_t index = 0;
  for (const auto& run : results["runs"]) add_run(benchmarks, run, index++, options);
  return {{"context", context(results)}, {"benchmarks", std::move(benchmarks)}};
}

namespace {

std::string number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

json to_github_benchmark(const json& results, const std::string& metric) {
  const bool cpu = metric == "cpu";
  // MB/s (10^6 bytes/s) as the tables print; ns per byte as measured.
  const double scale = cpu ? 1 : 1e-6;
  const int decimals = cpu ? 4 : 1;
  const char* unit = cpu ? "ns/B" : "MB/s";
  json out = json::array();
  for (const auto& run : results["runs"]) {
    const std::string status = run.value("status", "");
    if (status != "ok" && status != "interrupted") continue;
    auto m = metric_of_role(run, cpu ? "cpu" : "throughput");
    if (!m || !m->metric->value("available", false) || !m->metric->contains("median") ||
        !finite_number((*m->metric)["median"]))
      continue;
    const auto& stats = *m->metric;
    json e = {{"name", run["name"]},
              {"unit", unit},
              {"value", std::stod(number(stats["median"].get<double>() * scale, decimals))}};
    int reps = 0;
    for (const auto& rep : run.value("repetitions", json::array()))
      reps += rep.value("status", "") == "ok";
    std::string extra = m->key + " median of " + std::to_string(reps) +
                        (reps == 1 ? " repetition" : " repetitions");
    if (finite_number(stats.value("ci95_low", json())) &&
        finite_number(stats.value("ci95_high", json()))) {
      double low = stats["ci95_low"].get<double>() * scale;
      double high = stats["ci95_high"].get<double>() * scale;
      e["range"] = "\u00b1 " + number((high - low) / 2, decimals);
      extra += "; interval of the median " + number(low, decimals) + " to " +
               number(high, decimals) + " " + unit;
      if (finite_number(stats.value("ci95_coverage", json())))
        extra += " (covers " + number(stats["ci95_coverage"].get<double>() * 100, 1) + "%)";
    }
    if (status != "ok") extra += "; " + status + ": " + run.value("reason", std::string());
    e["extra"] = extra;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace zc
