// The broker workload: producer processes append stamped records to one
// partition log with each ingest strategy while consumer processes fetch it
// by offset, served by a transfer strategy. It runs in phases, each a run
// on a fresh log (broker_params.hpp): producers alone, with caught-up
// consumers, and with a lagging consumer added — the catch-up tax.
#include <algorithm>
#include <array>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/sinks/record_stream.hpp"
#include "harness/workloads/broker/broker_metrics.hpp"
#include "harness/workloads/broker/broker_params.hpp"
#include "harness/workloads/broker/broker_repetition.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {
namespace {

constexpr std::string_view kSinks = "tcp, unix";

constexpr std::array kOptions = {
    RunOption{
        &option::size, "64M", {}, "the log's; fewer records by default when syncing per record"},
    RunOption{&option::record, "16K"},
    RunOption{&option::sync, "none"},
    RunOption{&option::sink, "tcp", kSinks},
    RunOption{&option::qd, "8"},
    RunOption{&option::producers, "2"},
    RunOption{&option::consumers, "2"},
    RunOption{&option::consume, "read-write,sendfile"},
    RunOption{&option::lag, "none,caught-up,lagging"},
    RunOption{&option::lag_read, "buffered"},
    RunOption{&option::cache_limit, "", {}, "default: a quarter of the log"},
};

constexpr std::uint64_t kMaxRecord = 1ull << 30;  // the header's length field is 32 bits
// Under 8M the broker's own pages in flight (dirty pages not yet written
// back, pipes, socket buffers, a fetch per consumer) can fill a cgroup v1
// and its OOM killer ends zc-bench (seen at 1M and 2M on this project's
// VM; 8M held for every ingest and consume strategy of the preset).
constexpr std::uint64_t kMinCacheLimit = 8 << 20;

std::vector<SinkKind> pick_sinks(const RunRequest& r) {
  std::vector<SinkKind> out;
  for (const auto& name : r.words(option::sink)) {
    auto kind = parse_sink_kind(name);
    if (!kind || (*kind != SinkKind::tcp && *kind != SinkKind::unix_stream))
      throw UsageError("--sink: '" + name +
                       "' cannot carry the broker's producers and consumers (allowed: " +
                       std::string(kSinks) + ")");
    out.push_back(*kind);
  }
  return out;
}

std::vector<std::string> pick_consumers(const RunRequest& r) {
  std::vector<std::string> out, known;
  for (const auto* s : Registry::instance().all(kTransferWorkload))
    if (s->accepts_sink(SinkKind::tcp)) known.emplace_back(s->id());
  for (const auto& id : r.words(option::consume)) {
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw UsageError("--consume: '" + id +
                       "' is not a transfer strategy that can feed a socket (allowed: " + list +
                       ")");
    }
    out.push_back(id);
  }
  return out;
}

// A words option's values by their names; `what` says what each names
// ("a phase"), for the error, which lists the family's values.
template <typename E>
std::vector<E> pick_named(const RunRequest& r, const OptionFamily& f, const Names<E>& names,
                          std::string_view what) {
  std::vector<E> out;
  for (const auto& w : r.words(f)) {
    auto e = parse_name(names, w);
    if (!e)
      throw UsageError(std::string(f.name) + ": '" + w + "' is not " + std::string(what) +
                       " (allowed: " + std::string(f.values) + ")");
    out.push_back(*e);
  }
  return out;
}

std::vector<LagRead> pick_lag_reads(const RunRequest& r, const std::vector<Lag>& lags) {
  auto out = pick_named(r, option::lag_read, kLagReadNames, "a read policy");
  if (r.has(option::lag_read) && std::find(lags.begin(), lags.end(), Lag::lagging) == lags.end())
    throw UsageError(
        "--lag-read: only the lagging phase has a lagging consumer (add lagging to --lag)");
  return out;
}

// The memory the broker may use: given, or a quarter of the log; below
// half the log, where the lagging consumer starts.
std::uint64_t pick_cache_limit(const RunRequest& r, std::uint64_t log) {
  if (r.has(option::cache_limit) && r.sizes(option::cache_limit).size() > 1)
    throw UsageError("--cache-limit: give one size");
  std::uint64_t limit =
      r.has(option::cache_limit) ? r.sizes(option::cache_limit).back() : log / 4 / 4096 * 4096;
  if (limit < kMinCacheLimit)
    throw UsageError(
        "--cache-limit: " + format_size(limit) + " leaves the broker no room to work (at least 8M" +
        (r.has(option::cache_limit)
             ? ")"
             : "; the default is a quarter of the log, --size " + format_size(log) + ")"));
  if (limit >= log / 2)
    throw UsageError("--cache-limit: " + format_size(limit) +
                     " is not below half the log (--size " + format_size(log) +
                     "): the lagging consumer starts there and must find the log larger than the "
                     "cache");
  return limit;
}

void check_records(const std::vector<std::uint64_t>& records,
                   const std::vector<std::uint64_t>& sizes) {
  for (auto rec : records) {
    if (rec > kMaxRecord) throw UsageError("--record: " + format_size(rec) + " is larger than 1G");
    if (rec < 2 * kRecordHeader)
      throw UsageError(
          "--record: the broker's records carry a 24-byte header (producer, "
          "length, send time); give at least 48 bytes");
    for (auto size : sizes)
      if (rec > size)
        throw UsageError("--record: " + format_size(rec) + " is larger than the log (--size " +
                         format_size(size) + ")");
  }
}

// The log's size for `np` producers: every producer sends whole records,
// the same number.
std::uint64_t whole_records(std::uint64_t asked, unsigned np, std::uint64_t rec) {
  auto per = asked / np / rec * rec;
  if (per == 0)
    throw UsageError("--size: " + format_size(asked) + " cannot give each of " +
                     std::to_string(np) + " producers a " + format_size(rec) + " record");
  return per * np;
}

// The phases asked for, and what each consumer phase runs with.
struct Phases {
  std::vector<Lag> lags;
  std::vector<std::string> consume;
  std::vector<LagRead> lag_reads;
};

Phases pick_phases(const RunRequest& r) {
  Phases out;
  out.consume = pick_consumers(r);
  out.lags = pick_named(r, option::lag, kLagNames, "a phase");
  out.lag_reads = pick_lag_reads(r, out.lags);
  return out;
}

// A run of `spec` per phase: producers alone; with `nc` caught-up
// consumers, served by each --consume; and with a lagging consumer added,
// for each --lag-read.
void add_phases(std::vector<RunSpec>& runs, const RunSpec& spec, BrokerParams p, unsigned nc,
                const Phases& phases) {
  auto add = [&](const BrokerParams& params) {
    runs.push_back(spec);
    runs.back().params = params;
  };
  for (auto lag : phases.lags) {
    p.lag = lag;
    p.consumers = lag == Lag::none ? 0 : nc;
    p.consume = "none";
    if (lag == Lag::none) {
      add(p);
      continue;
    }
    for (const auto& k : phases.consume) {
      p.consume = k;
      if (lag == Lag::caught_up) add(p);
      if (lag == Lag::lagging)
        for (auto lr : phases.lag_reads) {
          p.lag_read = lr;
          add(p);
        }
    }
  }
}

class BrokerPlan : public PlanMeasure {
 public:
  explicit BrokerPlan(const PlanContext& plan) : plan_(plan) {}
  std::unique_ptr<RunMeasure> run(const RunSpec& spec) override {
    return make_broker_run(spec, plan_);
  }

 private:
  const PlanContext& plan_;
};

const BrokerParams& params_of(const RunSpec& spec) {
  return std::any_cast<const BrokerParams&>(spec.params);
}

class BrokerWorkload : public Workload {
 public:
  std::string_view id() const override { return "broker"; }
  std::string_view summary() const override {
    return "producers append to one partition log with each ingest strategy while consumers "
           "fetch it, caught up and lagging";
  }
  std::string_view strategies_of() const override { return kIngestWorkload; }
  std::span<const RunOption> options() const override { return kOptions; }
  std::span<const Preset> presets() const override { return presets_; }

  std::vector<RunSpec> expand(const RunRequest& r, const std::vector<const Strategy*>& strategies,
                              RunSettings&) const override {
    const auto syncs = pick_syncs(r);
    const auto sinks = pick_sinks(r);
    const auto qds = r.counts(option::qd);
    const auto producers = r.counts(option::producers);
    const auto consumers = r.counts(option::consumers);
    const Phases phases = pick_phases(r);
    const auto records = r.sizes(option::record);
    auto sizes = r.sizes(option::size);
    const auto cap = sizes.front();
    if (!r.has(option::size)) sizes.clear();
    check_records(records, sizes);
    std::vector<RunSpec> runs;
    for (const auto& sync : syncs)
      for (auto rec : records)
        for (auto asked : sizes.empty() ? std::vector{default_log_size(cap, rec, sync)} : sizes)
          for (auto sink : sinks)
            for (auto qd : qds)
              for (const auto* s : strategies)
                for (auto np : producers) {
                  RunSpec spec;
                  spec.strategy = s;
                  spec.conditions.sink = sink;
                  spec.conditions.chunk = rec;
                  spec.conditions.queue_depth = qd;
                  spec.conditions.append = {AppendPattern::seq, sync};
                  spec.conditions.size = whole_records(asked, np, rec);
                  BrokerParams p;
                  p.producers = np;
                  p.cache_limit = pick_cache_limit(r, spec.conditions.size);
                  for (auto nc : consumers) add_phases(runs, spec, p, nc, phases);
                }
    return runs;
  }

  std::string run_name(const RunSpec& spec) const override {
    const auto& c = spec.conditions;
    const auto& p = params_of(spec);
    std::string n = std::string(spec.strategy->id()) + "/" + std::string(to_string(c.sink)) +
                    "/size:" + format_size(c.size) + "/record:" + format_size(c.chunk) +
                    "/sync:" + c.append.sync.text();
    if (c.queue_depth != Conditions{}.queue_depth) n += "/qd:" + std::to_string(c.queue_depth);
    n += "/producers:" + std::to_string(p.producers);
    if (p.lag != Lag::none)
      n += "/consumers:" + std::to_string(p.consumers) + "/consume:" + p.consume;
    n += "/lag:" + std::string(to_string(p.lag));
    if (p.has_lagging()) n += "/lag-read:" + std::string(to_string(p.lag_read));
    return n + "/cache-limit:" + format_size(p.cache_limit);
  }

  nlohmann::json describe(const RunSpec& spec, const RunSettings& settings) const override {
    const auto& c = spec.conditions;
    const auto& p = params_of(spec);
    const std::string lag_read(p.has_lagging() ? to_string(p.lag_read) : "n/a");
    nlohmann::json parameters = {{"size", c.size},
                                 {"record", c.chunk},
                                 {"chunk", c.chunk},
                                 {"cache", "n/a"},
                                 {"sync", c.append.sync.text()},
                                 {"queue_depth", c.queue_depth},
                                 {"streams", 1},
                                 {"lag", to_string(p.lag)},
                                 {"lag_read", lag_read},
                                 {"cache_limit", p.cache_limit},
                                 {"repetitions", settings.repetitions},
                                 {"warmup", settings.warmup},
                                 {"tuning", settings.tuning.to_json()}};
    parameters["broker"] = {{"producers", p.producers}, {"consumers", p.consumers},
                            {"consume", p.consume},     {"lag", to_string(p.lag)},
                            {"lag_read", lag_read},     {"cache_limit", p.cache_limit}};
    return {{"sink", to_string(c.sink)},
            {"egress_scatter_gather", c.egress_scatter_gather},
            {"parameters", parameters}};
  }

  std::span<const MetricDef> metrics() const override { return broker_metrics(); }

  std::unique_ptr<PlanMeasure> begin(const PlanContext& plan) const override {
    return std::make_unique<BrokerPlan>(plan);
  }

 private:
  std::array<Preset, 1> presets_ = {
      Preset{"broker",
             "the catch-up tax: producers append to one partition log with each ingest strategy, "
             "alone, with caught-up consumers served by read-write or sendfile, and with a "
             "lagging consumer added",
             {},
             {},
             6,  // the fewest whose interval reaches 95%: the ranking can decide
             {}}};
};

ZC_REGISTER_WORKLOAD(BrokerWorkload);

}  // namespace
}  // namespace zc
