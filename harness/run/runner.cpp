#include "harness/run/runner.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <random>

#include "harness/base/errors.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/temp_dir.hpp"
#include "harness/measure/accounting.hpp"
#include "harness/measure/calibration.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/statistics.hpp"
#include "harness/run/environment.hpp"
#include "harness/run/gbench_bridge.hpp"
#include "harness/run/run_record.hpp"

namespace zc {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string iso8601_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// A figure the workload does not declare would be dropped from the run's
// metrics without a word (run_record.cpp writes declared ones only): a
// programming error, made an error of the run so that every test sees it.
void check_declared(const Workload& w, const Values& values, const Unavailable& unavailable) {
  auto check = [&](const std::string& key) {
    auto defs = w.metrics();
    if (std::none_of(defs.begin(), defs.end(), [&](const MetricDef& d) { return d.key == key; }))
      throw std::logic_error("metric '" + key + "' is not declared in the " + std::string(w.id()) +
                             " workload's metrics");
  };
  for (const auto& [key, v] : values) check(key);
  for (const auto& [key, why] : unavailable) check(key);
}

// Untimed repetitions before the first measured one: they settle the page
// cache, socket buffers and CPU caches; the last is the evidence
// repetition, the one with kernel counters on.
void warm_up(RunState& rs) {
  rs.warmed_up = true;
  for (unsigned i = 0; i < rs.plan->warmup; ++i) {
    Values values;
    bool last = i + 1 == rs.plan->warmup;
    auto rep = rs.measure->repetition(values, rs.unavailable, last);
    check_declared(*rs.workload, values, rs.unavailable);
    if (last) keep_evidence(rs, std::move(rep), values);
  }
}

// --reps auto: whether this run has had enough. A converged run (its
// throughput interval within the precision, with enough repetitions for a
// 95% interval) is done; once the time budget is spent so is any run with
// 3 repetitions, the fewest an interval means anything with.
bool enough_repetitions(const RunState& rs) {
  const auto& a = rs.plan->adaptive;
  if (!a.on) return false;
  // --time: the timed regions so far against the run's time.
  if (a.time_s > 0) return timed_seconds(rs) >= a.time_s;
  std::size_t n = 0;
  for (const auto& rep : rs.repetitions) n += rep["status"] == "ok";
  if (n >= a.min_repetitions)
    if (auto half = relative_half_width(rs); half && *half <= a.precision) return true;
  double elapsed = double(now_ns() - rs.plan_start_ns) * 1e-9;
  return elapsed > a.max_time_s && n >= 3;
}

// Hands one repetition's values to Google Benchmark.
void report_values(benchmark::State& state, const Values& values) {
  state.SetIterationTime(values.at("wall_s"));
  for (auto& [key, v] : values)
    state.counters[key] = benchmark::Counter(v, benchmark::Counter::kDefaults);
}

// Measures one timed repetition of `rs` (its warm-up first); false when it
// failed or was interrupted (the run's first_error says which, but an
// interrupt inside a round leaves it empty: the round is dropped instead).
bool measure_repetition(RunState& rs, std::optional<unsigned> round) {
  if (rs.plan->on_repetition)
    rs.plan->on_repetition(rs.record["name"].get<std::string>(), unsigned(rs.repetitions.size()));
  try {
    if (!rs.warmed_up) warm_up(rs);
    Values values;
    auto rep = rs.measure->repetition(values, rs.unavailable,
                                      /*kernel_counters=*/rs.plan->warmup == 0);
    check_declared(*rs.workload, values, rs.unavailable);
    rep["index"] = rs.repetitions.size();
    rep["order"] = (*rs.order)++;  // position among all the plan's repetitions
    if (round) rep["round"] = *round;
    rep["status"] = "ok";
    rs.repetitions.push_back(std::move(rep));
    rs.timed_values.push_back(std::move(values));
    return true;
  } catch (const Unsupported& e) {
    // Google Benchmark 1.7 has no SkipWithMessage: an unsupported run is
    // skipped as an error here and reported "unsupported" in the results.
    rs.unsupported = true;
    rs.first_error = e.what();
  } catch (const std::exception& e) {
    if (round && interrupted()) return false;
    std::string msg = interrupted() ? "interrupted" : e.what();
    rs.first_error = msg;
    rs.repetitions.push_back(
        {{"index", rs.repetitions.size()}, {"status", "error"}, {"error", msg}});
  }
  return false;
}

bool can_measure(const RunState& rs) {
  return rs.first_error.empty() && !interrupted() && rs.timed_values.size() < rs.slots &&
         !enough_repetitions(rs);
}

// One round: the next repetition of every run that still needs one, in a
// shuffled order. An interrupt drops the round's repetitions, so every run
// keeps the same number of whole rounds.
void run_round(Rounds& rounds) {
  std::vector<RunState*> due;
  for (auto* rs : rounds.runs)
    if (can_measure(*rs)) due.push_back(rs);
  if (due.empty()) return;
  const unsigned round = rounds.completed + 1;
  std::mt19937_64 rng(rounds.seed + round);
  std::shuffle(due.begin(), due.end(), rng);
  for (auto* m : rounds.measures) m->new_round(round);
  for (auto* rs : due) {
    if (interrupted()) break;
    measure_repetition(*rs, round);
  }
  if (!interrupted()) {
    rounds.completed = round;
    return;
  }
  rounds.dropped = true;
  for (auto* rs : due) {
    auto& reps = rs->repetitions;
    if (!reps.empty() && reps.back().value("round", 0u) == round && reps.back()["status"] == "ok") {
      reps.erase(reps.size() - 1);
      rs->timed_values.pop_back();
    }
  }
}

// Why a run's Google Benchmark repetition has no values.
std::string no_values_reason(const RunState& rs) {
  if (rs.unsupported) return rs.first_error;
  if (!rs.first_error.empty()) return "an earlier repetition failed: " + rs.first_error;
  if (interrupted()) return "interrupted";
  return rs.plan->adaptive.time_s > 0 ? "--time: the run's time is up"
                                      : "--reps auto: enough repetitions";
}

// Google Benchmark calls this once per repetition of a run. After a failed
// repetition the run is an error and its remaining repetitions are skipped
// at once: besides saving the time, Google Benchmark 1.7 must not compute
// statistics over a run whose first repetition failed (it dereferences
// that repetition's statistics, which an errored run does not have). With
// rounds, a run's values are handed out in order, so an error or an
// interrupt only ever follows its good repetitions.
void run_repetition(RunState& rs, benchmark::State& state) {
  for (auto _ : state) {
    if (rs.rounds) {
      if (rs.handed == rs.timed_values.size() && can_measure(rs)) run_round(*rs.rounds);
      if (rs.handed < rs.timed_values.size()) {
        report_values(state, rs.timed_values[rs.handed++]);
        continue;  // the loop ends by itself after its one iteration
      }
      state.SkipWithError(no_values_reason(rs).c_str());
      break;
    }
    if (!rs.first_error.empty()) {
      state.SkipWithError(("an earlier repetition failed: " + rs.first_error).c_str());
      break;
    }
    if (enough_repetitions(rs)) {
      // Google Benchmark has a slot for up to --reps auto's maximum; the
      // ones not needed are skipped without measuring (and without making
      // the run an error: first_error stays empty).
      state.SkipWithError(no_values_reason(rs).c_str());
      break;
    }
    if (interrupted()) {
      // Fewer repetitions than asked: not an ok run.
      rs.first_error = "interrupted";
      state.SkipWithError("interrupted");
      break;
    }
    if (measure_repetition(rs, std::nullopt)) {
      report_values(state, rs.timed_values.back());
    } else {
      state.SkipWithError(rs.first_error.c_str());
      break;
    }
  }
}

// Google Benchmark's own switch for interleaving repetitions: a flag of its
// command line, so it is set the way its command line would.
void set_interleaving(bool on) {
  // Static: Initialize keeps argv[0] as the context's executable name, read
  // when the reporter starts (a local string dangled: ASan's
  // stack-use-after-scope in JSONReporter::ReportContext).
  static char arg0[] = "zc-bench";
  std::string flag =
      std::string("--benchmark_enable_random_interleaving=") + (on ? "true" : "false");
  char* argv[] = {arg0, flag.data(), nullptr};
  int argc = 2;
  benchmark::Initialize(&argc, argv);
}

// How the runs repeat when --reps is not a fixed count, as the document
// says it: its key (time_based, adaptive_repetitions)
// and the rule; nothing for a fixed count.
std::optional<std::pair<std::string, json>> repetition_rule(const RunSettings::Adaptive& a) {
  if (!a.on) return std::nullopt;
  if (a.time_s > 0)
    return std::pair{"time_based",
                     json{{"seconds", a.time_s},
                          {"max_repetitions", a.max_repetitions},
                          {"rule",
                           "--time: each repetition is one whole, verified pass over the "
                           "run's size; a run repeats until its repetitions' timed regions "
                           "(wall_s) add up to `seconds` (the last one is not cut short), "
                           "at most max_repetitions; warm-up repetitions do not count"}}};
  json rule = {{"min_repetitions", a.min_repetitions}, {"max_repetitions", a.max_repetitions}};
  rule["metric"] = "throughput_bytes_per_s";
  rule["precision"] = a.precision;
  rule["max_time_s"] = a.max_time_s;
  rule["rule"] =
      "repeat a run until the 95% interval of its median throughput is within +-precision of the "
      "median (with at least min_repetitions), or until max_time_s has passed since the first "
      "repetition and it has 3";
  return std::pair{"adaptive_repetitions", rule};
}

json start_document(const Plan& plan, const Calibration& calibration) {
  json doc;
  doc["schema"] = "zc-bench/1";
  doc["started_at"] = iso8601_now();
  if (!plan.preset.empty()) doc["preset"] = plan.preset;
  if (auto rule = repetition_rule(plan.adaptive)) doc[rule->first] = std::move(rule->second);
  doc["repetition_order"] =
      plan.interleave
          ? json{{"interleaved", true},
                 {"method",
                  "rounds: each round is one repetition of every run, in a shuffled order, so "
                  "that drift hits every run alike; each round re-draws the source's page-cache "
                  "pages; an interrupt drops the unfinished round"}}
          : json{{"interleaved", false}, {"method", "each run's repetitions back to back"}};
  doc["environment"] = describe_environment(
      plan.file ? fs::absolute(*plan.file).parent_path() : plan.temp_parent, plan.command_line);
  doc["environment"]["calibration"] = to_json(calibration);
  doc["environment"]["kernel_counters"] = describe_kernel_counters(plan.quiet);
  return doc;
}

// The run's state, its record's fixed fields, and whether it can run here.
std::unique_ptr<RunState> prepare_run(const RunSpec& spec, const Plan& plan, PlanMeasure& measure,
                                      const fs::path& source_dir) {
  auto rs = std::make_unique<RunState>();
  rs->spec = spec;
  rs->plan = &plan;
  rs->workload = &workload_of(spec);
  auto& c = rs->spec.conditions;
  c.source_dir = source_dir;
  rs->record = rs->workload->describe(rs->spec, plan);
  rs->record["name"] = rs->spec.name();
  rs->record["workload"] = rs->workload->id();
  rs->record["strategy"] = spec.strategy->id();
  rs->record["data_path"] = spec.strategy->data_path();
  rs->record["ledger"] = ledger_json(spec.strategy->ledger(c));
  rs->measure = measure.run(rs->spec);
  if (!spec.strategy->accepts_sink(c.sink)) {
    // In a product of lists; naming the single pair is a usage error.
    rs->unsupported = true;
    rs->first_error = std::string(spec.strategy->id()) + " cannot write to the " +
                      std::string(to_string(c.sink)) + " sink";
  } else if (auto support = spec.strategy->probe(c); !support) {
    rs->unsupported = true;
    rs->first_error = *support.missing;
  }
  return rs;
}

void register_run(RunState& rs, unsigned repetitions) {
  auto* raw = &rs;
  benchmark::RegisterBenchmark(rs.record["name"].get<std::string>().c_str(),
                               [raw](benchmark::State& st) { run_repetition(*raw, st); })
      ->Iterations(1)
      ->Repetitions(int(repetitions))
      ->UseManualTime()
      // The median's 95% interval (order statistics) and what it really
      // covers: below 0.95 with fewer than 6 repetitions.
      ->ComputeStatistics(
          "ci95_low", [](const std::vector<double>& v) { return stats::median_interval(v).low; })
      ->ComputeStatistics(
          "ci95_high", [](const std::vector<double>& v) { return stats::median_interval(v).high; })
      ->ComputeStatistics(
          "ci95_coverage",
          [](const std::vector<double>& v) { return stats::median_interval(v).coverage; },
          benchmark::kPercentage)
      ->ComputeStatistics(
          "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); })
      ->ComputeStatistics("max", [](const std::vector<double>& v) {
        return *std::max_element(v.begin(), v.end());
      });
}

// The plan's runs while they run: each workload's plan-wide state, each
// run's state (members are destroyed in reverse: the runs before the
// measures they use), and the rounds of --interleave.
struct PlanRuns {
  std::map<std::string, std::unique_ptr<PlanMeasure>, std::less<>> measures;
  std::vector<std::unique_ptr<RunState>> states;
  std::map<std::string, RunState*> by_name;  // the runs registered with Google Benchmark
  std::uint64_t order = 0;
  Rounds rounds;
};

// Every run of the plan prepared, and each that can run here registered.
void prepare_runs(PlanRuns& runs, const Plan& plan, PlanContext& context,
                  const fs::path& source_dir, std::uint64_t plan_start) {
  for (const auto& spec : plan.runs) {
    const auto& workload = workload_of(spec);
    auto& measure = runs.measures[std::string(workload.id())];
    if (!measure) {
      measure = workload.begin(context);
      runs.rounds.measures.push_back(measure.get());
    }
    auto rs = prepare_run(spec, plan, *measure, source_dir);
    rs->order = &runs.order;
    rs->plan_start_ns = plan_start;
    if (!rs->unsupported) {
      rs->slots = plan.adaptive.on ? plan.adaptive.max_repetitions : plan.repetitions;
      register_run(*rs, rs->slots);
      runs.by_name[rs->record["name"]] = rs.get();
      if (plan.interleave) {
        rs->rounds = &runs.rounds;
        runs.rounds.runs.push_back(rs.get());
      }
    }
    runs.states.push_back(std::move(rs));
  }
}

// "interrupted after 2 rounds (the unfinished round's repetitions
// dropped); stopped by signal 2".
std::string incomplete_reason(const Plan& plan, const Rounds& rounds) {
  return (plan.interleave ? "interrupted after " + std::to_string(rounds.completed) +
                                (rounds.completed == 1 ? " round" : " rounds") +
                                " (the unfinished round's repetitions dropped); "
                          : std::string()) +
         "stopped by signal " + std::to_string(interrupt_signal());
}

}  // namespace

Outcome run_plan(const Plan& plan) {
  TempDir work(plan.temp_parent);
  ScopedPin pin(plan.tuning.sender_cpu);  // receivers re-pin themselves (--cpu)
  const Calibration& calibration = process_calibration();
  json doc = start_document(plan, calibration);
  const fs::path source_dir = plan.file ? fs::absolute(*plan.file).parent_path() : work.path();

  // Each workload's state for the plan (sources shared between runs).
  PlanContext context{plan, work.path(), &calibration};
  PlanRuns runs;
  runs.rounds.seed = std::random_device{}();
  benchmark::ClearRegisteredBenchmarks();
  // Interleaving is ours, in rounds; Google Benchmark runs the runs in order.
  set_interleaving(false);
  prepare_runs(runs, plan, context, source_dir, now_ns());

  CollectingReporter reporter(
      [&](const std::string& run, const std::string& statistic, const json& values) {
        if (auto it = runs.by_name.find(run); it != runs.by_name.end())
          it->second->aggregates[statistic] = values;
      });
  if (!runs.by_name.empty()) benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();

  Outcome out;
  doc["runs"] = json::array();
  const auto& rounds = runs.rounds;
  for (auto& rs : runs.states) {
    if (rs->rounds && interrupted() && rs->first_error.empty() &&
        rs->timed_values.size() < rs->slots && !enough_repetitions(*rs))
      rs->first_error = "interrupted after " + std::to_string(rounds.completed) +
                        (rounds.completed == 1 ? " round" : " rounds") + " of " +
                        std::to_string(rs->slots);
    finish_record(*rs, runs.by_name.count(rs->record["name"]) > 0);
    if (rs->record["status"] == "error") out.any_failed = true;
    doc["runs"].push_back(std::move(rs->record));
  }
  out.interrupted = interrupted();
  doc["complete"] = !out.interrupted;
  if (out.interrupted) doc["incomplete_reason"] = incomplete_reason(plan, rounds);
  doc["finished_at"] = iso8601_now();
  out.results = std::move(doc);
  out.gbench_json = reporter.gbench_json();
  return out;
}

}  // namespace zc
