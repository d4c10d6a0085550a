// The append workload: records written to a log file, sequentially or at
// random slots, with a sync policy — the disk half of the story.
#include <algorithm>
#include <array>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/core/append.hpp"
#include "harness/measure/append_check.hpp"
#include "harness/workloads/append/append_measure.hpp"
#include "harness/workloads/append/append_metrics.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {
namespace {

constexpr std::array kOptions = {
    RunOption{
        &option::size, "64M", {}, "the log's; fewer records by default when syncing per record"},
    RunOption{&option::record, "4K"},
    RunOption{&option::pattern, "seq"},
    RunOption{&option::sync, "none"},
};

class AppendRun : public RunMeasure {
 public:
  AppendRun(const RunSpec& spec, const PlanContext& plan) : spec_(spec), plan_(plan) {}
  nlohmann::json repetition(Values& values, Unavailable& unavailable,
                            bool kernel_counters) override {
    return measure_append_once(static_cast<const AppendStrategy&>(*spec_.strategy),
                               spec_.conditions, plan_.work_dir, plan_.settings.seed, values,
                               unavailable, kernel_counters);
  }
  void finish(nlohmann::json& record, const nlohmann::json& checked,
              std::vector<std::string>& warnings) override {
    finish_append_record(record, checked, warnings);
  }

 private:
  RunSpec spec_;
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
    const auto& o = r.typed;
    // Not given: the default is a cap, per record size and policy.
    const auto cap = o.sizes.front();
    auto sizes = o.size_given ? o.sizes : std::vector<std::uint64_t>{};
    for (auto size : sizes)
      for (auto rec : o.records)
        if (rec > size)
          throw UsageError("--record: " + format_size(rec) + " is larger than the log (--size " +
                           format_size(size) + ")");

    // Sync policy outermost, then size and record, patterns innermost: each
    // seq run sits next to its random twin, which the ratio table pairs up.
    std::vector<RunSpec> runs;
    for (const auto& sync : o.syncs)
      for (auto rec : o.records)
        for (auto size : sizes.empty() ? std::vector{default_log_size(cap, rec, sync)} : sizes)
          for (const auto* s : strategies)
            for (auto pattern : o.patterns) {
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
    return std::make_unique<PerRunPlan<AppendRun>>(plan);
  }

 private:
  // The preset's synced runs take seconds per repetition on real storage.
  std::array<Preset, 1> presets_ = {
      Preset{"append",
             "every append strategy, seq vs random, --sync none and every:1",
             {},
             {{"--pattern", "seq,random"}, {"--sync", "none,every:1"}},
             6,  // the fewest whose interval reaches 95%: the ranking can decide
             {}}};
};

ZC_REGISTER_WORKLOAD(AppendWorkload);

}  // namespace
}  // namespace zc
