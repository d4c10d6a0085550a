// `zc-bench run`: turns options into a plan (the product of every list
// given) and hands it to the harness. The workloads declare their own
// options; this file only wires them to CLI11.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <vector>

#include "cmd/commands.hpp"
#include "cmd/run_output.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/text.hpp"
#include "harness/base/units.hpp"
#include "harness/report/compact.hpp"
#include "harness/report/output.hpp"
#include "harness/report/table.hpp"
#include "harness/run/plan.hpp"
#include "harness/run/progress.hpp"
#include "harness/run/runner.hpp"
#include "harness/sinks/remote_protocol.hpp"

namespace zc::cmd {
namespace fs = std::filesystem;

namespace {

// The run-wide options, as typed.
struct RunArgs {
  std::string strategies = "all";
  std::string workload;
  std::string preset;
  std::string receiver_buffer = "1M";                     // measured default: see Tuning
  int receiver_poll_us = int(Tuning{}.receiver_poll_us);  // a preset may pick its own
  std::string pin = "auto";
  std::string sndbuf, rcvbuf;
  std::string reps = "5";
  std::string precision = "3%";
  std::string max_time = "60";
  std::string time;  // --time SECONDS: time-based repetitions
  unsigned warmup = 1;
  std::string tmpdir;
  std::string output;
  std::string token;
  std::string format = "json";
  std::string timeout;
  bool quiet = false;
  unsigned max_runs = 200;
  bool interleave = true;
  bool compact = false;
  // The workloads' options: name -> texts, and the CLI11 option to ask
  // whether it was given.
  std::map<std::string, std::vector<std::string>> texts;
  std::map<std::string, CLI::Option*> workload_options;
  OutputArgs layout;
};

// Every option family any workload takes, registered once. With a
// workload named on the command line, --help shows that workload's help and
// default and hides the options it does not take (still parsed, so that
// the plan can say whose they are); without one, each line says which
// workloads take it and where their defaults and values differ.
void add_workload_options(CLI::App& app, RunArgs& a, const Workload* chosen) {
  struct Use {
    const OptionFamily* family;
    std::vector<std::pair<std::string_view, RunOption>> by;  // workload id, its row
  };
  std::vector<Use> uses;
  for (const auto* w : all_workloads())
    for (const auto& o : w->options()) {
      auto it = std::find_if(uses.begin(), uses.end(),
                             [&](const Use& u) { return u.family->name == o.family->name; });
      if (it == uses.end()) it = uses.insert(uses.end(), Use{o.family, {}});
      it->by.emplace_back(w->id(), o);
    }
  for (const auto& u : uses) {
    std::string name(u.family->name);
    auto* opt = app.add_option(name, a.texts[name]);
    if (!u.family->repeatable) opt->expected(1);
    a.workload_options[name] = opt;
    if (chosen) {
      auto mine = std::find_if(u.by.begin(), u.by.end(),
                               [&](const auto& b) { return b.first == chosen->id(); });
      if (mine == u.by.end()) {
        opt->group("");  // not this workload's: hidden from its help
        continue;
      }
      opt->description(option_help(mine->second));
      if (!mine->second.default_text.empty())
        opt->default_str(std::string(mine->second.default_text));
      continue;
    }
    std::string help = option_help(RunOption{u.family, {}}), owners, values;
    std::vector<std::pair<std::string_view, std::string>> defaults;  // default, its workloads
    for (const auto& [id, o] : u.by) {
      owners += (owners.empty() ? "" : ", ") + std::string(id);
      if (!o.values.empty()) values += "; " + std::string(id) + ": " + std::string(o.values);
      auto d = std::find_if(defaults.begin(), defaults.end(),
                            [&](const auto& x) { return x.first == o.default_text; });
      if (d == defaults.end())
        defaults.emplace_back(o.default_text, std::string(id));
      else
        d->second += ", " + std::string(id);
    }
    help += values + " [" + owners + "]";
    if (defaults.size() == 1 && !defaults.front().first.empty())
      opt->default_str(std::string(defaults.front().first));
    if (defaults.size() > 1) {
      help += " (default:";
      for (const auto& [d, ids] : defaults)
        help += " " + ids + " " + (d.empty() ? std::string("none") : std::string(d)) + ";";
      help.back() = ')';
    }
    opt->description(help);
  }
}

// Sizes the kernel takes as int (SO_SNDBUF doubles what it is given).
int parse_socket_buffer(const std::string& text, const char* what) {
  auto v = parse_size(text, what);
  if (v > std::uint64_t(INT_MAX / 2))
    throw UsageError(std::string(what) + ": '" + text + "' is too large (at most 1023M)");
  return int(v);
}

double parse_number(const std::string& text, const std::string& what, const char* kind) {
  try {
    std::size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::logic_error&) {
  }
  throw UsageError(what + ": '" + text + "' is not " + kind);
}

// "3%" or "0.03".
double parse_share(const std::string& text, const std::string& what) {
  bool percent = !text.empty() && text.back() == '%';
  double v =
      parse_number(percent ? text.substr(0, text.size() - 1) : text, what, "a share (3% or 0.03)");
  if (percent) v /= 100;
  if (v <= 0 || v >= 1)
    throw UsageError(what + ": '" + text + "' is not a share between 0 and 100% (both excluded)");
  return v;
}

// --time: a run's repetitions stop here even if its time is not up (a
// tiny --size); as many as --reps takes at most.
constexpr unsigned kTimeBasedMaxRepetitions = 1000;

RunSettings make_settings(const RunArgs& a, bool reps_given) {
  RunSettings s;
  if (!a.time.empty()) {
    if (reps_given)
      throw UsageError("--time and --reps both say how many repetitions: give one (--time " +
                       a.time + " repeats each run until its repetitions add up to " + a.time +
                       " s)");
    s.adaptive.on = true;
    s.adaptive.time_s = parse_seconds(a.time, "--time");
    s.adaptive.min_repetitions = 1;
    s.adaptive.max_repetitions = kTimeBasedMaxRepetitions;
    s.repetitions = 1;
  } else if (a.reps == "auto") {
    s.adaptive.on = true;
    s.repetitions = s.adaptive.min_repetitions;
    s.adaptive.precision = parse_share(a.precision, "--precision");
    s.adaptive.max_time_s = parse_seconds(a.max_time, "--max-time");
  } else {
    try {
      s.repetitions = unsigned(parse_count(a.reps, "--reps", 1, 1000));
    } catch (const UsageError&) {
      throw UsageError("--reps: '" + a.reps + "' is not a whole number from 1 to 1000, or auto");
    }
  }
  s.warmup = a.warmup;
  if (!a.timeout.empty()) s.timeout_s = parse_seconds(a.timeout, "--timeout");
  s.quiet = a.quiet;
  s.interleave = a.interleave;
  s.token = a.token;
  s.tuning.receiver_buffer = parse_size(a.receiver_buffer, "--receiver-buffer");
  if (s.tuning.receiver_buffer > (256u << 20))
    throw UsageError("--receiver-buffer: '" + a.receiver_buffer + "' is too large (at most 256M)");
  s.tuning.receiver_poll_us = unsigned(a.receiver_poll_us);
  parse_pin(a.pin, s.tuning);
  if (!a.sndbuf.empty()) s.tuning.sndbuf = parse_socket_buffer(a.sndbuf, "--sndbuf");
  if (!a.rcvbuf.empty()) s.tuning.rcvbuf = parse_socket_buffer(a.rcvbuf, "--rcvbuf");
  std::error_code ec;
  const char* env_tmpdir = std::getenv("TMPDIR");
  s.temp_parent = !a.tmpdir.empty()           ? fs::path(a.tmpdir)
                  : env_tmpdir && *env_tmpdir ? fs::path(env_tmpdir)
                                              : fs::path("/tmp");
  if (!fs::is_directory(s.temp_parent, ec))
    throw UsageError((a.tmpdir.empty() && env_tmpdir && *env_tmpdir ? "TMPDIR: '" : "--tmpdir: '") +
                     s.temp_parent.string() + "' is not a folder");
  return s;
}

// A path that cannot even hold a file (a name too long, a read-only
// folder) is a usage error before the first run, not after the last. Called
// once the command line is accepted; whatever the probe makes (the file,
// missing folders) is removed again: write_output() makes them for good.
void probe_output(const fs::path& out) {
  check_writable(out);
  std::error_code ec;
  if (out == "-" || fs::exists(out, ec)) return;
  std::vector<fs::path> made;  // deepest last
  for (auto dir = out.parent_path(); !dir.empty() && !fs::exists(dir, ec);
       dir = dir.parent_path()) {
    made.insert(made.begin(), dir);
    if (dir.parent_path() == dir) break;
  }
  auto remove_made = [&] {
    for (auto it = made.rbegin(); it != made.rend(); ++it) fs::remove(*it, ec);
  };
  for (const auto& dir : made)
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
      int err = errno;
      remove_made();
      throw UsageError("-o: cannot create folder '" + dir.string() + "': " + errno_text(err));
    }
  auto probe = out;
  probe += ".partial";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  int err = errno;
  if (fd >= 0) ::close(fd);
  fs::remove(probe, ec);
  remove_made();
  if (fd < 0) throw UsageError("-o: cannot create '" + out.string() + "': " + errno_text(err));
}

// The temporary folder's parent must take one (--tmpdir /proc is a folder
// but does not): tried, and removed, before the first line of progress.
void probe_temp_parent(const fs::path& parent, const std::string& option) {
  auto tmpl = (parent / "zc-bench.probe.XXXXXX").string();
  if (::mkdtemp(tmpl.data())) {
    ::rmdir(tmpl.c_str());
    return;
  }
  throw UsageError(option + ": cannot create a folder in '" + parent.string() +
                   "': " + errno_text(errno));
}

// Writes the results; when that fails (a full disk), keeps them in the
// temporary folder instead and says where. False when they did not reach
// `out`.
bool save_results(const Outcome& outcome, Format format, const fs::path& out,
                  const GbenchOptions& gbench) {
  try {
    write_output(outcome.results, format, out, gbench);
    return true;
  } catch (const std::exception& e) {
    std::error_code ec;
    auto fallback = fs::temp_directory_path(ec) / default_output_path("", format).filename();
    fallback.replace_filename("zc-bench-results-" + fallback.filename().string());
    try {
      write_output(outcome.results, format, fallback, gbench);
      std::fprintf(stderr, "zc-bench: %s; the results were saved to %s instead\n",
                   terminal_text(e.what()).c_str(), fallback.c_str());
    } catch (const std::exception& e2) {
      std::fprintf(stderr, "zc-bench: %s; saving them to %s failed too: %s\n",
                   terminal_text(e.what()).c_str(), fallback.c_str(), e2.what());
    }
    return false;
  }
}

std::string workloads_help() {
  std::string help = "what the runs do:";
  for (const auto* w : all_workloads())
    help += " " + std::string(w->id()) + " (" + std::string(w->summary()) + ");";
  help.back() = '.';
  return help + " Default: transfer, or the workload of the strategies given";
}

std::string presets_help() {
  std::string help = "a named comparison:";
  for (const auto* w : all_workloads())
    for (const auto& p : w->presets())
      help += " " + std::string(p.name) + " (" + std::string(p.help) + ");";
  help.back() = '.';
  return help;
}

// A rough time for the whole plan, to warn before a long sweep starts:
// every repetition moves its bytes at kAssumedRate plus a fixed cost for
// processes and sockets. An estimate, and labelled as one.
double estimated_seconds(const Plan& plan) {
  constexpr double kAssumedRate = 500e6, kPerRepetition = 0.3;
  double s = 0;
  for (const auto& run : plan.runs) {
    const double one = double(run.conditions.size) / kAssumedRate + kPerRepetition;
    if (plan.adaptive.time_s > 0)
      s += plan.adaptive.time_s + plan.warmup * one;
    else
      s += ((plan.adaptive.on ? plan.adaptive.min_repetitions : plan.repetitions) + plan.warmup) *
           one;
  }
  return s;
}

void check_plan_size(const Plan& plan, unsigned max_runs, bool quiet) {
  if (plan.runs.size() > max_runs)
    throw UsageError("the options make " + std::to_string(plan.runs.size()) + " runs (about " +
                     std::to_string(int(estimated_seconds(plan) / 60)) +
                     " min, estimated), more than --max-runs " + std::to_string(max_runs) +
                     "; shorten the lists or raise --max-runs");
  if (!quiet && plan.runs.size() >= 20)
    std::fprintf(stderr, "zc-bench: %zu runs: about %d min (estimated at 500 MB/s)\n",
                 plan.runs.size(), int(estimated_seconds(plan) / 60 + 0.5));
}

// Given on the command line itself (an environment variable does not
// count: ZC_SINK_TOKEN may be set for every command).
bool on_command_line(const std::vector<std::string>& args, std::string_view name) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& arg) {
    return arg == name || (arg.size() > name.size() && arg.compare(0, name.size(), name) == 0 &&
                           arg[name.size()] == '=');
  });
}

bool any_run(const Plan& plan, const std::function<bool(const RunSpec&)>& f) {
  return std::any_of(plan.runs.begin(), plan.runs.end(), f);
}

// The run-wide options that only some runs, formats or modes use, each
// with where it applies. Given where nothing would use it, an option is
// refused with one line naming it, never silently ignored. (The workloads'
// own options are checked by the plan against their rows: an option of
// another workload is refused there.)
struct OptionScope {
  std::string_view option;
  std::string_view applies_to;
  std::function<bool(const Plan&, const RunArgs&)> applies;
};

const std::vector<OptionScope>& option_scopes() {
  auto sink = [](bool (*f)(SinkKind)) {
    return [f](const Plan& p, const RunArgs&) {
      return any_run(p, [f](const RunSpec& r) { return f(r.conditions.sink); });
    };
  };
  auto tabled = [](const Plan&, const RunArgs& a) { return !a.quiet; };
  static const std::vector<OptionScope> scopes = {
      {"--token", "a remote sink (--sink remote:HOST:PORT)",
       sink([](SinkKind k) { return k == SinkKind::remote; })},
      {"--sndbuf", "socket sinks (tcp, unix, veth, remote)", sink(is_socket_sink)},
      {"--rcvbuf", "socket sinks (tcp, unix, veth, remote)", sink(is_socket_sink)},
      {"--receiver-buffer", "transfer sinks with a receiver process and the broker's consumers",
       [](const Plan& p, const RunArgs&) {
         return p.workload == "broker" || any_run(p, [&](const RunSpec& r) {
                  return p.workload == "transfer" && has_receiver_process(r.conditions.sink);
                });
       }},
      {"--receiver-poll", "transfer sinks with a receiver process",
       [](const Plan& p, const RunArgs&) {
         return any_run(p, [&](const RunSpec& r) {
           return p.workload == "transfer" && has_receiver_process(r.conditions.sink);
         });
       }},
      {"--qd",
       "io_uring strategies (io-uring, io-uring-splice, io-uring-send-zc, "
       "io-uring-ingest)",
       [](const Plan& p, const RunArgs&) {
         return any_run(p, [](const RunSpec& r) { return r.strategy->uses_queue_depth(); });
       }},
      {"--tls-cipher", "TLS strategies (tls-read-write, ktls-write, ktls-sendfile)",
       [](const Plan& p, const RunArgs&) {
         return any_run(p, [](const RunSpec& r) { return r.strategy->uses_tls(); });
       }},
      {"--metric", "--format github-benchmark",
       [](const Plan&, const RunArgs& a) { return a.format == "github-benchmark"; }},
      {"--precision", "--reps auto",
       [](const Plan&, const RunArgs& a) { return a.reps == "auto"; }},
      {"--max-time", "--reps auto", [](const Plan&, const RunArgs& a) { return a.reps == "auto"; }},
      {"--gbench-aggregates-only", "--format gbench",
       [](const Plan&, const RunArgs& a) { return a.format == "gbench"; }},
      {"--compact", "--format json",
       [](const Plan&, const RunArgs& a) { return a.format == "json"; }},
      {"--wide", "the table, which --quiet leaves out", tabled},
      {"--columns", "the table, which --quiet leaves out", tabled},
      {"--copies", "the table, which --quiet leaves out", tabled},
      {"--units", "the table, which --quiet leaves out", tabled},
      {"--notes", "the table, which --quiet leaves out", tabled},
      {"-v", "the table, which --quiet leaves out", tabled},
  };
  return scopes;
}

void check_option_scopes(const Plan& plan, const RunArgs& a,
                         const std::vector<std::string>& command_line) {
  for (const auto& s : option_scopes())
    if (on_command_line(command_line, s.option) && !s.applies(plan, a))
      throw UsageError(std::string(s.option) + " applies only to " + std::string(s.applies_to) +
                       "; drop it");
}

PlanRequest make_request(const RunArgs& a, const CLI::App& app) {
  PlanRequest r;
  r.strategies = a.strategies;
  r.workload = a.workload;
  r.preset = a.preset;
  // --time decides the repetitions too: a preset's count does not apply.
  r.repetitions_given =
      app.get_option("--reps")->count() > 0 || app.get_option("--time")->count() > 0;
  r.receiver_poll_given = app.get_option("--receiver-poll")->count() > 0;
  for (const auto& [name, opt] : a.workload_options)
    if (opt->count()) r.options.given[name] = a.texts.at(name);
  return r;
}

constexpr const char* kRunExamples =
    "Examples:\n"
    "  every supported transfer strategy to loopback tcp (the default):\n"
    "    zc-bench run\n"
    "  two strategies on two sinks, with the copies beside the kernel's evidence:\n"
    "    zc-bench run -s sendfile,read-write --sink tcp,unix --size 64M --copies\n"
    "  the 'why Kafka is fast' table (read+write, mmap, sendfile, NIC gather, SSL):\n"
    "    zc-bench run --preset kafka\n"
    "  which receive path costs least per byte (recv, mmap'd TCP, io_uring zcrx):\n"
    "    zc-bench run --preset receive\n"
    "  as iperf3 -t 10 would: 10 seconds of each strategy, in Gbit/s:\n"
    "    zc-bench run -s sendfile,read-write --time 10 --units Gbit/s\n"
    "  network to log, without and with a sync every 16 records:\n"
    "    zc-bench run --workload ingest -s all --sync none,every:16\n"
    "  a regression check for CI:\n"
    "    zc-bench run -o new.json && zc-bench compare base.json new.json\n"
    "One workload's options only: zc-bench run --workload ingest --help";

// The receivers', the sockets' and the CPUs' options.
void add_tuning_options(CLI::App& app, RunArgs* a) {
  app.add_option("--token", a->token,
                 "remote sink: the shared secret the server wants (or $ZC_SINK_TOKEN)")
      ->envname("ZC_SINK_TOKEN");
  app.add_option("--receiver-buffer", a->receiver_buffer, "receiver read size (at most 256M)")
      ->capture_default_str();
  app.add_option("--receiver-poll", a->receiver_poll_us,
                 "microseconds the receiver polls an empty socket before it sleeps; 0: it sleeps "
                 "at once (loopback TCP then flips between two speeds: see the README); "
                 "--preset receive: 0, since it compares the receivers' CPU")
      ->check(CLI::Range(0, 1000000))
      ->default_str(std::to_string(Tuning{}.receiver_poll_us));
  app.add_option("--pin", a->pin,
                 "CPU placement: auto (sender and receiver on the first two CPUs allowed), none "
                 "(the scheduler), or sender:N,receiver:M")
      ->capture_default_str();
  app.add_option("--sndbuf", a->sndbuf, "SO_SNDBUF of socket sinks (default: kernel autotuning)");
}

// --reps auto's precision and time, and the warm-up.
void add_adaptive_options(CLI::App& app, RunArgs* a) {
  app.add_option("--precision", a->precision,
                 "--reps auto: the interval's half-width as a share of the median (3% or 0.03)")
      ->capture_default_str();
  app.add_option("--max-time", a->max_time,
                 "--reps auto: seconds of repetitions after which runs stop repeating")
      ->capture_default_str();
  app.add_option("--warmup", a->warmup, "untimed repetitions before the measured ones")
      ->capture_default_str()
      ->check(CLI::Range(0u, 100u));
}

// Where results and generated files go, and how the runs proceed.
void add_flow_options(CLI::App& app, RunArgs* a) {
  app.add_option("--tmpdir", a->tmpdir,
                 "where to put generated sources (default: $TMPDIR or /tmp)");
  app.add_option("-o,--output", a->output,
                 "results file, '-' for stdout (default: results/<time>.json)");
  app.add_option("--format", a->format, "json, gbench, csv or github-benchmark")
      ->capture_default_str();
  app.add_option("--timeout", a->timeout,
                 "seconds per repetition before it is an error (default: from size)");
  app.add_flag("-q,--quiet", a->quiet, "no table or progress on the terminal");
  app.add_flag("--interleave,!--no-interleave", a->interleave,
               "repetitions of all runs in one shuffled order, so drift hits every run alike "
               "(default); --no-interleave runs each run's repetitions back to back");
  app.add_flag("--compact", a->compact,
               "JSON: each metric's description once, in metric_descriptions, not in every run");
  app.add_option("--max-runs", a->max_runs,
                 "refuse a comparison of more runs than this (a sweep's product grows fast)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
}

// A run's command line checked and made into its plan; nothing is created
// yet but the probes of where its results and files go.
struct PreparedRun {
  Format format;
  fs::path out;
  std::FILE* terminal;
  TableOptions table;
  Plan plan;
};

PreparedRun prepare_run(const RunArgs& a, const CLI::App& app,
                        const std::vector<std::string>& command_line) {
  auto format = parse_format(a.format);
  fs::path out = a.output.empty() ? default_output_path("results", format) : fs::path(a.output);
  check_writable(out);
  auto* terminal = out == "-" ? stderr : stdout;
  auto table = table_options(a.layout, terminal);  // --columns, --units: checked first
  auto plan =
      make_plan(make_request(a, app), make_settings(a, app.get_option("--reps")->count() > 0));
  check_option_scopes(plan, a, command_line);
  plan.command_line = redact_secrets(command_line);
  check_plan_size(plan, a.max_runs, a.quiet);
  // The command line is accepted: only now is anything created (tried).
  probe_output(out);
  const char* env_tmpdir = std::getenv("TMPDIR");
  probe_temp_parent(plan.temp_parent, !a.tmpdir.empty()           ? "--tmpdir"
                                      : env_tmpdir && *env_tmpdir ? "TMPDIR"
                                                                  : "the temporary folder");
  return {format, out, terminal, table, std::move(plan)};
}

// run --help in groups, by purpose. An option named nowhere here (a new
// workload's family) goes with what to run; a hidden one stays hidden.
void group_options(CLI::App& app) {
  constexpr const char* kWhere = "Where the bytes go";
  constexpr const char* kHow = "How to measure";
  constexpr const char* kOutput = "Output";
  static const std::map<std::string, const char*> groups = {
      {"--sink", kWhere},
      {"--nic", kWhere},
      {"--receiver", kWhere},
      {"--token", kWhere},
      {"--receiver-buffer", kWhere},
      {"--receiver-poll", kWhere},
      {"--sndbuf", kWhere},
      {"--rcvbuf", kWhere},
      {"--tmpdir", kWhere},
      {"--reps", kHow},
      {"--time", kHow},
      {"--precision", kHow},
      {"--max-time", kHow},
      {"--warmup", kHow},
      {"--interleave", kHow},
      {"--pin", kHow},
      {"--timeout", kHow},
      {"--max-runs", kHow},
      {"--output", kOutput},
      {"--format", kOutput},
      {"--quiet", kOutput},
      {"--compact", kOutput},
      {"--wide", kOutput},
      {"--columns", kOutput},
      {"--copies", kOutput},
      {"--units", kOutput},
      {"--notes", kOutput},
      {"--metric", kOutput},
      {"--gbench-aggregates-only", kOutput},
  };
  // The help flag last, with the output.
  app.set_help_flag("-h,--help", "print this help and exit");
  for (auto* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;
    std::string name = opt->get_name();  // the long name where there is one
    auto it = groups.find(name);
    opt->group(it != groups.end()          ? it->second
               : opt == app.get_help_ptr() ? kOutput
                                           : "What to run");
  }
}

}  // namespace

Runner setup_run(CLI::App& app, const std::vector<std::string>& command_line) {
  auto a = std::make_shared<RunArgs>();
  app.footer(kRunExamples);
  app.add_option("-s,--strategy", a->strategies, "strategy ids, comma-separated, or 'all'")
      ->capture_default_str();
  app.add_option("--workload", a->workload, workloads_help());
  app.add_option("--preset", a->preset, presets_help());
  add_workload_options(app, *a, workload_named(command_line));
  add_tuning_options(app, a.get());
  app.add_option("--rcvbuf", a->rcvbuf, "SO_RCVBUF of the receiver's socket (default: autotuning)");
  app.add_option("--reps", a->reps,
                 "measured repetitions per run (1..1000), or auto: repeat until the throughput's "
                 "95% interval is within --precision or --max-time runs out")
      ->capture_default_str();
  app.add_option("--time", a->time,
                 "SECONDS: time-based, like fio's --runtime and iperf3's -t: each run repeats "
                 "whole, verified passes over its --size until its repetitions' timed regions add "
                 "up to SECONDS (the last pass is not cut short; warm-up not counted; at most " +
                     std::to_string(kTimeBasedMaxRepetitions) +
                     " repetitions), so a faster strategy makes more; instead of --reps");
  add_adaptive_options(app, a.get());
  add_flow_options(app, a.get());
  add_output_options(app, a->layout);
  group_options(app);

  return [a, &app, command_line] {
    auto [format, out, terminal, table, plan] = prepare_run(*a, app, command_line);
    if (!a->quiet)
      std::fprintf(stderr, "zc-bench: %s x %s (+%u warm-up)...\n",
                   plural(long(plan.runs.size()), "run").c_str(),
                   plan.adaptive.time_s > 0
                       ? (format_number(plan.adaptive.time_s) + " s of repetitions").c_str()
                       : plural(plan.repetitions, "repetition").c_str(),
                   plan.warmup);
    Progress progress(plan, a->quiet);
    if (progress.enabled())
      plan.on_repetition = [&](const std::string& run, unsigned rep) {
        progress.repetition_started(run, rep);
      };
    auto outcome = run_plan(plan);
    progress.clear();
    // Paths, program output, peers' text: valid UTF-8 before anything
    // reads the results (a byte that is not becomes \xNN), so that writing
    // them cannot fail on it.
    make_utf8_safe(outcome.results);
    if (a->compact) compact_document(outcome.results);
    if (!save_results(outcome, format, out, gbench_options(a->layout))) outcome.any_failed = true;
    if (!a->quiet) {
      print_table(outcome.results, terminal, table);
      if (out != "-") std::fprintf(stderr, "results: %s\n", terminal_text(out.string()).c_str());
    }
    if (outcome.interrupted) return 130;
    return outcome.any_failed ? 1 : 0;
  };
}

}  // namespace zc::cmd
