// A workload is the kind of job a run does — transfer (a file to a sink),
// append (records to a log), ... — chosen once per run. The CLI and the
// runner talk to it through this interface only: which options it takes,
// how they expand into runs, what a run records and reports, and how one
// repetition is measured. A new workload is a folder next to this file
// (self-registering, like a strategy) plus its strategies.
#pragma once

#include <any>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/conditions.hpp"
#include "harness/core/strategy.hpp"
#include "harness/measure/calibration.hpp"
#include "harness/measure/metrics.hpp"
#include "harness/sinks/tuning.hpp"
#include "harness/workloads/options.hpp"

namespace zc {

class Workload;

// One run: a strategy under one set of conditions.
struct RunSpec {
  const Strategy* strategy = nullptr;
  Conditions conditions;
  // How many of this run go at once (--streams): each with its own sender,
  // receiver and connection, started together. 1: the run alone.
  unsigned streams = 1;
  // The workload that runs it, when it is not the strategy's own (the
  // broker runs ingest strategies); null: the strategy's workload.
  const Workload* workload = nullptr;
  // The workload's own typed parameters beyond the conditions (the
  // broker's producers, consumers and phase): set by its expand(), read by
  // its run_name(), describe() and measurement through
  // std::any_cast<const T&>. Empty for most runs.
  std::any params;
  // "read-write/tcp/size:256M/chunk:1M/cache:hot": unique within a plan,
  // what `compare` matches runs by. Spelled by the strategy's workload.
  std::string name() const;
};

// What every run of one `zc-bench run` shares.
struct RunSettings {
  unsigned repetitions = 5;
  unsigned warmup = 1;                        // untimed repetitions before the measured ones
  std::optional<std::filesystem::path> file;  // --file, else a generated source
  std::filesystem::path temp_parent;          // where sources, logs and file sinks live
  Tuning tuning;
  std::uint64_t seed = 0x5eed;
  double timeout_s = 0;  // per repetition; 0 = from the size
  bool quiet = false;
  std::string token;  // remote sink: shared secret (never written to the results)
  // Repetitions of all runs in one shuffled order (Google Benchmark's
  // random interleaving), so that drift over the comparison hits every run
  // alike; off: each run's repetitions back to back.
  bool interleave = true;
  // --reps auto: repeat each run until its throughput's 95% interval is
  // narrower than `precision` (half-width / median) or the plan has run for
  // `max_time_s`; at least `min_repetitions` (the fewest that can reach 95%),
  // at most `max_repetitions`. `repetitions` is then the minimum.
  //
  // --time SECONDS (time_s > 0, with `on`): time-based instead. Each
  // repetition is still one whole, verified pass over the run's size; a run
  // repeats until its timed repetitions (wall_s) add up to time_s (the last
  // one is not cut short), at most `max_repetitions`. A faster strategy
  // makes more repetitions in the same time, as fio's runtime and iperf3's
  // -t keep moving bytes until the time is up.
  struct Adaptive {
    bool on = false;
    double precision = 0.03;
    double max_time_s = 60;
    unsigned min_repetitions = 6;
    unsigned max_repetitions = 50;
    double time_s = 0;
  } adaptive;
};

// How long one repetition of `size` bytes may take before it is an error:
// --timeout, else 30 s plus the time to move the bytes at 20 MiB/s.
std::uint64_t repetition_timeout_ns(const RunSettings& settings, std::uint64_t size);

// A named comparison of one workload: `--preset kafka`.
struct Preset {
  std::string_view name;
  std::string_view help;
  // Options the preset chooses itself: giving one is a contradiction.
  std::vector<std::string_view> refuses;
  // Option texts used when the user gave none.
  std::vector<std::pair<std::string_view, std::string_view>> defaults;
  // Measured repetitions when --reps is not given (0: the run's default).
  unsigned repetitions = 0;
  // Rewrites the expanded runs (may be empty).
  std::function<void(std::vector<RunSpec>&)> rewrite;
  // Microseconds its receivers poll when --receiver-poll is not given
  // (unset: Tuning's default).
  std::optional<unsigned> receiver_poll_us;
};

// What the runner gives a workload for a whole plan.
struct PlanContext {
  const RunSettings& settings;
  std::filesystem::path work_dir;  // private, removed after the plan
  const Calibration* calibration = nullptr;
};

// Measures the repetitions of one run; lives as long as the run.
class RunMeasure {
 public:
  virtual ~RunMeasure() = default;
  // One repetition: fills `values` and `unavailable` and returns the
  // repetition's JSON (values, verification, evidence, ...). Kernel
  // counters on only when `kernel_counters`. Throws on any failure (a
  // mismatch of the bytes included), Unsupported when it cannot run here.
  virtual nlohmann::json repetition(Values& values, Unavailable& unavailable,
                                    bool kernel_counters) = 0;
  // After the last repetition: what the workload adds to the run record
  // (model checks, verdicts) and warnings about the figures. `checked`
  // holds the record's repetitions, the evidence one last when there was one.
  virtual void finish(nlohmann::json& /*record*/, const nlohmann::json& /*checked*/,
                      std::vector<std::string>& /*warnings*/) {}
};

// A workload's state for a whole plan (sources shared between runs).
class PlanMeasure {
 public:
  virtual ~PlanMeasure() = default;
  virtual std::unique_ptr<RunMeasure> run(const RunSpec& spec) = 0;
  // A round of interleaved repetitions starts (1, 2, ...): re-draw what
  // would otherwise stay fixed for the whole invocation (where the shared
  // sources' pages lie), so one invocation's spread covers another's.
  virtual void new_round(unsigned round) { (void)round; }
};

// The plan of a workload whose runs share nothing: each run is its own
// `Run`, made from the spec and the plan (append, ingest). A workload with
// plan-wide state (transfer's shared sources) writes its own PlanMeasure.
template <class Run>
class PerRunPlan : public PlanMeasure {
 public:
  explicit PerRunPlan(const PlanContext& plan) : plan_(plan) {}
  std::unique_ptr<RunMeasure> run(const RunSpec& spec) override {
    return std::make_unique<Run>(spec, plan_);
  }

 private:
  const PlanContext& plan_;
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string_view id() const = 0;  // "transfer", as strategies' workload()
  virtual std::string_view summary() const = 0;
  // The workload whose strategies this one runs (the broker runs ingest
  // strategies, serving its consumers with transfer ones); its own id for most.
  virtual std::string_view strategies_of() const { return id(); }
  virtual std::span<const RunOption> options() const = 0;
  virtual std::span<const Preset> presets() const { return {}; }
  // The product of the typed lists in `request.typed` (parsed before, from
  // this workload's options()) for `strategies`. Throws UsageError naming
  // the option for a combination no run can take. May fix settings its options decide
  // (--file). Pairs a strategy cannot run (a sink it cannot write) come back
  // as runs that the runner reports unsupported, unless the user named that
  // single pair: then it is a usage error.
  virtual std::vector<RunSpec> expand(const RunRequest& request,
                                      const std::vector<const Strategy*>& strategies,
                                      RunSettings& settings) const = 0;
  virtual std::string run_name(const RunSpec& spec) const = 0;
  // The run record's fields besides name, workload, strategy and data path:
  // "parameters" and whatever else identifies the run (sink, receiver, ...).
  virtual nlohmann::json describe(const RunSpec& spec, const RunSettings& settings) const = 0;
  virtual std::span<const MetricDef> metrics() const = 0;
  virtual std::unique_ptr<PlanMeasure> begin(const PlanContext& plan) const = 0;
};

// The workloads built in, in listing order (transfer first).
std::vector<const Workload*> all_workloads();
const Workload* find_workload(std::string_view id);
// The workload of `strategy`; throws std::logic_error for one not built in.
const Workload& workload_of(const Strategy& strategy);
// The workload that runs `spec`: its own, else its strategy's.
const Workload& workload_of(const RunSpec& spec);

namespace detail {
void register_workload(std::unique_ptr<Workload> w);
}

template <typename T>
struct WorkloadRegistrar {
  WorkloadRegistrar() { detail::register_workload(std::make_unique<T>()); }
};

}  // namespace zc

// Workloads register from static constructors, in an OBJECT library (a
// STATIC one would let the linker drop them).
#define ZC_REGISTER_WORKLOAD(Type) \
  static const ::zc::WorkloadRegistrar<Type> zc_workload_registrar_##Type {}
