#include "harness/run/runner.hpp"

#include <benchmark/benchmark.h>
#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <sstream>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/percentile.hpp"
#include "harness/base/temp_dir.hpp"
#include "harness/base/units.hpp"
#include "harness/measure/accounting.hpp"
#include "harness/measure/calibration.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/metrics.hpp"
#include "harness/measure/model_check.hpp"
#include "harness/run/environment.hpp"
#include "harness/sinks/sink.hpp"
#include "harness/workloads/append/append_measure.hpp"
#include "harness/workloads/transfer/source.hpp"
#include "harness/workloads/transfer/zerocopy_metrics.hpp"

namespace zc {
namespace fs = std::filesystem;
using nlohmann::json;

std::string RunSpec::name() const {
  const auto& c = conditions;
  if (strategy->workload() == Workload::append)
    return std::string(strategy->id()) + "/size:" + format_size(c.size) +
           "/record:" + format_size(c.chunk) +
           "/pattern:" + std::string(to_string(c.append.pattern)) + "/sync:" + c.append.sync.text();
  std::string n = std::string(strategy->id()) + "/" + std::string(to_string(c.sink)) +
                  "/size:" + format_size(c.size) + "/chunk:" + format_size(c.chunk) +
                  "/cache:" + std::string(to_string(c.cache));
  if (c.receiver != ReceiverMode::recv) n += "/receiver:" + std::string(to_string(c.receiver));
  // Only when not the default, so names stay stable for compare; a --qd
  // list would otherwise give runs the same name.
  if (c.queue_depth != Conditions{}.queue_depth) n += "/qd:" + std::to_string(c.queue_depth);
  if (!c.nic.empty()) n += "/nic:" + c.nic.to_string();
  if (!c.remote.empty()) n += "/remote:" + c.remote;
  return n;
}

namespace {

std::string iso8601_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Everything one run (a strategy x parameter set) carries across its
// repetitions.
struct RunState {
  RunSpec spec;
  const SourceFile* source = nullptr;
  const Plan* plan = nullptr;
  fs::path work_dir;
  json record;  // the run's entry in "runs"
  json repetitions = json::array();
  std::map<std::string, std::string> unavailable;  // metric -> why not
  std::vector<std::uint64_t> latencies;
  std::string first_error;
  bool unsupported = false;
  bool warmed_up = false;
  // The evidence repetition (the last warm-up): the only one with kernel
  // counters on (accounting.hpp); its counts and model check stand for the
  // run. Empty without a warm-up (then every repetition counts).
  std::optional<json> evidence;
  std::map<std::string, double> evidence_values;
  std::map<std::string, std::string> evidence_unavailable;
  std::map<std::string, json> aggregates;  // statistic name -> {metric: value}
  Accounting accounting;                   // kernel counters, /proc/stat, model check
  const Calibration* calibration = nullptr;
};

std::uint64_t repetition_timeout_ns(const Plan& plan, std::uint64_t size) {
  if (plan.timeout_s > 0) return std::uint64_t(plan.timeout_s * 1e9);
  // Generous: 30 s plus the time to move the file at 20 MiB/s.
  return 30'000'000'000ull + size / (20ull << 20) * 1'000'000'000ull;
}

// One repetition: cache state, sink, the timed transfer, then the checks.
// Returns the measured values; throws on any failure.
json measure_once(RunState& rs, std::map<std::string, double>& values, bool kernel_counters) {
  const auto& c = rs.spec.conditions;
  if (rs.spec.strategy->workload() == Workload::append)
    return measure_append_once(static_cast<const AppendStrategy&>(*rs.spec.strategy), c,
                               rs.work_dir, rs.plan->seed, values, rs.unavailable);
  const auto& src = *rs.source;
  auto cache = prepare_cache(src, c.cache);
  UniqueFd source_fd(check_unix(::open(src.path.c_str(), O_RDONLY | O_CLOEXEC), "open source"));
  // The memory window opens before the sink and the strategy's buffers, and
  // after the cache preparation (which may map the file to touch it).
  std::string rss_why;
  bool rss_window = reset_peak_rss(&rss_why);
  auto deadline = now_ns() + repetition_timeout_ns(*rs.plan, c.size);
  SinkOptions sink_opts{c.sink,   c.receiver,     rs.plan->tuning, rs.work_dir,
                        c.nic,    c.remote,       rs.plan->token,  c.size,
                        src.hash, rs.spec.name(), kernel_counters};
  auto sink = open_sink(sink_opts, deadline);

  TransferContext ctx{source_fd.get(), src.path,   c.size, c.chunk,
                      c.queue_depth,   sink->fd(), c.sink};
  auto session = static_cast<const TransferStrategy*>(rs.spec.strategy)->prepare(ctx);
  CallCounters calls;
  auto& lat = rs.latencies;
  lat.clear();
  lat.reserve(std::size_t(c.size / c.chunk + 2));

  std::string io_why;
  auto io0 = StorageIo::of_process(&io_why);
  auto u0 = Usage::of_thread();
  auto p0 = Usage::of_process();  // also io_uring's io-wq workers, which the thread misses
  std::uint64_t moved = 0;
  rs.accounting.begin(kernel_counters);
  auto t0 = now_ns();
  try {
    for (auto t = t0;;) {
      auto n = session->step(calls);
      auto t2 = now_ns();
      if (n == 0) break;
      lat.push_back(t2 - t);
      moved += n;
      t = t2;
    }
    session->finish(calls);
    rs.accounting.end_strategy();
    sink->close_and_await(deadline);
  } catch (const std::system_error& e) {
    if (interrupted()) throw std::runtime_error("interrupted");
    auto why = sink->diagnose();
    throw std::runtime_error(std::string(e.what()) + (why.empty() ? "" : "; receiver " + why));
  }
  auto t1 = now_ns();
  rs.accounting.end();
  auto u = Usage::of_thread() - u0;
  auto sender_process = Usage::of_process() - p0;
  auto io1 = StorageIo::of_process();
  auto peak_rss = rss_window ? peak_rss_bytes(&rss_why) : std::nullopt;
  session.reset();
  auto report = sink->collect();

  // Verification: a run whose bytes do not match is an error, never a result.
  json verify;
  if (moved != c.size)
    throw std::runtime_error("strategy moved " + std::to_string(moved) + " of " +
                             std::to_string(c.size) + " bytes");
  if (report.hash) {
    if (report.bytes != c.size)
      throw std::runtime_error("receiver got " + std::to_string(report.bytes) + " of " +
                               std::to_string(c.size) + " bytes");
    if (*report.hash != src.hash)
      throw std::runtime_error("content mismatch: receiver hash " + hex64(*report.hash) +
                               " != source hash " + hex64(src.hash));
    verify = {{"verified", true}, {"hash", hex64(*report.hash)}};
  } else {
    verify = {{"verified", false}, {"reason", report.unverified_reason}};
  }

  double wall_s = double(t1 - t0) * 1e-9;
  double bytes = double(c.size);
  values["wall_s"] = wall_s;
  values["throughput_bytes_per_s"] = bytes / wall_s;
  values["chunks"] = double(lat.size());
  values["latency_max_ns"] = lat.empty() ? 0 : double(*std::max_element(lat.begin(), lat.end()));
  values["latency_p50_ns"] = percentile(lat, 0.50);
  values["latency_p90_ns"] = percentile(lat, 0.90);
  values["latency_p99_ns"] = percentile(lat, 0.99);
  values["latency_p999_ns"] = percentile(lat, 0.999);
  values["syscalls"] = double(calls.syscalls);
  values["syscalls_per_chunk"] = lat.empty() ? 0 : double(calls.syscalls) / double(lat.size());
  values["bookkeeping_syscalls"] = double(calls.bookkeeping_syscalls);
  values["bytes_copied_to_user"] = double(calls.bytes_to_user);
  // /dev/null takes write() without copying a byte.
  values["bytes_copied_from_user"] = c.sink == SinkKind::null ? 0 : double(calls.bytes_from_user);
  values["sender_user_s"] = u.user_s;
  values["sender_sys_s"] = u.sys_s;
  values["sender_cpu_ns_per_byte"] = u.cpu_s() * 1e9 / bytes;
  values["sender_process_cpu_ns_per_byte"] = sender_process.cpu_s() * 1e9 / bytes;
  values["sender_voluntary_switches"] = double(u.voluntary_switches);
  values["sender_involuntary_switches"] = double(u.involuntary_switches);
  values["sender_minor_faults"] = double(u.minor_faults);
  values["sender_major_faults"] = double(u.major_faults);
  values["cache_resident_fraction"] = cache.resident_fraction;
  if (peak_rss)
    values["sender_peak_rss_bytes"] = double(*peak_rss);
  else
    rs.unavailable["sender_peak_rss_bytes"] = rss_why;
  if (io0 && io1) {
    values["storage_read_bytes"] = double(io1->read_bytes - io0->read_bytes);
    values["storage_write_bytes"] = double(io1->write_bytes - io0->write_bytes);
  } else {
    rs.unavailable["storage_read_bytes"] = rs.unavailable["storage_write_bytes"] = io_why;
  }
  if (has_receiver_process(c.sink)) {
    const auto& r = report.usage;
    values["receiver_user_s"] = r.user_s;
    values["receiver_sys_s"] = r.sys_s;
    values["receiver_cpu_ns_per_byte"] = r.cpu_s() * 1e9 / bytes;
    values["receiver_voluntary_switches"] = double(r.voluntary_switches);
    values["receiver_involuntary_switches"] = double(r.involuntary_switches);
    values["receiver_minor_faults"] = double(r.minor_faults);
    values["receiver_major_faults"] = double(r.major_faults);
    values["receiver_read_calls"] = double(report.read_calls);
    values["total_cpu_ns_per_byte"] = (u.cpu_s() + r.cpu_s()) * 1e9 / bytes;
  } else {
    std::string why = "no receiver process: the " + std::string(to_string(c.sink)) +
                      " sink is written by the sender alone";
    for (auto k : {"receiver_user_s", "receiver_sys_s", "receiver_cpu_ns_per_byte",
                   "receiver_voluntary_switches", "receiver_involuntary_switches",
                   "receiver_minor_faults", "receiver_major_faults", "receiver_read_calls"})
      rs.unavailable[k] = why;
    values["total_cpu_ns_per_byte"] = u.cpu_s() * 1e9 / bytes;
  }

  add_zerocopy_values(c, calls, report, values, rs.unavailable);

  auto ledger = rs.spec.strategy->ledger(c);
  auto accounts = rs.accounting.record(
      {c, ledger, calls, lat.size(), std::uint64_t(values["bytes_copied_from_user"]), wall_s,
       values["throughput_bytes_per_s"], cache.resident_fraction, u,
       has_receiver_process(c.sink) ? &report : nullptr, rs.calibration},
      values, rs.unavailable);
  json rep = {{"values", values},
              {"verification", verify},
              {"cache",
               {{"asked", to_string(c.cache)},
                {"resident_fraction", cache.resident_fraction},
                {"as_asked", cache.as_asked}}}};
  if (!calls.evidence.empty()) rep["evidence"] = calls.evidence;
  if (has_receiver_process(c.sink)) rep["receiver"] = report;
  rep.update(accounts);
  if (auto d = sink->details(); !d.is_null()) rep["sink_details"] = d;
  return rep;
}

bool is_kernel_counter(const MetricDef& def) {
  return def.method == "tracepoint" || def.method == "software-event";
}

// The evidence repetition's kernel counts (or why they are missing) stand
// for the run's; the timed repetitions only say they had none.
void keep_evidence(RunState& rs, json rep, const std::map<std::string, double>& values) {
  if (rs.spec.strategy->workload() != Workload::transfer) return;
  for (const auto& def : metrics_for(Workload::transfer)) {
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

void run_repetition(RunState& rs, benchmark::State& state) {
  for (auto _ : state) {
    if (interrupted()) {
      // Fewer repetitions than asked: not an ok run.
      if (rs.first_error.empty()) rs.first_error = "interrupted";
      state.SkipWithError("interrupted");
      break;
    }
    if (rs.plan->on_repetition)
      rs.plan->on_repetition(rs.record["name"].get<std::string>(), unsigned(rs.repetitions.size()));
    try {
      std::map<std::string, double> values;
      if (!rs.warmed_up) {
        // Untimed: settles the page cache, socket buffers and CPU caches.
        rs.warmed_up = true;
        for (unsigned i = 0; i < rs.plan->warmup; ++i) {
          values.clear();
          bool last = i + 1 == rs.plan->warmup;
          auto rep = measure_once(rs, values, last);
          if (last) keep_evidence(rs, std::move(rep), values);
        }
      }
      values.clear();
      auto rep = measure_once(rs, values, /*kernel_counters=*/rs.plan->warmup == 0);
      rep["index"] = rs.repetitions.size();
      rep["status"] = "ok";
      if (rep.contains("sink_details") && !rs.record.contains("sink_details"))
        rs.record["sink_details"] = rep["sink_details"];
      rs.repetitions.push_back(std::move(rep));
      state.SetIterationTime(values["wall_s"]);
      for (auto& [key, v] : values)
        state.counters[key] = benchmark::Counter(v, benchmark::Counter::kDefaults);
    } catch (const Unsupported& e) {
      rs.unsupported = true;
      if (rs.first_error.empty()) rs.first_error = e.what();
      state.SkipWithError(e.what());
      break;
    } catch (const std::exception& e) {
      std::string msg = interrupted() ? "interrupted" : e.what();
      if (rs.first_error.empty()) rs.first_error = msg;
      rs.repetitions.push_back(
          {{"index", rs.repetitions.size()}, {"status", "error"}, {"error", msg}});
      state.SkipWithError(msg.c_str());
      break;
    }
  }
}

// Collects Google Benchmark's per-repetition runs and aggregates, and
// forwards everything to its own JSON reporter for `--format gbench`.
class CollectingReporter : public benchmark::BenchmarkReporter {
 public:
  explicit CollectingReporter(std::map<std::string, RunState*>& by_name) : by_name_(by_name) {
    gbench_.SetOutputStream(&gbench_out_);
    gbench_.SetErrorStream(&gbench_err_);
  }
  bool ReportContext(const Context& context) override { return gbench_.ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override {
    gbench_.ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Aggregate) continue;
      auto it = by_name_.find(run.run_name.function_name);
      if (it == by_name_.end()) continue;
      json values;
      for (const auto& [key, counter] : run.counters) values[key] = counter.value;
      it->second->aggregates[run.aggregate_name] = values;
    }
  }
  void Finalize() override { gbench_.Finalize(); }
  std::string gbench_json() const { return gbench_out_.str(); }

 private:
  std::map<std::string, RunState*>& by_name_;
  benchmark::JSONReporter gbench_;
  std::ostringstream gbench_out_, gbench_err_;
};

constexpr const char* kEvidenceNote =
    "; from the evidence repetition (the last warm-up, untimed): kernel counters slow a run, so "
    "timed repetitions have none";

json metrics_json(const RunState& rs) {
  json metrics = json::object();
  for (const auto& def : metrics_for(rs.spec.strategy->workload())) {
    std::string key(def.key);
    json m = {{"unit", def.unit}, {"method", def.method}, {"description", def.description}};
    if (rs.evidence) {
      if (auto it = rs.evidence_values.find(key); it != rs.evidence_values.end()) {
        m["available"] = true;
        m["mean"] = m["median"] = m["min"] = m["max"] = it->second;
        m["repetitions"] = "evidence";
        m["description"] = std::string(def.description) + kEvidenceNote;
        metrics[key] = m;
        continue;
      }
      if (auto it = rs.evidence_unavailable.find(key); it != rs.evidence_unavailable.end()) {
        m["available"] = false;
        m["reason"] = it->second + " (evidence repetition)";
        metrics[key] = m;
        continue;
      }
    }
    if (auto it = rs.unavailable.find(key); it != rs.unavailable.end()) {
      m["available"] = false;
      m["reason"] = it->second;
    } else if (!rs.aggregates.empty()) {
      m["available"] = true;
      for (const auto& [stat, values] : rs.aggregates)
        if (values.contains(key)) m[stat] = values[key];
    } else if (rs.repetitions.size() == 1 && rs.repetitions[0]["status"] == "ok") {
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

void finish_record(RunState& rs, bool was_run) {
  auto& r = rs.record;
  if (rs.unsupported) {
    r["status"] = "unsupported";
    r["reason"] = rs.first_error;
  } else if (!rs.first_error.empty()) {
    r["status"] = rs.first_error == "interrupted" ? "interrupted" : "error";
    r["reason"] = rs.first_error;
  } else if (!was_run || rs.repetitions.empty()) {
    r["status"] = "interrupted";
    r["reason"] = "the run was stopped before it started";
  } else {
    r["status"] = "ok";
  }
  r["repetitions"] = rs.repetitions;
  r["metrics"] = metrics_json(rs);
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
  if (rs.spec.strategy->workload() == Workload::transfer) {
    // The evidence repetition goes last: with no failure it is the one
    // reported, the only one with every item measured.
    json checked = rs.repetitions;
    if (rs.evidence && !rs.repetitions.empty()) checked.push_back(*rs.evidence);
    r["model_check"] = summarize_model_checks(checked);
    if (rs.evidence) r["evidence_repetition"] = *rs.evidence;
    r["copy_verdict"] = copy_verdict(r["ledger"], r["model_check"]);
  }
  if (r["status"] == "ok" && !all_verified) r["unverified_reason"] = unverified;
  std::vector<std::string> warnings;
  for (auto& rep : rs.repetitions)
    if (rep["status"] == "ok" && rep.contains("cache") && !rep["cache"]["as_asked"].get<bool>()) {
      warnings.push_back("page cache not as asked (" + std::string(rep["cache"]["asked"]) +
                         "): " + std::to_string(rep["cache"]["resident_fraction"].get<double>()) +
                         " of the source's pages were resident");
      break;
    }
  if (auto it = r["metrics"].find("wall_s");
      it != r["metrics"].end() && it->contains("median") && (*it)["median"].get<double>() < 0.01)
    warnings.push_back(
        "repetitions took under 10 ms: CPU figures have scheduler-tick resolution; "
        "use a larger --size");
  // io_uring punts work (splice, blocking writes) to io-wq kernel threads
  // of this process: RUSAGE_THREAD does not see them, RUSAGE_SELF does.
  auto med = [&](const char* k) {
    auto it = r["metrics"].find(k);
    return it != r["metrics"].end() && it->contains("median") ? (*it)["median"].get<double>() : 0.0;
  };
  if (double t = med("sender_cpu_ns_per_byte"), p = med("sender_process_cpu_ns_per_byte");
      p > 0.05 && p > 1.5 * t)
    warnings.push_back(
        "sender CPU runs on other threads of the process (io_uring io-wq workers): "
        "sender thread " +
        std::to_string(t) + " ns/B, whole process " + std::to_string(p) +
        " ns/B (sender_process_cpu_ns_per_byte)");
  if (!rs.evidence && rs.spec.strategy->workload() == Workload::transfer)
    if (auto it = r["metrics"].find("traced_sender_syscalls");
        it != r["metrics"].end() && it->value("available", false))
      warnings.push_back(
          "no warm-up (--warmup 0): kernel counters ran in the timed repetitions "
          "(there was no untimed one for them), which slows them");
  r["warnings"] = warnings;
}

}  // namespace

Outcome run_plan(const Plan& plan) {
  TempDir work(plan.temp_parent);
  ScopedPin pin(plan.tuning.sender_cpu);  // receivers re-pin themselves (--cpu)
  json doc;
  doc["schema"] = "zc-bench/1";
  doc["started_at"] = iso8601_now();
  doc["environment"] = describe_environment(
      plan.file ? fs::absolute(*plan.file).parent_path() : plan.temp_parent, plan.command_line);
  const Calibration& calibration = process_calibration();
  doc["environment"]["calibration"] = to_json(calibration);
  doc["environment"]["kernel_counters"] = describe_kernel_counters(plan.quiet);

  // Sources: one generated file per size, shared by every run of that size.
  std::map<std::uint64_t, SourceFile> sources;
  std::optional<SourceFile> given;
  if (plan.file) given = existing_source(*plan.file);

  std::vector<std::unique_ptr<RunState>> states;
  std::map<std::string, RunState*> by_name;
  benchmark::ClearRegisteredBenchmarks();
  for (const auto& spec : plan.runs) {
    auto rs = std::make_unique<RunState>();
    rs->spec = spec;
    rs->plan = &plan;
    rs->work_dir = work.path();
    rs->calibration = &calibration;
    auto& c = rs->spec.conditions;
    c.source_dir = given ? fs::absolute(given->path).parent_path() : work.path();
    auto name = spec.name();
    rs->record = {{"name", name},
                  {"workload", to_string(spec.strategy->workload())},
                  {"strategy", spec.strategy->id()},
                  {"data_path", spec.strategy->data_path()},
                  {"sink", to_string(c.sink)},
                  {"receiver", to_string(c.receiver)},
                  {"parameters",
                   {{"size", c.size},
                    {"chunk", c.chunk},
                    {"cache", to_string(c.cache)},
                    {"queue_depth", c.queue_depth},
                    {"repetitions", plan.repetitions},
                    {"warmup", plan.warmup},
                    {"tuning", plan.tuning.to_json()}}},
                  {"egress_scatter_gather", c.egress_scatter_gather},
                  {"ledger", ledger_json(spec.strategy->ledger(c))}};
    if (!c.nic.empty()) rs->record["parameters"]["nic"] = c.nic.to_string();
    if (!c.remote.empty()) rs->record["parameters"]["remote"] = c.remote;
    if (spec.strategy->workload() == Workload::append) {
      // An append run has no source, cache state or receiver: its log is
      // written in the work folder.
      rs->record["parameters"] = {{"size", c.size},
                                  {"record", c.chunk},
                                  {"chunk", c.chunk},
                                  {"cache", "n/a"},
                                  {"pattern", to_string(c.append.pattern)},
                                  {"sync", c.append.sync.text()},
                                  {"repetitions", plan.repetitions},
                                  {"warmup", plan.warmup}};
      rs->record.erase("receiver");
    }
    if (!spec.strategy->accepts_sink(c.sink)) {
      // Only reachable through "all": naming the pair is a usage error.
      rs->unsupported = true;
      rs->first_error = std::string(spec.strategy->id()) + " cannot write to the " +
                        std::string(to_string(c.sink)) + " sink";
    } else if (auto support = spec.strategy->probe(c); !support) {
      rs->unsupported = true;
      rs->first_error = *support.missing;
    } else {
      if (spec.strategy->workload() == Workload::append) {
        // No source: the harness generates the records.
      } else if (given) {
        rs->source = &*given;
      } else {
        auto it = sources.find(c.size);
        if (it == sources.end())
          it = sources.emplace(c.size, generate_source(work.path(), c.size, plan.seed)).first;
        rs->source = &it->second;
      }
      auto* raw = rs.get();
      benchmark::RegisterBenchmark(name.c_str(),
                                   [raw](benchmark::State& st) { run_repetition(*raw, st); })
          ->Iterations(1)
          ->Repetitions(int(plan.repetitions))
          ->UseManualTime()
          ->ComputeStatistics(
              "min",
              [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); })
          ->ComputeStatistics("max", [](const std::vector<double>& v) {
            return *std::max_element(v.begin(), v.end());
          });
      by_name[name] = raw;
    }
    states.push_back(std::move(rs));
  }

  CollectingReporter reporter(by_name);
  if (!by_name.empty()) benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();

  Outcome out;
  doc["runs"] = json::array();
  for (auto& rs : states) {
    finish_record(*rs, by_name.count(rs->record["name"]) > 0);
    if (rs->record["status"] == "error") out.any_failed = true;
    doc["runs"].push_back(std::move(rs->record));
  }
  out.interrupted = interrupted();
  doc["complete"] = !out.interrupted;
  if (out.interrupted)
    doc["incomplete_reason"] = "stopped by signal " + std::to_string(interrupt_signal());
  doc["finished_at"] = iso8601_now();
  out.results = std::move(doc);
  out.gbench_json = reporter.gbench_json();
  return out;
}

}  // namespace zc
