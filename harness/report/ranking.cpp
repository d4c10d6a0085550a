#include "harness/report/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "harness/base/units.hpp"
#include "harness/report/roles.hpp"

namespace zc {
namespace {

// What the table ranks: the run's throughput and cpu roles (the metric each
// names carries its own direction, metrics.<key>.better).
constexpr struct {
  const char* role;
  const char* label;
} kRankedRoles[] = {{"throughput", "throughput"}, {"cpu", "CPU per byte"}};

using nlohmann::json;

const json* field(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string text_field(const json& obj, const char* key) {
  const json* f = field(obj, key);
  return f && f->is_string() ? f->get<std::string>() : std::string();
}

bool measured(const json& run, const char* key) {
  const json* metrics = field(run, "metrics");
  const json* m = metrics ? field(*metrics, key) : nullptr;
  const json* available = m ? field(*m, "available") : nullptr;
  // Figures from the single evidence repetition have no spread to rank by.
  return available && available->is_boolean() && available->get<bool>() &&
         !field(*m, "repetitions");
}

// The run's parameters without its strategy: the name after "<strategy>/".
std::string group_of(const json& run) {
  auto name = text_field(run, "name"), strategy = text_field(run, "strategy");
  if (!strategy.empty() && name.rfind(strategy + "/", 0) == 0)
    return name.substr(strategy.size() + 1);
  return name;  // a name of another shape: a group of its own
}

std::string ratio_text(double r) { return format_fixed(r, r < 10 ? 2 : r < 100 ? 1 : 0); }

// "1.32x (1.21-1.44)", with the coverage when it falls short of 95%.
std::string ratio_with_interval(const stats::Shift& s) {
  std::string out = ratio_text(s.estimate) + "\u00d7 (" + ratio_text(s.interval.low) + "\u2013" +
                    ratio_text(s.interval.high);
  if (!s.interval.reaches_confidence())
    out += ", " + format_fixed(s.interval.coverage * 100, 0) + "% interval";
  return out + ")";
}

std::string names_joined(const std::vector<const RankedRun*>& runs) {
  std::string out;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i) out += i + 1 == runs.size() ? " and " : ", ";
    out += runs[i]->strategy;
  }
  return out;
}

void assign_ranks(Ranking& r) {
  auto& runs = r.runs;
  std::sort(runs.begin(), runs.end(), [&](const RankedRun& a, const RankedRun& b) {
    return r.higher_is_better ? a.median > b.median : a.median < b.median;
  });
  const RankedRun* leader = nullptr;
  int rank = 0;
  for (auto& run : runs) {
    run.vs_best = stats::mann_whitney(runs.front().values, run.values);
    run.ratio_to_best = stats::ratio(runs.front().values, run.values);
    // A run joins the tie group of the best run above it unless the test
    // tells them apart.
    // Too few repetitions for the test to reach 5% at all: ranked by the
    // medians, not tied, and the sentence says it was not tested.
    bool tied = false;
    if (leader) {
      auto t = stats::mann_whitney(leader->values, run.values);
      if (t.smallest_p_value >= stats::kAlpha) {
        run.tested = false;
        r.too_few_repetitions = true;
      } else {
        tied = t.p_value >= stats::kAlpha;
      }
    }
    if (!tied) {
      ++rank;
      leader = &run;
      run.leader = true;
    }
    run.rank = rank;
  }
  for (auto& run : runs)
    run.tied = std::count_if(runs.begin(), runs.end(),
                             [&](const RankedRun& o) { return o.rank == run.rank; }) > 1;
}

}  // namespace

std::vector<Ranking> rank_results(const json& results) {
  std::vector<Ranking> out;
  const json* runs = field(results, "runs");
  if (!runs || !runs->is_array()) return out;
  // Groups in the order their first run appears.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const json*>> groups;
  for (const auto& run : *runs) {
    if (text_field(run, "status") != "ok") continue;
    auto g = group_of(run);
    if (!groups.count(g)) order.push_back(g);
    groups[g].push_back(&run);
  }
  for (const auto& g : order) {
    const auto& members = groups[g];
    if (members.size() < 2) continue;
    for (const auto& ranked : kRankedRoles) {
      // Every member must name the same metric for the role, measured.
      const auto role = metric_of_role(*members.front(), ranked.role);
      if (!role || !std::all_of(members.begin(), members.end(), [&](auto* r) {
            return role_key(*r, ranked.role) == role->key && measured(*r, role->key.c_str());
          }))
        continue;
      const std::string& key = role->key;
      Ranking r;
      r.metric = key;
      r.label = ranked.label;
      r.group = g;
      r.higher_is_better = higher_is_better(*role->metric);
      for (const json* run : members) {
        RankedRun rr;
        rr.name = text_field(*run, "name");
        rr.strategy = text_field(*run, "strategy");
        rr.values = repetition_values(*run, key);
        if (rr.values.empty()) break;
        rr.median = stats::median(rr.values);
        r.runs.push_back(std::move(rr));
      }
      if (r.runs.size() != members.size()) continue;  // a run without per-repetition values
      assign_ranks(r);
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<double> repetition_values(const json& run, const std::string& key) {
  std::vector<double> out;
  const json* reps = field(run, "repetitions");
  if (!reps || !reps->is_array()) return out;
  for (const auto& rep : *reps) {
    if (text_field(rep, "status") != "ok") continue;
    const json* values = field(rep, "values");
    const json* v = values ? field(*values, key.c_str()) : nullptr;
    if (v && v->is_number() && std::isfinite(v->get<double>())) out.push_back(v->get<double>());
  }
  return out;
}

std::string ranking_sentence(const Ranking& r, bool with_group) {
  std::string out = r.label + (with_group ? " (" + r.group + ")" : std::string()) + ": ";
  // Tie groups in rank order.
  std::vector<std::vector<const RankedRun*>> groups;
  for (const auto& run : r.runs) {
    if (groups.empty() || groups.back().front()->rank != run.rank) groups.emplace_back();
    groups.back().push_back(&run);
  }
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].size() > 1)
      parts.push_back(names_joined(groups[i]) +
                      (groups[i].size() == 2 ? " are tied" : " are all tied"));
    if (i + 1 == groups.size()) break;
    const RankedRun* better = groups[i].front();
    const RankedRun* worse = groups[i + 1].front();
    // Ratios read > 1: how much faster, how much more CPU.
    auto s = r.higher_is_better ? stats::ratio(worse->values, better->values)
                                : stats::ratio(better->values, worse->values);
    // The medians and the Hodges-Lehmann estimate can disagree on which is
    // ahead (a skewed spread): the sentence follows the estimate, so that
    // it never reads "0.98x faster".
    if (s && s->estimate < 1) {
      s = stats::Shift{1 / s->estimate,
                       {1 / s->interval.high, 1 / s->interval.low, s->interval.coverage,
                        s->interval.confidence}};
      std::swap(better, worse);
    }
    std::string how = s ? ratio_with_interval(*s) : "(no ratio: a value is 0)";
    if (s && s->interval.low <= 1 && s->interval.high >= 1)
      parts.push_back(better->strategy + " and " + worse->strategy + " are not told apart (" + how +
                      ")");
    else if (r.higher_is_better)
      parts.push_back(better->strategy + " is " + how + " faster than " + worse->strategy);
    else
      parts.push_back(worse->strategy + " takes " + how + " the CPU per byte of " +
                      better->strategy);
  }
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  if (r.too_few_repetitions) {
    std::size_t n = r.runs.front().values.size();
    out += " (ranked by medians, untested: " + std::to_string(n) +
           (n == 1 ? " repetition" : " repetitions") +
           " cannot show a difference at 5%; use --reps " +
           std::to_string(stats::minimum_repetitions()) + " or more)";
  }
  return out;
}

json rankings_json(const std::vector<Ranking>& rankings) {
  json out = json::array();
  bool several = false;
  for (const auto& r : rankings) several |= r.group != rankings.front().group;
  for (const auto& r : rankings) {
    json runs = json::array();
    for (const auto& run : r.runs) {
      json j = {{"name", run.name},
                {"strategy", run.strategy},
                {"rank", run.rank},
                {"tied", run.tied},
                {"tested", run.tested},
                {"median", run.median},
                {"repetitions", run.values.size()}};
      if (&run != &r.runs.front()) {
        if (run.ratio_to_best)
          j["ratio_to_best"] = {{"estimate", run.ratio_to_best->estimate},
                                {"low", run.ratio_to_best->interval.low},
                                {"high", run.ratio_to_best->interval.high},
                                {"coverage", run.ratio_to_best->interval.coverage}};
        if (run.vs_best) j["p_value_vs_best"] = run.vs_best->p_value;
      }
      runs.push_back(j);
    }
    out.push_back({{"metric", r.metric},
                   {"group", r.group},
                   {"higher_is_better", r.higher_is_better},
                   {"test", "mann-whitney"},
                   {"alpha", stats::kAlpha},
                   {"too_few_repetitions", r.too_few_repetitions},
                   {"runs", runs},
                   {"sentence", ranking_sentence(r, several)}});
  }
  return out;
}

void print_rankings(const json& results, std::FILE* out, bool cell_legend) {
  auto rankings = rank_results(results);
  bool several = false;
  for (const auto& r : rankings) several |= r.group != rankings.front().group;
  for (const auto& r : rankings) std::fprintf(out, "%s\n", ranking_sentence(r, several).c_str());
  // The legend, also for a lone run: its MB/s cell carries the interval.
  // --time gives runs different counts: the fewest decides what is said.
  std::size_t n = 0, fewest = SIZE_MAX;
  if (const json* runs = field(results, "runs"); runs && runs->is_array())
    for (const auto& run : *runs)
      if (text_field(run, "status") == "ok") {
        const auto count = repetition_values(run, role_key(run, "throughput")).size();
        n = std::max(n, count);
        if (count >= 2) fewest = std::min(fewest, count);
      }
  if (n < 2) return;
  std::string coverage =
      fewest >= 6 ? std::string("95%")
                  : "min-max, which covers only " +
                        format_fixed(stats::min_max_coverage(fewest) * 100, fewest == 5 ? 1 : 0) +
                        "% with " + std::to_string(fewest) + " repetitions (95% needs 6" +
                        (n >= 6 ? ", which the runs with more reach)" : ")");
  if (!cell_legend) coverage.clear();
  if (rankings.empty()) {
    if (cell_legend) std::fprintf(out, "(\u00b1: the median's interval, %s)\n", coverage.c_str());
  } else if (!cell_legend) {
    std::fprintf(out,
                 "(ranked: runs that differ only by strategy; tied: not told apart by a "
                 "Mann-Whitney test at 5%%;\n ratio (low\u2013high): Hodges-Lehmann estimate, "
                 "95%% interval)\n");
  } else
    std::fprintf(out,
                 "(ranked: runs that differ only by strategy; tied: not told apart by a "
                 "Mann-Whitney test at 5%%;\n ratio (low\u2013high): Hodges-Lehmann estimate, 95%% "
                 "interval; \u00b1: the median's interval, %s)\n",
                 coverage.c_str());
}

}  // namespace zc
