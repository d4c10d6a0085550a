// The verdict of one invocation, read from its results document alone:
// runs that share every parameter but the strategy are ranked by
// throughput and, separately, by CPU per byte; each gets its ratio to the
// best with an interval, and runs that a Mann–Whitney test on their
// per-repetition values cannot tell apart share a rank (tied). Said in one
// sentence per ranking for under the table, and kept in the JSON as the
// top-level `comparisons` section.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/measure/statistics.hpp"

namespace zc {

struct RankedRun {
  std::string name, strategy;
  std::vector<double> values;  // per repetition (status ok)
  double median = 0;
  int rank = 0;         // 1 = best; runs in one tie group share it
  bool tied = false;    // shares its rank with another run
  bool leader = false;  // the best of its tie group (the one the others were tested against)
  bool tested = true;   // false: too few repetitions for the test to tell it from the leader
  std::optional<stats::UTest> vs_best;
  std::optional<stats::Shift> ratio_to_best;  // this / best
};

struct Ranking {
  std::string metric;  // the key in the document
  std::string label;   // "throughput", "CPU per byte"
  std::string group;   // the parameters the runs share (the name without its strategy)
  bool higher_is_better = true;
  std::vector<RankedRun> runs;  // best first
  // Runs that could not be told apart because the test cannot reach 5%
  // with so few repetitions (not because their values overlap).
  bool too_few_repetitions = false;
};

// The run's per-repetition values of `key` (repetitions with status ok),
// skipping any that are missing or not numbers.
std::vector<double> repetition_values(const nlohmann::json& run, const std::string& key);

// Every ranking the document holds (groups of two or more ok runs with the
// metric measured), in the document's order of groups.
std::vector<Ranking> rank_results(const nlohmann::json& results);

// "read-write is 1.32x (1.21-1.44) faster than sendfile; sendfile and
// splice are tied". `with_group` prefixes the shared parameters.
std::string ranking_sentence(const Ranking& r, bool with_group);

// The `comparisons` section: one entry per ranking.
nlohmann::json rankings_json(const std::vector<Ranking>& rankings);

// For under the table: one sentence per ranking, then what the figures
// are; `cell_legend` when the table shows the MB/s cell's "\u00b1" interval.
void print_rankings(const nlohmann::json& results, std::FILE* out, bool cell_legend = true);

}  // namespace zc
