#include "harness/run/run_record.hpp"

#include <sys/utsname.h>

#include <cstdio>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/measure/statistics.hpp"
#include "harness/sinks/remote_protocol.hpp"

namespace zc {
using nlohmann::json;

namespace {

// The headline rate --reps auto converges on and two modes are looked for in.
constexpr const char* kThroughputKey = "throughput_bytes_per_s";

constexpr const char* kEvidenceNote =
    "; from the evidence repetition (the last warm-up, untimed): kernel counters slow a run, so "
    "timed repetitions have none";

bool has_kernel_counters(const Workload& w) {
  for (const auto& def : w.metrics())
    if (is_kernel_counter(def)) return true;
  return false;
}

// A kernel counter's summary from the evidence repetition, if it stands in.
std::optional<json> evidence_metric(const RunState& rs, const MetricDef& def, json m) {
  if (!rs.evidence) return std::nullopt;
  std::string key(def.key);
  if (auto it = rs.evidence_values.find(key); it != rs.evidence_values.end()) {
    m["available"] = true;
    m["mean"] = m["median"] = m["min"] = m["max"] = it->second;
    m["repetitions"] = "evidence";
    m["description"] = std::string(def.description) + kEvidenceNote;
    return m;
  }
  if (auto it = rs.evidence_unavailable.find(key); it != rs.evidence_unavailable.end()) {
    m["available"] = false;
    m["reason"] = it->second + " (evidence repetition)";
    return m;
  }
  return std::nullopt;
}

json metrics_json(const RunState& rs) {
  json metrics = json::object();
  for (const auto& def : rs.workload->metrics()) {
    std::string key(def.key);
    json m = {{"unit", def.unit},
              {"better", to_string(def.better)},
              {"method", def.method},
              {"description", def.description}};
    if (def.role != Role::none) m["role"] = to_string(def.role);
    if (auto e = evidence_metric(rs, def, m)) {
      metrics[key] = *e;
      continue;
    }
    if (auto it = rs.unavailable.find(key); it != rs.unavailable.end()) {
      m["available"] = false;
      m["reason"] = it->second;
    } else if (!rs.aggregates.empty()) {
      // A workload whose runs differ (a broker run and a plain ingest run)
      // lists metrics that some of its runs never measure.
      if (!rs.aggregates.begin()->second.contains(key)) continue;
      m["available"] = true;
      for (const auto& [stat, values] : rs.aggregates)
        if (values.contains(key)) m[stat] = values[key];
    } else if (rs.repetitions.size() == 1 && rs.repetitions[0]["status"] == "ok" &&
               rs.repetitions[0]["values"].contains(key)) {
      // One repetition: Google Benchmark computes no aggregates.
      double v = rs.repetitions[0]["values"].value(key, 0.0);
      m["available"] = true;
      m["mean"] = m["median"] = m["min"] = m["max"] = v;
    } else {
      continue;
    }
    metrics[key] = m;
  }
  return metrics;
}

void set_status(RunState& rs, bool was_run) {
  auto& r = rs.record;
  if (rs.unsupported) {
    r["status"] = "unsupported";
    r["reason"] = rs.first_error;
  } else if (!rs.first_error.empty()) {
    r["status"] = rs.first_error.starts_with("interrupted") ? "interrupted" : "error";
    r["reason"] = rs.first_error;
  } else if (!was_run || rs.repetitions.empty()) {
    r["status"] = "interrupted";
    r["reason"] = "the run was stopped before it started";
  } else {
    r["status"] = "ok";
  }
}

void set_verification(RunState& rs) {
  auto& r = rs.record;
  bool all_verified = !rs.repetitions.empty();
  std::string unverified;
  for (auto& rep : rs.repetitions) {
    if (rep["status"] != "ok") continue;
    if (!rep["verification"]["verified"].get<bool>()) {
      all_verified = false;
      unverified = rep["verification"]["reason"];
    }
  }
  r["verified"] = r["status"] == "ok" && all_verified;
  if (r["status"] == "ok" && !all_verified) r["unverified_reason"] = unverified;
}

void add_generic_warnings(const RunState& rs, std::vector<std::string>& warnings) {
  const auto& metrics = rs.record["metrics"];
  if (auto it = metrics.find("wall_s");
      it != metrics.end() && it->contains("median") && (*it)["median"].get<double>() < 0.01)
    warnings.push_back(
        "repetitions took under 10 ms: CPU figures have scheduler-tick resolution; "
        "use a larger --size");
  if (rs.evidence || !has_kernel_counters(*rs.workload)) return;
  for (const auto& def : rs.workload->metrics())
    if (is_kernel_counter(def))
      if (auto it = metrics.find(std::string(def.key));
          it != metrics.end() && it->value("available", false)) {
        warnings.push_back(
            "no warm-up (--warmup 0): kernel counters ran in the timed repetitions "
            "(there was no untimed one for them), which slows them");
        return;
      }
}

// Under --time: how many repetitions the run's time held, and whether it
// stopped at the cap before the time was up.
void add_time_based(RunState& rs, std::vector<std::string>& warnings) {
  const auto& a = rs.plan->adaptive;
  auto& r = rs.record;
  std::size_t n = 0;
  for (const auto& rep : rs.repetitions) n += rep["status"] == "ok";
  const double spent = timed_seconds(rs);
  r["parameters"]["repetitions"] = n;
  r["parameters"]["repetitions_asked"] = "time";
  r["time_based"] = {{"seconds", a.time_s}, {"timed_s", spent}, {"repetitions", n}};
  if (r["status"] == "ok" && n >= a.max_repetitions && spent < a.time_s)
    warnings.push_back("--time: stopped at " + std::to_string(n) + " repetitions, " +
                       format_number(spent) + " s of " + format_number(a.time_s) +
                       " s (each pass is short: a larger --size moves more per repetition)");
}

// Under --reps auto: how far the run got, and whether it met the target.
void add_convergence(RunState& rs, std::vector<std::string>& warnings) {
  const auto& a = rs.plan->adaptive;
  auto& r = rs.record;
  if (a.time_s > 0) return add_time_based(rs, warnings);
  std::size_t n = 0;
  for (const auto& rep : rs.repetitions) n += rep["status"] == "ok";
  auto half = relative_half_width(rs);
  bool converged = half && *half <= a.precision && n >= a.min_repetitions;
  r["parameters"]["repetitions"] = n;
  r["parameters"]["repetitions_asked"] = "auto";
  r["convergence"] = {{"metric", "throughput_bytes_per_s"},
                      {"precision_target", a.precision},
                      {"repetitions", n},
                      {"converged", converged}};
  if (half) r["convergence"]["relative_half_width"] = *half;
  if (!converged && r["status"] == "ok")
    warnings.push_back("did not converge: throughput interval +-" +
                       (half ? std::to_string(int(*half * 1000 + 0.5) / 10.0).substr(0, 4) + "%"
                             : std::string("unknown")) +
                       " after " + std::to_string(n) + " repetitions (target +-" +
                       std::to_string(int(a.precision * 1000 + 0.5) / 10.0).substr(0, 4) +
                       "%; raise --max-time or lower --precision)");
}

// The remote peer of a run with --sink remote: the hostname its server
// reported (sink_details for transfers, connection for ingest), else the
// host part of the address dialled. Empty for a local run.
std::string remote_peer(const RunState& rs) {
  const auto& remote = rs.spec.conditions.remote;
  if (remote.empty()) return {};
  auto reported = [](const json& rep) -> std::string {
    for (const char* where : {"sink_details", "connection"})
      if (auto it = rep.find(where); it != rep.end() && it->is_object())
        if (auto s = it->find("server"); s != it->end() && s->is_object())
          if (auto h = s->find("hostname"); h != s->end() && h->is_string() && !h->empty())
            return h->get<std::string>();
    return {};
  };
  for (const auto& rep : rs.repetitions)
    if (auto h = reported(rep); !h.empty()) return h;
  if (rs.evidence)
    if (auto h = reported(*rs.evidence); !h.empty()) return h;
  return split_host_port(remote).first;
}

// "4.0 GB/s" or "812 MB/s": the two modes in one unit.
std::string rate_text(double low, double high) {
  char buf[64];
  if (high >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1f and %.1f GB/s", high / 1e9, low / 1e9);
  else
    std::snprintf(buf, sizeof buf, "%.0f and %.0f MB/s", high / 1e6, low / 1e6);
  return buf;
}

// Two clusters in the throughput's repetitions: said, not hidden in a median.
void add_modes(RunState& rs, std::vector<std::string>& warnings) {
  std::vector<double> values;
  for (const auto& rep : rs.repetitions)
    if (rep["status"] == "ok" && rep["values"].contains(kThroughputKey))
      values.push_back(rep["values"][kThroughputKey].get<double>());
  auto m = stats::two_modes(values);
  if (!m) return;
  rs.record["modes"] = {
      {"metric", kThroughputKey},
      {"low", m->low},
      {"high", m->high},
      {"n_low", m->n_low},
      {"n_high", m->n_high},
      {"method",
       "heuristic: the sorted values split at their widest gap, wider than 3x (under 8 values) "
       "or 2x either side's range, each side at least 2 values and a fifth, the medians 10% "
       "apart"}};
  warnings.push_back("2 modes: " + rate_text(m->low, m->high) + " (" + std::to_string(m->n_high) +
                     " and " + std::to_string(m->n_low) +
                     " repetitions): the median lies between them; something the repetitions "
                     "re-draw decides which");
}

}  // namespace

double timed_seconds(const RunState& rs) {
  double s = 0;
  for (const auto& v : rs.timed_values)
    if (auto it = v.find("wall_s"); it != v.end()) s += it->second;
  return s;
}

std::optional<double> relative_half_width(const RunState& rs) {
  std::vector<double> values;
  for (const auto& rep : rs.repetitions)
    if (rep["status"] == "ok") values.push_back(rep["values"].value(kThroughputKey, 0.0));
  if (values.size() < 2) return std::nullopt;
  auto median = stats::median(values);
  auto ci = stats::median_interval(values);
  if (!(median > 0)) return std::nullopt;
  return (ci.high - ci.low) / 2 / median;
}

void keep_evidence(RunState& rs, json rep, const Values& values) {
  if (!has_kernel_counters(*rs.workload)) return;
  for (const auto& def : rs.workload->metrics()) {
    if (!is_kernel_counter(def)) continue;
    std::string key(def.key);
    if (auto v = values.find(key); v != values.end())
      rs.evidence_values[key] = v->second;
    else if (auto u = rs.unavailable.find(key); u != rs.unavailable.end())
      rs.evidence_unavailable[key] = u->second;
    rs.unavailable.erase(key);
  }
  rep["status"] = "ok";
  rep["timed"] = false;
  rs.evidence = std::move(rep);
}

void finish_record(RunState& rs, bool was_run) {
  auto& r = rs.record;
  set_status(rs, was_run);
  r["repetitions"] = rs.repetitions;
  r["metrics"] = metrics_json(rs);
  set_verification(rs);
  // Which machines the run was between: `zc-bench merge` keeps them apart.
  utsname u{};
  r["host"] = ::uname(&u) == 0 ? std::string(u.nodename) : std::string("unknown");
  if (auto peer = remote_peer(rs); !peer.empty()) r["peer"] = peer;
  std::vector<std::string> warnings;
  if (rs.measure) {
    // The evidence repetition goes last: with no failure it is the one
    // reported, the only one with every item measured.
    json checked = rs.repetitions;
    if (rs.evidence && !rs.repetitions.empty()) checked.push_back(*rs.evidence);
    rs.measure->finish(r, checked, warnings);
  }
  if (rs.evidence) r["evidence_repetition"] = *rs.evidence;
  if (rs.plan->adaptive.on && rs.measure && !rs.unsupported) add_convergence(rs, warnings);
  add_generic_warnings(rs, warnings);
  add_modes(rs, warnings);
  r["warnings"] = warnings;
}

}  // namespace zc
