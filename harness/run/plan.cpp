#include "harness/run/plan.hpp"

#include <algorithm>
#include <set>

#include "harness/base/errors.hpp"
#include "harness/base/suggest.hpp"
#include "harness/base/text.hpp"
#include "harness/base/units.hpp"
#include "harness/core/external.hpp"
#include "harness/core/registry.hpp"

namespace zc {
namespace {

struct FoundPreset {
  const Workload* workload = nullptr;
  const Preset* preset = nullptr;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

FoundPreset find_preset(const std::string& name) {
  std::vector<std::string> known;
  for (const auto* w : all_workloads())
    for (const auto& p : w->presets()) {
      if (p.name == name) return {w, &p};
      known.emplace_back(p.name);
    }
  std::sort(known.begin(), known.end());
  throw UsageError("--preset: '" + name + "' is not a preset (allowed: " + join(known) + ")");
}

std::string workload_ids() {
  std::vector<std::string> ids;
  for (const auto* w : all_workloads()) ids.emplace_back(w->id());
  return join(ids);
}

// The workloads of the strategy ids listed (unknown ids are left to the
// strategy check, which names them).
std::set<std::string> workloads_of_ids(const std::string& strategies) {
  std::set<std::string> out;
  if (strategies == "all") return out;
  for (const auto& id : split(strategies, ','))
    if (const auto* s = Registry::instance().find(id)) out.emplace(s->workload());
  return out;
}

const Workload& pick_workload(const PlanRequest& r, const FoundPreset& preset) {
  auto by_ids = workloads_of_ids(r.strategies);
  if (by_ids.size() > 1)
    throw UsageError("--strategy: strategies of different workloads (" +
                     join({by_ids.begin(), by_ids.end()}) + ") cannot run in one comparison");
  const Workload* chosen = preset.workload;
  if (!r.workload.empty()) {
    const auto* w = find_workload(r.workload);
    if (!w)
      throw UsageError("--workload: '" + r.workload +
                       "' is not a workload (allowed: " + workload_ids() + ")");
    if (chosen && chosen != w)
      throw UsageError("--workload " + r.workload + ": --preset " + r.preset + " is a " +
                       std::string(chosen->id()) + " comparison");
    chosen = w;
  }
  if (!by_ids.empty()) {
    const auto* w = find_workload(*by_ids.begin());
    if (chosen && chosen->strategies_of() != *by_ids.begin())
      throw UsageError("--strategy: the strategies given are " + std::string(w->id()) +
                       " ones, not " + std::string(chosen->strategies_of()));
    if (!chosen) chosen = w;
  }
  return chosen ? *chosen : *find_workload("transfer");
}

bool takes(const Workload& w, std::string_view option) {
  const auto opts = w.options();
  return std::any_of(opts.begin(), opts.end(), [&](auto& o) { return o.family->name == option; });
}

// An option of another workload is a mistake, not something to ignore;
// so is one the preset chooses itself.
void check_options(const PlanRequest& r, const Workload& workload, const Preset* preset) {
  for (const auto& [option, texts] : r.options.given) {
    if (preset &&
        std::find(preset->refuses.begin(), preset->refuses.end(), option) != preset->refuses.end())
      throw UsageError("--preset " + r.preset + " chooses " + option + " itself (" +
                       std::string(preset->help) + "); drop " + option);
    if (takes(workload, option)) continue;
    std::vector<std::string> others;
    for (const auto* w : all_workloads())
      if (takes(*w, option)) others.emplace_back(w->id());
    throw UsageError(option + " applies to " + join(others) + " runs, not to " +
                     std::string(workload.id()) + " runs (--workload " + others.front() + ")");
  }
  if (preset &&
      (std::find(preset->refuses.begin(), preset->refuses.end(), "--strategy") !=
       preset->refuses.end()) &&
      r.strategies != "all")
    throw UsageError("--preset " + r.preset + " chooses --strategy itself (" +
                     std::string(preset->help) + "); drop --strategy");
  if (preset && !r.workload.empty() &&
      std::find(preset->refuses.begin(), preset->refuses.end(), "--workload") !=
          preset->refuses.end())
    throw UsageError("--preset " + r.preset + " chooses --workload itself; drop --workload");
}

std::vector<const Strategy*> pick_strategies(const std::string& text, const Workload& workload) {
  auto known_ids = [&] {
    std::vector<std::string> ids;
    for (const auto* k : Registry::instance().all(workload.strategies_of()))
      ids.emplace_back(k->id());
    return ids;
  };
  auto known = [&] { return join(known_ids()); };
  // 'all' is the strategies built in: an external one (a program zc-bench
  // starts, a JVM's start-up per repetition) runs when named.
  if (text == "all") {
    auto all = Registry::instance().all(workload.strategies_of());
    std::erase_if(all, [](const Strategy* s) { return dynamic_cast<const ExternalStrategy*>(s); });
    return all;
  }
  std::vector<const Strategy*> out;
  for (const auto& id : split_unique(text, "--strategy")) {
    if (id == "all")
      throw UsageError("--strategy: 'all' cannot be combined with other ids (give 'all' alone)");
    const auto* s = Registry::instance().find(id);
    if (s && s->workload() != workload.strategies_of())
      throw UsageError("--strategy: " + id + " belongs to the " + std::string(s->workload()) +
                       " workload (add --workload " + std::string(s->workload()) + ")");
    if (!s) {
      // The refusal that concerns this id, if any, else the first one.
      auto problems = Registry::instance().problems();
      auto it = std::find_if(problems.begin(), problems.end(), [&](const std::string& p) {
        return p.find("/" + id + ".strategy") != std::string::npos;
      });
      if (it == problems.end()) it = problems.begin();
      auto nearest = nearest_name(id, known_ids());
      throw UsageError("--strategy: unknown " + std::string(workload.strategies_of()) +
                       " strategy '" + printable(id, 256) + "'" +
                       (nearest ? " (did you mean " + *nearest + "?)" : "") + " (allowed: all, " +
                       known() + ")" +
                       (problems.empty() ? "" : "; refused: " + printable(*it, 1024)));
    }
    out.push_back(s);
  }
  return out;
}

// The value of `long_name` (or `short_name`) in `args`: "--x V", "--x=V"
// or, for a short name, "-sV"; the last one wins, as in CLI11.
std::string value_of(const std::vector<std::string>& args, std::string_view long_name,
                     std::string_view short_name = {}) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    for (auto name : {long_name, short_name}) {
      if (name.empty() || a.rfind(name, 0) != 0) continue;
      auto rest = a.substr(name.size());
      if (rest.empty() && i + 1 < args.size())
        out = args[i + 1];
      else if (!rest.empty() && (rest[0] == '=' || name.size() == 2))
        out = std::string(rest[0] == '=' ? rest.substr(1) : rest);
    }
  }
  return out;
}

}  // namespace

const Workload* workload_named(const std::vector<std::string>& args) {
  if (auto id = value_of(args, "--workload"); !id.empty()) return find_workload(id);
  if (auto name = value_of(args, "--preset"); !name.empty())
    for (const auto* w : all_workloads())
      for (const auto& p : w->presets())
        if (p.name == name) return w;
  auto by_ids = workloads_of_ids(value_of(args, "--strategy", "-s"));
  return by_ids.size() == 1 ? find_workload(*by_ids.begin()) : nullptr;
}

Plan make_plan(const PlanRequest& r, const RunSettings& settings) {
  FoundPreset preset;
  if (!r.preset.empty()) preset = find_preset(r.preset);
  const auto& workload = pick_workload(r, preset);
  check_options(r, workload, preset.preset);

  Plan plan;
  static_cast<RunSettings&>(plan) = settings;
  plan.workload = std::string(workload.id());
  plan.preset = r.preset;
  RunRequest options = r.options;
  if (preset.preset) {
    for (const auto& [option, text] : preset.preset->defaults)
      if (!options.has(option)) options.given[std::string(option)] = {std::string(text)};
    if (preset.preset->repetitions && !r.repetitions_given)
      plan.repetitions = preset.preset->repetitions;
    if (preset.preset->receiver_poll_us && !r.receiver_poll_given)
      plan.tuning.receiver_poll_us = *preset.preset->receiver_poll_us;
  }
  // The workload's defaults, from its option rows: expand() reads every
  // option through them and has no fallback of its own.
  for (const auto& o : workload.options())
    if (!o.default_text.empty())
      options.defaults[std::string(o.family->name)] = std::string(o.default_text);
  // Parsed here, once, for every workload: expand() forms the product.
  options.typed = parse_run_options(options, workload.options());
  auto strategies = pick_strategies(r.strategies, workload);
  plan.runs = workload.expand(options, strategies, plan);
  for (auto& run : plan.runs) run.workload = &workload;
  if (preset.preset && preset.preset->rewrite) preset.preset->rewrite(plan.runs);
  return plan;
}

}  // namespace zc
