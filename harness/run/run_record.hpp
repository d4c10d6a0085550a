// One run's state across its repetitions, and the run's entry in the
// results document ("runs"[i]) built from it.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/run/plan.hpp"

namespace zc {

struct RunState;

// Interleaved repetitions go in rounds: a round is one repetition of every
// run that still needs one, in a shuffled order, so drift hits all alike
// and an interrupt can end on a round's boundary. Google Benchmark still
// drives the repetitions: each of a run's takes the values its next round
// measured (measuring that round when none is waiting).
struct Rounds {
  std::vector<RunState*> runs;
  std::vector<PlanMeasure*> measures;  // told as each round starts
  unsigned completed = 0;              // rounds every due run finished
  bool dropped = false;                // an interrupt ended a round: its repetitions were dropped
  std::uint64_t seed = 0;
};

struct RunState {
  RunSpec spec;
  const Workload* workload = nullptr;
  const Plan* plan = nullptr;
  std::unique_ptr<RunMeasure> measure;  // null for a run that cannot run here
  nlohmann::json record;                // name, strategy, parameters, ledger, ...
  nlohmann::json repetitions = nlohmann::json::array();
  Unavailable unavailable;  // metric -> why not
  std::string first_error;
  bool unsupported = false;
  bool warmed_up = false;
  // The evidence repetition (the last warm-up): the only one with kernel
  // counters on (measure/accounting.hpp); its counts and model check stand
  // for the run. Empty without a warm-up (then every repetition counts).
  std::optional<nlohmann::json> evidence;
  Values evidence_values;
  Unavailable evidence_unavailable;
  std::map<std::string, nlohmann::json> aggregates;  // statistic -> {metric: value}
  std::uint64_t* order = nullptr;   // counts the plan's measured repetitions as they run
  std::uint64_t plan_start_ns = 0;  // --reps auto: when the plan's repetitions began
  // With rounds (interleaving): the timed repetitions' values in round
  // order, and how many Google Benchmark has taken.
  Rounds* rounds = nullptr;
  std::vector<Values> timed_values;
  std::size_t handed = 0;
  unsigned slots = 0;  // Google Benchmark's repetitions of the run
};

// Keeps the evidence repetition's kernel counts (or why they are missing):
// they stand for the run's; the timed repetitions only say they had none.
void keep_evidence(RunState& rs, nlohmann::json rep, const Values& values);

// --reps auto: the run's throughput interval so far, relative to its
// median (half-width / median); nullopt before two repetitions.
std::optional<double> relative_half_width(const RunState& rs);

// --time: the seconds the run's timed repetitions took so far (their wall_s).
double timed_seconds(const RunState& rs);

// Fills the record's status, repetitions, metrics, verification, the
// workload's verdicts and warnings. `was_run`: Google Benchmark ran it.
void finish_record(RunState& rs, bool was_run);

}  // namespace zc
