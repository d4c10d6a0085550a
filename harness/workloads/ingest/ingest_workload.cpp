// The ingest workload: a producer process sends records over a socket and
// each strategy receives them and writes them into a log — the producer ->
// broker half of the story (the broker workload runs producers and
// consumers on one partition log at once).
#include <algorithm>
#include <array>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/sinks/record_stream.hpp"
#include "harness/sinks/remote_protocol.hpp"
#include "harness/workloads/ingest/ingest_metrics.hpp"
#include "harness/workloads/ingest/ingest_repetition.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {
namespace {

// The sinks that can carry a producer's stream.
constexpr std::string_view kSinks = "tcp, unix, veth, remote:HOST:PORT";

constexpr std::array kOptions = {
    RunOption{
        &option::size, "64M", {}, "the log's; fewer records by default when syncing per record"},
    RunOption{&option::record, "4K"},
    RunOption{&option::sync, "none"},
    RunOption{&option::sink,
              "tcp",
              kSinks,
              {},
              "cannot carry a producer's stream to the ingest strategies"},
    RunOption{&option::qd, "8"},
    RunOption{&option::streams, "1"},
};

constexpr std::uint64_t kMaxRecord = 1ull << 30;  // the header's length field is 32 bits

class IngestWorkload : public Workload {
 public:
  std::string_view id() const override { return kIngestWorkload; }
  std::string_view summary() const override {
    return "a producer's records received from a socket and written into a log by each strategy";
  }
  std::span<const RunOption> options() const override { return kOptions; }

  std::vector<RunSpec> expand(const RunRequest& r, const std::vector<const Strategy*>& strategies,
                              RunSettings&) const override {
    const auto& o = r.typed;
    const auto& records = o.records;
    const auto& syncs = o.syncs;
    const auto& qds = o.qds;
    const auto& sinks = o.sinks;
    const auto& streams = o.streams;
    // Not given: the default is a cap, per record size and policy.
    const auto cap = o.sizes.front();
    auto sizes = o.size_given ? o.sizes : std::vector<std::uint64_t>{};
    for (auto rec : records) {
      if (rec > kMaxRecord)
        throw UsageError("--record: " + format_size(rec) + " is larger than 1G");
      for (auto size : sizes)
        if (rec > size)
          throw UsageError("--record: " + format_size(rec) + " is larger than the log (--size " +
                           format_size(size) + ")");
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
                  runs.push_back(spec);
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
    return {{"sink", to_string(c.sink)},
            {"egress_scatter_gather", c.egress_scatter_gather},
            {"parameters", parameters}};
  }

  std::span<const MetricDef> metrics() const override { return ingest_metrics(); }

  std::unique_ptr<PlanMeasure> begin(const PlanContext& plan) const override {
    return std::make_unique<PerRunPlan<IngestRun>>(plan);
  }
};

ZC_REGISTER_WORKLOAD(IngestWorkload);

}  // namespace
}  // namespace zc
