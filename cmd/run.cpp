// `zc-bench run`: turns options into a plan (the product of every list
// given) and hands it to the harness.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cmd/commands.hpp"
#include "cmd/run_append.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/core/registry.hpp"
#include "harness/report/kafka_table.hpp"
#include "harness/report/output.hpp"
#include "harness/report/table.hpp"
#include "harness/run/presets.hpp"
#include "harness/run/progress.hpp"
#include "harness/run/runner.hpp"
#include "harness/sinks/remote_protocol.hpp"
#include "harness/sinks/zerocopy_receive.hpp"

namespace zc::cmd {
namespace fs = std::filesystem;

namespace {

struct RunArgs {
  std::string strategies = "all";
  std::string sizes = "256M";
  std::string chunks = "1M";
  std::string sinks = "tcp";
  std::string caches = "hot";
  std::string receiver = "recv";
  std::string receiver_buffer = "1M";  // measured default: see Tuning
  std::string qds = "8";
  std::string pin;
  std::string sndbuf, rcvbuf;
  unsigned reps = 5;
  unsigned warmup = 1;
  std::string file;
  std::string tmpdir;
  std::string output;
  std::vector<std::string> nics;  // --nic, once per device setting to compare
  std::string token;
  std::string format = "json";
  double timeout = 0;
  bool quiet = false;
  AppendArgs append;
};

std::vector<const TransferStrategy*> pick_strategies(const std::string& text, bool& explicit_list) {
  std::vector<const TransferStrategy*> out;
  explicit_list = text != "all";
  if (!explicit_list) {
    for (const auto* s : Registry::instance().all(Workload::transfer))
      out.push_back(static_cast<const TransferStrategy*>(s));
    return out;
  }
  for (const auto& id : split(text, ',')) {
    const auto* s = Registry::instance().find(id);
    if (!s || s->workload() != Workload::transfer) {
      std::string known;
      for (const auto* k : Registry::instance().all(Workload::transfer))
        known += (known.empty() ? "" : ", ") + std::string(k->id());
      throw UsageError("--strategy: unknown strategy '" + id + "' (allowed: all, " + known + ")");
    }
    out.push_back(static_cast<const TransferStrategy*>(s));
  }
  return out;
}

struct SinkChoice {
  SinkKind kind;
  std::string remote;   // HOST:PORT for the remote sink
  NicRequest nic = {};  // veth: the device's offloads
};

std::vector<SinkChoice> pick_sinks(const std::string& text) {
  std::vector<SinkChoice> out;
  for (const auto& name : split(text, ',')) {
    if (name.rfind("remote:", 0) == 0) {
      out.push_back({SinkKind::remote, parse_remote_address(name.substr(7), "--sink")});
      continue;
    }
    auto kind = parse_sink_kind(name);
    if (!kind || kind == SinkKind::remote)
      throw UsageError("--sink: " +
                       (kind ? std::string("remote needs an address: remote:HOST:PORT")
                             : "unknown sink '" + name + "'") +
                       " (allowed: tcp, unix, pipe, null, file, veth, remote:HOST:PORT)");
    out.push_back({*kind, {}});
  }
  return out;
}

// Each --nic setting makes its own veth sink: `--nic sg=on --nic sg=off`
// compares the two.
std::vector<SinkChoice> with_nics(const std::vector<SinkChoice>& sinks,
                                  const std::vector<std::string>& texts) {
  if (texts.empty()) return sinks;
  for (const auto& s : sinks)
    if (s.kind != SinkKind::veth)
      throw UsageError("--nic: sets the veth sink's device; it cannot apply to the " +
                       std::string(to_string(s.kind)) + " sink (use --sink veth)");
  std::vector<SinkChoice> out;
  for (const auto& s : sinks)
    for (const auto& t : texts) out.push_back({s.kind, s.remote, parse_nic_request(t)});
  return out;
}

std::vector<CacheState> pick_caches(const std::string& text) {
  std::vector<CacheState> out;
  for (const auto& name : split(text, ',')) {
    if (name == "hot")
      out.push_back(CacheState::hot);
    else if (name == "cold")
      out.push_back(CacheState::cold);
    else
      throw UsageError("--cache: '" + name + "' is not a cache state (allowed: hot, cold)");
  }
  return out;
}

// --preset kafka picks the strategies, sinks and devices itself; an option
// that would pick them too is a contradiction, not something to merge.
void check_kafka_preset(const CLI::App& app) {
  for (auto* opt : {"--strategy", "--sink", "--nic", "--receiver", "--workload", "--file"})
    if (app.get_option(opt)->count())
      throw UsageError(
          std::string("--preset kafka chooses its strategies and sinks itself (read-write, "
                      "mmap-write, sendfile sg=off, sendfile sg=on over veth); drop ") +
          opt);
}

Plan make_plan(const RunArgs& a, const CLI::App& app,
               const std::vector<std::string>& command_line) {
  const auto& preset = a.append.preset;
  if (!preset.empty() && preset != "append" && preset != "kafka")
    throw UsageError("--preset: '" + preset + "' is not a preset (allowed: append, kafka)");
  if (preset == "kafka") check_kafka_preset(app);
  Plan plan;
  plan.command_line = command_line;
  plan.repetitions = a.reps;
  plan.warmup = a.warmup;
  plan.timeout_s = a.timeout;
  plan.quiet = a.quiet;
  plan.tuning.receiver_buffer = parse_size(a.receiver_buffer, "--receiver-buffer");
  if (!a.pin.empty()) parse_pin(a.pin, plan.tuning);
  if (!a.sndbuf.empty()) plan.tuning.sndbuf = int(parse_size(a.sndbuf, "--sndbuf"));
  if (!a.rcvbuf.empty()) plan.tuning.rcvbuf = int(parse_size(a.rcvbuf, "--rcvbuf"));
  plan.temp_parent = a.tmpdir.empty() ? fs::temp_directory_path() : fs::path(a.tmpdir);
  if (!fs::is_directory(plan.temp_parent))
    throw UsageError("--tmpdir: '" + plan.temp_parent.string() + "' is not a folder");
  if (is_append_run(app, a.append, a.strategies)) {
    add_append_runs(plan, app, a.append, a.strategies,
                    app.get_option("--size")->count() ? a.sizes : "");
    // The preset's synced runs take seconds per repetition on real storage.
    if (!a.append.preset.empty() && app.get_option("--reps")->count() == 0) plan.repetitions = 3;
    return plan;
  }

  std::vector<std::uint64_t> sizes;
  if (!a.file.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(a.file, ec))
      throw UsageError("--file: '" + a.file + "' does not exist or is not a regular file");
    auto size = fs::file_size(a.file, ec);
    if (ec || size == 0) throw UsageError("--file: '" + a.file + "' is empty");
    plan.file = a.file;
    sizes = {size};
  } else {
    sizes = parse_size_list(a.sizes, "--size");
  }
  auto chunks = parse_size_list(a.chunks, "--chunk");
  auto qds = parse_size_list(a.qds, "--qd");
  auto receiver = parse_receiver_mode(a.receiver);
  if (!receiver)
    throw UsageError("--receiver: '" + a.receiver +
                     "' is not a receiver mode (allowed: recv, zerocopy-receive, truncate)");
  bool explicit_list = false;
  auto strategies = pick_strategies(a.strategies, explicit_list);
  auto sinks = with_nics(pick_sinks(a.sinks), a.nics);
  auto caches = pick_caches(a.caches);
  plan.token = a.token;

  for (auto size : sizes)
    for (auto chunk : chunks)
      if (chunk > size)
        throw UsageError("--chunk: " + format_size(chunk) + " is larger than the file (" +
                         format_size(size) + ")");
  for (auto sink : sinks)
    if (auto why = receiver_mode_refuses(*receiver, sink.kind))
      throw UsageError("--receiver: " + *why);
  for (auto sink : sinks)
    for (const auto* s : strategies)
      if (explicit_list && !s->accepts_sink(sink.kind))
        throw UsageError("--sink: strategy '" + std::string(s->id()) + "' cannot write to the " +
                         std::string(to_string(sink.kind)) + " sink");

  // Order: sizes outermost, cache state next, so that every strategy of a
  // group meets the same page-cache conditions.
  for (auto size : sizes)
    for (auto cache : caches)
      for (const auto& sink : sinks)
        for (auto chunk : chunks)
          for (auto qd : qds)
            for (const auto* s : strategies) {
              RunSpec spec;
              spec.strategy = s;
              auto& c = spec.conditions;
              c.sink = sink.kind;
              c.remote = sink.remote;
              c.nic = sink.nic;
              // Loopback and veth gather pages unless told otherwise.
              c.egress_scatter_gather = sink.nic.sg.value_or(true);
              c.cache = cache;
              c.receiver = *receiver;
              c.size = size;
              c.chunk = chunk;
              c.queue_depth = unsigned(qd);
              plan.runs.push_back(spec);
            }
  if (preset == "kafka") apply_kafka_preset(plan);
  return plan;
}

}  // namespace

Runner setup_run(CLI::App& app, const std::vector<std::string>& command_line) {
  auto a = std::make_shared<RunArgs>();
  app.add_option("-s,--strategy", a->strategies, "strategy ids, comma-separated, or 'all'")
      ->capture_default_str();
  app.add_option("--size", a->sizes, "file sizes: list or range (4K, 1M, 1G; 1M..64M)")
      ->capture_default_str();
  app.add_option("--chunk", a->chunks, "chunk sizes: list or range (4K..4M in powers of two)")
      ->capture_default_str();
  app.add_option("--sink", a->sinks,
                 "tcp, unix, pipe, null, file, veth, remote:HOST:PORT (comma-separated)")
      ->capture_default_str();
  app.add_option("--nic", a->nics,
                 "veth sink: the egress device's offloads, sg=on|off,tso=on|off,gso=on|off "
                 "(repeat to compare settings)");
  app.add_option("--token", a->token,
                 "remote sink: the shared secret the server wants (or $ZC_SINK_TOKEN)")
      ->envname("ZC_SINK_TOKEN");
  app.add_option("--cache", a->caches, "page cache before each repetition: hot, cold, or both")
      ->capture_default_str();
  app.add_option("--receiver", a->receiver, "receiver mode: recv, zerocopy-receive, truncate")
      ->capture_default_str();
  app.add_option("--receiver-buffer", a->receiver_buffer, "receiver read size")
      ->capture_default_str();
  app.add_option("--pin", a->pin, "CPU placement, e.g. sender:0,receiver:1 (default: scheduler)");
  app.add_option("--sndbuf", a->sndbuf, "SO_SNDBUF of socket sinks (default: kernel autotuning)");
  app.add_option("--rcvbuf", a->rcvbuf, "SO_RCVBUF of the receiver's socket (default: autotuning)");
  app.add_option("--qd", a->qds, "queue depth(s) for io_uring strategies")->capture_default_str();
  app.add_option("--reps", a->reps, "measured repetitions per run")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--warmup", a->warmup, "untimed repetitions before the measured ones")
      ->capture_default_str()
      ->check(CLI::Range(0u, 100u));
  app.add_option("--file", a->file, "use this file as the source instead of generating one");
  app.add_option("--tmpdir", a->tmpdir,
                 "where to put generated sources (default: $TMPDIR or /tmp)");
  app.add_option("-o,--output", a->output,
                 "results file, '-' for stdout (default: results/<time>.json)");
  app.add_option("--format", a->format, "json, gbench or csv")->capture_default_str();
  app.add_option("--timeout", a->timeout,
                 "seconds per repetition before it is an error (default: from size)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-q,--quiet", a->quiet, "no table or progress on the terminal");
  app.add_option("--preset", a->append.preset,
                 "a named comparison: kafka (read-write, mmap-write, sendfile with NIC "
                 "scatter-gather off and on, over veth, as the articles' table) or append (every "
                 "append strategy, seq vs random, --sync none and every:1)");
  add_append_options(app, a->append);

  return [a, &app, command_line] {
    auto format = parse_format(a->format);
    auto plan = make_plan(*a, app, redact_secrets(command_line));
    fs::path out = a->output.empty() ? default_output_path("results", format) : fs::path(a->output);
    check_writable(out);
    if (!a->quiet)
      std::fprintf(stderr, "zc-bench: %zu runs x %u repetitions (+%u warm-up)...\n",
                   plan.runs.size(), plan.repetitions, plan.warmup);
    Progress progress(plan, a->quiet);
    if (progress.enabled())
      plan.on_repetition = [&](const std::string& run, unsigned rep) {
        progress.repetition_started(run, rep);
      };
    auto outcome = run_plan(plan);
    progress.clear();
    write_output(outcome.results, outcome.gbench_json, format, out);
    if (!a->quiet) {
      auto* terminal = out == "-" ? stderr : stdout;
      if (a->append.preset == "kafka")
        print_kafka_table(outcome.results, terminal);
      else
        print_table(outcome.results, terminal);
      if (out != "-") std::fprintf(stderr, "results: %s\n", out.c_str());
    }
    if (outcome.interrupted) return 130;
    return outcome.any_failed ? 1 : 0;
  };
}

}  // namespace zc::cmd
