// The append workload: records written to a log file, sequentially or at
// random slots, with a sync policy — the disk half of the story.
#include <algorithm>
#include <array>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/core/append.hpp"
#include "harness/workloads/append/append_measure.hpp"
#include "harness/workloads/append/append_metrics.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {
namespace {

constexpr std::array kOptions = {
    RunOption{"--size", "log sizes: list or range (default: 64M, fewer records when syncing)", ""},
    RunOption{"--record", "record sizes: list or range", "4K"},
    RunOption{"--pattern", "seq, random or seq,random", "seq"},
    RunOption{"--sync", "none, every:N (records), interval:MS, dsync (O_DSYNC); a list runs each",
              "none"},
};

// Default log size. A per-record device flush takes milliseconds on real
// storage (about 7 ms on this project's test VM), so policies that sync per
// record default to 512 syncs' worth instead of a size that takes minutes.
constexpr std::uint64_t kDefaultLog = 64ull << 20;
constexpr std::uint64_t kDefaultSyncedRecords = 512;

std::uint64_t default_log_size(std::uint64_t record, const SyncPolicy& sync) {
  std::uint64_t records = kDefaultLog / record;
  if (sync.kind == SyncPolicy::Kind::every) records = kDefaultSyncedRecords * sync.n;
  if (sync.kind == SyncPolicy::Kind::dsync) records = kDefaultSyncedRecords;
  return std::clamp(records * record, record, kDefaultLog);
}

std::vector<AppendPattern> pick_patterns(const std::string& text) {
  std::vector<AppendPattern> out;
  for (const auto& name : split_unique(text, "--pattern")) {
    auto p = parse_append_pattern(name);
    if (!p) throw UsageError("--pattern: '" + name + "' is not a pattern (allowed: seq, random)");
    out.push_back(*p);
  }
  return out;
}

std::vector<SyncPolicy> pick_syncs(const std::string& text) {
  std::vector<SyncPolicy> out;
  for (const auto& name : split_unique(text, "--sync")) {
    auto p = SyncPolicy::parse(name);
    if (!p)
      throw UsageError("--sync: '" + name +
                       "' is not a sync policy (allowed: none, every:N, interval:MS, dsync; "
                       "N and MS positive)");
    out.push_back(*p);
  }
  return out;
}

class AppendRun : public RunMeasure {
 public:
  AppendRun(const RunSpec& spec, const PlanContext& plan) : spec_(spec), plan_(plan) {}
  nlohmann::json repetition(Values& values, Unavailable& unavailable, bool) override {
    return measure_append_once(static_cast<const AppendStrategy&>(*spec_.strategy),
                               spec_.conditions, plan_.work_dir, plan_.settings.seed, values,
                               unavailable);
  }

 private:
  RunSpec spec_;
  const PlanContext& plan_;
};

class AppendPlan : public PlanMeasure {
 public:
  explicit AppendPlan(const PlanContext& plan) : plan_(plan) {}
  std::unique_ptr<RunMeasure> run(const RunSpec& spec) override {
    return std::make_unique<AppendRun>(spec, plan_);
  }

 private:
  const PlanContext& plan_;
};

class AppendWorkload : public Workload {
 public:
  std::string_view id() const override { return kAppendWorkload; }
  std::string_view summary() const override {
    return "records appended to a log file, seq or random, with a sync policy";
  }
  std::span<const RunOption> options() const override { return kOptions; }
  std::span<const Preset> presets() const override { return presets_; }

  std::vector<RunSpec> expand(const RunRequest& r, const std::vector<const Strategy*>& strategies,
                              RunSettings&) const override {
    auto records = parse_size_list(r.get_or("--record", "4K"), "--record");
    auto patterns = pick_patterns(r.get_or("--pattern", "seq"));
    auto syncs = pick_syncs(r.get_or("--sync", "none"));
    std::vector<std::uint64_t> sizes;
    if (r.has("--size")) sizes = parse_size_list(r.get_or("--size", ""), "--size");
    for (auto size : sizes)
      for (auto rec : records)
        if (rec > size)
          throw UsageError("--record: " + format_size(rec) + " is larger than the log (--size " +
                           format_size(size) + ")");

    // Sync policy outermost, then size and record, patterns innermost: each
    // seq run sits next to its random twin, which the ratio table pairs up.
    std::vector<RunSpec> runs;
    for (const auto& sync : syncs)
      for (auto rec : records)
        for (auto size : sizes.empty() ? std::vector{default_log_size(rec, sync)} : sizes)
          for (const auto* s : strategies)
            for (auto pattern : patterns) {
              RunSpec spec;
              spec.strategy = s;
              auto& c = spec.conditions;
              c.sink = SinkKind::file;
              c.size = size;
              c.chunk = rec;
              c.append = {pattern, sync};
              runs.push_back(spec);
            }
    return runs;
  }

  std::string run_name(const RunSpec& spec) const override {
    const auto& c = spec.conditions;
    return std::string(spec.strategy->id()) + "/size:" + format_size(c.size) +
           "/record:" + format_size(c.chunk) +
           "/pattern:" + std::string(to_string(c.append.pattern)) + "/sync:" + c.append.sync.text();
  }

  // An append run has no source, cache state or receiver: its log is
  // written in the work folder.
  nlohmann::json describe(const RunSpec& spec, const RunSettings& settings) const override {
    const auto& c = spec.conditions;
    return {{"sink", to_string(c.sink)},
            {"egress_scatter_gather", c.egress_scatter_gather},
            {"parameters",
             {{"size", c.size},
              {"record", c.chunk},
              {"chunk", c.chunk},
              {"cache", "n/a"},
              {"pattern", to_string(c.append.pattern)},
              {"sync", c.append.sync.text()},
              {"repetitions", settings.repetitions},
              {"warmup", settings.warmup}}}};
  }

  std::span<const MetricDef> metrics() const override { return append_metrics(); }

  std::unique_ptr<PlanMeasure> begin(const PlanContext& plan) const override {
    return std::make_unique<AppendPlan>(plan);
  }

 private:
  // The preset's synced runs take seconds per repetition on real storage.
  std::array<Preset, 1> presets_ = {
      Preset{"append",
             "every append strategy, seq vs random, --sync none and every:1",
             {},
             {{"--pattern", "seq,random"}, {"--sync", "none,every:1"}},
             3,
             {}}};
};

ZC_REGISTER_WORKLOAD(AppendWorkload);

}  // namespace
}  // namespace zc
