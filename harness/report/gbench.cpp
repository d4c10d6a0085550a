#include "harness/report/gbench.hpp"

#include <cmath>
#include <optional>
#include <string>

#include "harness/report/roles.hpp"

namespace zc {
namespace {

using nlohmann::json;

// Google Benchmark's default unit: its compare.py prints times without
// decimals, which would round a small run's milliseconds to 0.
constexpr double kPerSecond = 1e9;
constexpr const char* kTimeUnit = "ns";

// Google Benchmark's aggregates in its own order (its statistics, then the
// ones zc-bench registers), and whether each is a time or a fraction.
struct Statistic {
  const char* name;
  bool percentage;
};
constexpr Statistic kStatistics[] = {
    {"mean", false},     {"median", false},    {"stddev", false},       {"cv", true},
    {"ci95_low", false}, {"ci95_high", false}, {"ci95_coverage", true}, {"min", false},
    {"max", false}};

bool finite_number(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

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

// One aggregate from the document's statistics; nothing when wall time or
// CPU time lacks it (undefined, or only one repetition).
std::optional<json> aggregate_entry(const json& run, std::size_t index, const Statistic& s) {
  const auto& metrics = run["metrics"];
  auto stat = [&](const char* key) -> std::optional<double> {
    auto it = metrics.find(key);
    if (it == metrics.end() || !it->value("available", false) || !it->contains(s.name) ||
        !finite_number((*it)[s.name]))
      return std::nullopt;
    return (*it)[s.name].get<double>();
  };
  auto wall = stat("wall_s");
  auto cpu = stat(role_key(run, "cpu").c_str());
  auto bytes = bytes_moved(run);
  if (!wall || !cpu || !bytes) return std::nullopt;
  json e = entry(run, index, "aggregate");
  e["name"] = run["name"].get<std::string>() + "_" + s.name;
  e["aggregate_name"] = s.name;
  e["aggregate_unit"] = s.percentage ? "percentage" : "time";
  e["iterations"] = 1;
  // A percentage aggregate holds the fraction itself, as Google Benchmark's does.
  e["real_time"] = s.percentage ? *wall : *wall * kPerSecond;
  e["cpu_time"] = s.percentage ? *cpu : *cpu * *bytes * 1e-9 * kPerSecond;
  e["time_unit"] = kTimeUnit;
  for (const auto& [key, m] : metrics.items())
    if (m.value("available", false) && m.contains(s.name) && finite_number(m[s.name]))
      e[key] = m[s.name];
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
    for (const auto& s : kStatistics)
      if (!(options.aggregates_only && s.percentage))
        if (auto e = aggregate_entry(run, index, s)) aggregates.push_back(std::move(*e));
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

}  // namespace zc
