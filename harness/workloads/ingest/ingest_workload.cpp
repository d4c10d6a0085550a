// The ingest workload: a producer process sends records over a socket and
// each strategy receives them and writes them into a log — the producer ->
// broker half of the story. Its broker preset runs producers and consumers
// on one partition log at once (broker_repetition.hpp).
#include <algorithm>
#include <array>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/sinks/remote_protocol.hpp"
#include "harness/workloads/ingest/broker_repetition.hpp"
#include "harness/workloads/ingest/ingest_metrics.hpp"
#include "harness/workloads/ingest/ingest_repetition.hpp"
#include "harness/workloads/ingest/record_stream.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {
namespace {

// The sinks that can carry a producer's stream, and the broker's.
constexpr std::string_view kSinks = "tcp, unix, veth, remote:HOST:PORT";
constexpr std::string_view kBrokerSinks = "tcp, unix";

constexpr std::array kOptions = {
    RunOption{
        &option::size, "64M", {}, "the log's; fewer records by default when syncing per record"},
    RunOption{&option::record, "4K"},
    RunOption{&option::sync, "none"},
    RunOption{&option::sink, "tcp", kSinks, "the broker's: tcp, unix",
              "cannot carry a producer's stream to the ingest strategies"},
    RunOption{&option::qd, "8"},
    RunOption{&option::streams, "1"},
    RunOption{&option::producers, "2"},
    RunOption{&option::consumers, "2"},
    RunOption{&option::consume, "read-write,sendfile"},
    RunOption{&option::lag, "caught-up,lagging"},
};

constexpr std::uint64_t kMaxRecord = 1ull << 30;  // the header's length field is 32 bits

std::vector<SinkChoice> pick_sinks(const RunRequest& r, bool broker) {
  std::vector<SinkChoice> out;
  const std::string allowed(broker ? kBrokerSinks : kSinks);
  for (const auto& name : r.words(option::sink)) {
    if (!broker && name.rfind("remote:", 0) == 0) {
      out.push_back({SinkKind::remote, parse_remote_address(name.substr(7), "--sink")});
      continue;
    }
    auto kind = parse_sink_kind(name);
    bool ok = kind && (*kind == SinkKind::tcp || *kind == SinkKind::unix_stream ||
                       (!broker && *kind == SinkKind::veth));
    if (!ok)
      throw UsageError("--sink: '" + name + "' cannot carry " +
                       (broker ? "the broker's producers and consumers"
                               : "a producer's stream to the ingest strategies") +
                       " (allowed: " + allowed + ")");
    out.push_back({*kind, {}});
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

std::vector<std::string> pick_lags(const RunRequest& r) {
  auto out = r.words(option::lag);
  for (const auto& l : out)
    if (l != "caught-up" && l != "lagging")
      throw UsageError("--lag: '" + l +
                       "' is not a consumer position (allowed: caught-up, lagging)");
  return out;
}

bool is_broker_request(const RunRequest& r) {
  return r.has(option::producers) || r.has(option::consumers) || r.has(option::consume) ||
         r.has(option::lag);
}

// A broker run's own parameters, in RunSpec::extra["broker"].
struct BrokerChoice {
  unsigned producers, consumers;
  std::string consume, lag;
};

class IngestPlan : public PlanMeasure {
 public:
  explicit IngestPlan(const PlanContext& plan) : plan_(plan) {}
  std::unique_ptr<RunMeasure> run(const RunSpec& spec) override {
    if (spec.extra.contains("broker")) return make_broker_run(spec, plan_);
    return std::make_unique<IngestRun>(spec, plan_);
  }

 private:
  const PlanContext& plan_;
};

class IngestWorkload : public Workload {
 public:
  std::string_view id() const override { return kIngestWorkload; }
  std::string_view summary() const override {
    return "a producer's records received from a socket and written into a log by each strategy";
  }
  std::span<const RunOption> options() const override { return kOptions; }
  std::span<const Preset> presets() const override { return presets_; }

  std::vector<RunSpec> expand(const RunRequest& r, const std::vector<const Strategy*>& strategies,
                              RunSettings&) const override {
    const bool broker = is_broker_request(r);
    const auto& o = r.typed;
    const auto& records = o.records;
    const auto& syncs = o.syncs;
    const auto& qds = o.qds;
    auto sinks = broker ? pick_sinks(r, broker) : o.sinks;
    auto streams = o.streams;
    // Not given: the default is a cap, per record size and policy.
    const auto cap = o.sizes.front();
    auto sizes = o.size_given ? o.sizes : std::vector<std::uint64_t>{};
    for (auto rec : records) {
      if (rec > kMaxRecord)
        throw UsageError("--record: " + format_size(rec) + " is larger than 1G");
      if (broker && rec < 2 * kRecordHeader)
        throw UsageError(
            "--record: the broker's records carry a 24-byte header (producer, "
            "length, send time); give at least 48 bytes");
      for (auto size : sizes)
        if (rec > size)
          throw UsageError("--record: " + format_size(rec) + " is larger than the log (--size " +
                           format_size(size) + ")");
    }
    std::vector<BrokerChoice> roles;
    if (broker) {
      if (r.has(option::streams))
        throw UsageError(
            "--streams: a broker run sets its own concurrency (--producers, --consumers)");
      auto producers = r.counts(option::producers);
      auto consumers = r.counts(option::consumers);
      auto consume = pick_consumers(r);
      auto lags = pick_lags(r);
      for (auto p : producers)
        for (auto c : consumers)
          for (const auto& s : consume)
            for (const auto& l : lags) roles.push_back({p, c, s, l});
      streams = {1};
    }

    std::vector<RunSpec> runs;
    for (const auto& sync : syncs)
      for (auto rec : records)
        for (auto asked : sizes.empty() ? std::vector{default_log_size(cap, rec, sync)} : sizes)
          for (const auto& sink : sinks)
            for (auto n : streams)
              for (auto qd : qds)
                for (const auto* s : strategies) {
                  RunSpec spec;
                  spec.strategy = s;
                  spec.streams = n;
                  auto& c = spec.conditions;
                  c.sink = sink.kind;
                  c.remote = sink.remote;
                  c.size = asked;
                  c.chunk = rec;
                  c.queue_depth = qd;
                  c.append = {AppendPattern::seq, sync};
                  if (!broker) {
                    runs.push_back(spec);
                    continue;
                  }
                  for (const auto& role : roles) {
                    // Every producer sends whole records, the same number.
                    auto per = asked / role.producers / rec * rec;
                    if (per == 0)
                      throw UsageError("--size: " + format_size(asked) + " cannot give each of " +
                                       std::to_string(role.producers) + " producers a " +
                                       format_size(rec) + " record");
                    c.size = per * role.producers;
                    spec.extra["broker"] = {{"producers", role.producers},
                                            {"consumers", role.consumers},
                                            {"consume", role.consume},
                                            {"lag", role.lag}};
                    runs.push_back(spec);
                  }
                }
    return runs;
  }

  std::string run_name(const RunSpec& spec) const override {
    const auto& c = spec.conditions;
    std::string n = std::string(spec.strategy->id()) + "/" + std::string(to_string(c.sink)) +
                    "/size:" + format_size(c.size) + "/record:" + format_size(c.chunk) +
                    "/sync:" + c.append.sync.text();
    // Only when not the default, so that names stay stable for compare.
    if (c.queue_depth != Conditions{}.queue_depth) n += "/qd:" + std::to_string(c.queue_depth);
    if (spec.streams > 1) n += "/streams:" + std::to_string(spec.streams);
    if (!c.remote.empty()) n += "/remote:" + c.remote;
    if (spec.extra.contains("broker")) {
      const auto& b = spec.extra["broker"];
      n += "/producers:" + std::to_string(b["producers"].get<unsigned>()) +
           "/consumers:" + std::to_string(b["consumers"].get<unsigned>()) +
           "/consume:" + b["consume"].get<std::string>() + "/lag:" + b["lag"].get<std::string>();
    }
    return n;
  }

  nlohmann::json describe(const RunSpec& spec, const RunSettings& settings) const override {
    const auto& c = spec.conditions;
    nlohmann::json parameters = {{"size", c.size},
                                 {"record", c.chunk},
                                 {"chunk", c.chunk},
                                 {"cache", "n/a"},
                                 {"sync", c.append.sync.text()},
                                 {"queue_depth", c.queue_depth},
                                 {"streams", spec.streams},
                                 {"repetitions", settings.repetitions},
                                 {"warmup", settings.warmup},
                                 {"tuning", settings.tuning.to_json()}};
    if (!c.remote.empty()) parameters["remote"] = c.remote;
    if (spec.extra.contains("broker")) parameters["broker"] = spec.extra["broker"];
    nlohmann::json record = {{"sink", to_string(c.sink)},
                             {"egress_scatter_gather", c.egress_scatter_gather},
                             {"parameters", parameters}};
    // Producers and consumers on one log are a workload of their own to
    // readers of the results (a step before the broker is one in the code).
    if (spec.extra.contains("broker")) record["workload"] = "broker";
    return record;
  }

  std::span<const MetricDef> metrics() const override { return ingest_metrics(); }

  std::unique_ptr<PlanMeasure> begin(const PlanContext& plan) const override {
    return std::make_unique<IngestPlan>(plan);
  }

 private:
  std::array<Preset, 1> presets_ = {
      Preset{"broker",
             "producers append to one partition log with each ingest strategy while consumers "
             "fetch it with read-write or sendfile, caught up and lagging",
             {"--streams"},
             {{"--producers", "2"},
              {"--consumers", "2"},
              {"--consume", "read-write,sendfile"},
              {"--lag", "caught-up,lagging"},
              {"--record", "16K"}},
             6,  // the fewest whose interval reaches 95%: the ranking can decide
             {}}};
};

ZC_REGISTER_WORKLOAD(IngestWorkload);

}  // namespace
}  // namespace zc
