// The transfer workload: a source file moved to a sink by each strategy —
// the consume side of the story (file -> socket).
#include <algorithm>
#include <array>
#include <map>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/tls.hpp"
#include "harness/sinks/zerocopy_receive.hpp"
#include "harness/workloads/transfer/kafka_preset.hpp"
#include "harness/workloads/transfer/receive_preset.hpp"
#include "harness/workloads/transfer/source.hpp"
#include "harness/workloads/transfer/transfer_metrics.hpp"
#include "harness/workloads/transfer/transfer_repetition.hpp"
#include "harness/workloads/workload.hpp"

namespace zc {
namespace {

constexpr std::array kOptions = {
    RunOption{&option::size, "256M", {}, "the source file's"},
    RunOption{&option::chunk, "1M"},
    RunOption{&option::sink, "tcp"},
    RunOption{&option::nic, ""},
    RunOption{&option::cache, "hot"},
    RunOption{&option::receiver, "recv"},
    RunOption{&option::tls_cipher, kDefaultTlsCipher},
    RunOption{&option::qd, "8"},
    RunOption{&option::file, ""},
    RunOption{&option::streams, "1"},
};

// One sink a run writes to: a --sink value, and for veth the --nic setting
// of its device.
struct SinkRun {
  SinkKind kind;
  std::string remote;   // HOST:PORT for the remote sink
  NicRequest nic = {};  // veth: the device's offloads
};

// Each --nic setting makes its own veth sink: `--nic sg=on --nic sg=off`
// compares the two. Other sinks in the list have no device to set and run
// once, as given (`--sink tcp,veth --nic sg=on --nic sg=off`: three sinks);
// --nic without any veth sink is a usage error.
std::vector<SinkRun> with_nics(const std::vector<SinkChoice>& sinks,
                               const std::vector<NicRequest>& nics) {
  std::vector<SinkRun> out;
  const bool veth = std::any_of(sinks.begin(), sinks.end(),
                                [](const SinkChoice& s) { return s.kind == SinkKind::veth; });
  if (!nics.empty() && !veth)
    throw UsageError("--nic: sets the veth sink's device; it cannot apply to the " +
                     std::string(to_string(sinks.front().kind)) + " sink (use --sink veth)");
  for (const auto& s : sinks) {
    if (s.kind != SinkKind::veth || nics.empty()) {
      out.push_back({s.kind, s.remote});
      continue;
    }
    for (const auto& nic : nics) out.push_back({s.kind, s.remote, nic});
  }
  return out;
}

// --file fixes the size; otherwise --size lists them.
std::vector<std::uint64_t> pick_sizes(const RunOptions& o, RunSettings& settings) {
  if (o.file.empty()) return o.sizes;
  if (o.size_given)
    throw UsageError("--size: the size is the file's when --file is given; drop one of them");
  auto size = check_source_file(o.file);
  settings.file = o.file;
  return {size};
}

void check_pairs(const std::vector<const Strategy*>& strategies,
                 const std::vector<SinkRun>& sinks) {
  // A single strategy-sink pair named explicitly is a usage error; in a
  // product of lists it is an unsupported row, with the reason.
  if (strategies.size() != 1 || sinks.size() != 1) return;
  if (!strategies[0]->accepts_sink(sinks[0].kind))
    throw UsageError("--sink: strategy '" + std::string(strategies[0]->id()) +
                     "' cannot write to the " + std::string(to_string(sinks[0].kind)) + " sink");
}

// The combinations of options no run can take, each a usage error naming
// the option.
void check_combinations(const RunOptions& o, const std::vector<std::uint64_t>& sizes,
                        const std::vector<SinkRun>& sinks) {
  for (auto n : o.streams)
    if (n > 1)
      for (const auto& sink : sinks)
        if (!has_receiver_process(sink.kind))
          throw UsageError("--streams: the " + std::string(to_string(sink.kind)) +
                           " sink has no receiver per stream (allowed with tcp, unix, pipe, "
                           "veth, remote)");
  for (auto size : sizes)
    for (auto chunk : o.chunks)
      if (chunk > size)
        throw UsageError("--chunk: " + format_size(chunk) + " is larger than the file (" +
                         format_size(size) + ")");
  for (const auto& sink : sinks)
    if (auto why = receiver_mode_refuses(o.receiver, sink.kind))
      throw UsageError("--receiver: " + *why);
}

// One run of the product.
RunSpec transfer_run(const Strategy* s, const RunOptions& o, const SinkRun& sink, CacheState cache,
                     std::uint64_t size, std::uint64_t chunk, unsigned qd, unsigned streams) {
  RunSpec spec;
  spec.strategy = s;
  spec.streams = streams;
  auto& c = spec.conditions;
  c.sink = sink.kind;
  c.remote = sink.remote;
  c.nic = sink.nic;
  // Loopback and veth gather pages unless told otherwise.
  c.egress_scatter_gather = sink.nic.sg.value_or(true);
  c.cache = cache;
  c.receiver = o.receiver;
  c.size = size;
  c.chunk = chunk;
  c.queue_depth = qd;
  c.tls_cipher = o.tls_cipher;
  return spec;
}

class TransferPlan : public PlanMeasure {
 public:
  explicit TransferPlan(const PlanContext& plan) : plan_(plan) {}
  std::unique_ptr<RunMeasure> run(const RunSpec& spec) override {
    return std::make_unique<TransferRun>(
        spec, plan_, [this](std::uint64_t size, unsigned stream) -> const SourceFile& {
          return source(size, stream);
        });
  }

  // From the second round on, the generated sources leave the page cache
  // (hot runs read them back before their repetition): which pages, and
  // which folio sizes, hold a file is otherwise drawn once per invocation,
  // and sendfile and splice hand those very pages to the socket. A file
  // given with --file is the user's: left alone.
  void new_round(unsigned round) override {
    if (round < 2) return;  // the first round reads them back as generated
    for (const auto& [key, src] : sources_) drop_cached_pages(src);
  }

 private:
  // Sources are generated when a run first needs one (a full file system
  // fails that run, not the whole comparison) and shared by every run of
  // that size; with --streams each stream has a file of its own (with
  // --file, every stream sends that file).
  const SourceFile& source(std::uint64_t size, unsigned stream) {
    if (plan_.settings.file) {
      if (!given_) given_ = existing_source(*plan_.settings.file);
      return *given_;
    }
    auto key = std::pair(size, stream);
    auto it = sources_.find(key);
    if (it == sources_.end()) {
      auto dir = plan_.work_dir;
      if (stream > 0) {
        dir /= "stream-" + std::to_string(stream);
        std::filesystem::create_directories(dir);
      }
      it = sources_.emplace(key, generate_source(dir, size, plan_.settings.seed + stream)).first;
      // Every repetition reads pages read back from the file, as the later
      // rounds' do (new_round), never the pages left by writing it: those
      // made the first round's repetitions a state of their own.
      drop_cached_pages(it->second);
    }
    return it->second;
  }

  const PlanContext& plan_;
  std::optional<SourceFile> given_;
  std::map<std::pair<std::uint64_t, unsigned>, SourceFile> sources_;
};

class TransferWorkload : public Workload {
 public:
  std::string_view id() const override { return kTransferWorkload; }
  std::string_view summary() const override {
    return "a source file moved to a sink by each strategy (file -> socket, pipe, file)";
  }
  std::span<const RunOption> options() const override { return kOptions; }
  std::span<const Preset> presets() const override { return presets_; }

  std::vector<RunSpec> expand(const RunRequest& r, const std::vector<const Strategy*>& strategies,
                              RunSettings& settings) const override {
    const auto& o = r.typed;
    auto sizes = pick_sizes(o, settings);
    auto sinks = with_nics(o.sinks, o.nics);
    check_combinations(o, sizes, sinks);
    check_pairs(strategies, sinks);

    // Sizes outermost, cache state next, so that every strategy of a group
    // meets the same page-cache conditions.
    std::vector<RunSpec> runs;
    for (auto size : sizes)
      for (auto cache : o.caches)
        for (const auto& sink : sinks)
          for (auto chunk : o.chunks)
            for (auto qd : o.qds)
              for (auto n : o.streams)
                for (const auto* s : strategies)
                  runs.push_back(transfer_run(s, o, sink, cache, size, chunk, qd, n));
    return runs;
  }

  std::string run_name(const RunSpec& spec) const override {
    const auto& c = spec.conditions;
    std::string n = std::string(spec.strategy->id()) + "/" + std::string(to_string(c.sink)) +
                    "/size:" + format_size(c.size) + "/chunk:" + format_size(c.chunk) +
                    "/cache:" + std::string(to_string(c.cache));
    if (c.receiver != ReceiverMode::recv) n += "/receiver:" + std::string(to_string(c.receiver));
    // Only when not the default, so names stay stable for compare; a --qd
    // list would otherwise give runs the same name.
    if (c.queue_depth != Conditions{}.queue_depth) n += "/qd:" + std::to_string(c.queue_depth);
    if (spec.streams > 1) n += "/streams:" + std::to_string(spec.streams);
    if (!c.nic.empty()) n += "/nic:" + c.nic.to_string();
    if (!c.remote.empty()) n += "/remote:" + c.remote;
    if (spec.strategy->uses_tls() && c.tls_cipher != kDefaultTlsCipher) n += "/tls:" + c.tls_cipher;
    return n;
  }

  nlohmann::json describe(const RunSpec& spec, const RunSettings& settings) const override {
    const auto& c = spec.conditions;
    nlohmann::json parameters = {
        {"size", c.size},
        {"chunk", c.chunk},
        {"cache", to_string(c.cache)},
        {"queue_depth", c.queue_depth},
        {"streams", spec.streams},
        {"repetitions", settings.repetitions},
        {"warmup", settings.warmup},
        {"tuning", stream_tuning(settings.tuning, spec.streams).to_json()}};
    if (!c.nic.empty()) parameters["nic"] = c.nic.to_string();
    if (!c.remote.empty()) parameters["remote"] = c.remote;
    if (spec.strategy->uses_tls()) {
      parameters["tls_cipher"] = c.tls_cipher;
      parameters["tls_suite"] = tls13_suite(c.tls_cipher).value_or("");
      parameters["tls_version"] = "TLS 1.3";
    }
    return {{"sink", to_string(c.sink)},
            {"receiver", to_string(c.receiver)},
            {"parameters", parameters},
            {"egress_scatter_gather", c.egress_scatter_gather}};
  }

  std::span<const MetricDef> metrics() const override { return transfer_metrics(); }

  std::unique_ptr<PlanMeasure> begin(const PlanContext& plan) const override {
    return std::make_unique<TransferPlan>(plan);
  }

 private:
  std::array<Preset, 2> presets_ = {
      Preset{"kafka",
             "the articles' table: read-write, mmap-write, sendfile with NIC scatter-gather off "
             "and on, over veth",
             {"--strategy", option::sink.name, option::nic.name, option::receiver.name,
              option::file.name},
             {},
             6,  // the fewest whose interval reaches 95%: the ranking can decide
             apply_kafka_preset},
      Preset{"receive",
             "the battle of the ZCs: one stream received by recv, zerocopy-receive (from each "
             "sender it can map) and io_uring zcrx (where the NIC allows), receiver CPU per byte "
             "side by side",
             {"--strategy", option::receiver.name, option::streams.name},
             {{option::size.name, "64M"}},
             6,
             apply_receive_preset,
             kReceivePresetPollUs}};
};

ZC_REGISTER_WORKLOAD(TransferWorkload);

}  // namespace
}  // namespace zc
