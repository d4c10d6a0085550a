// zc-bench: measures the ways of moving data from a file to a sink.
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "cmd/commands.hpp"
#include "cmd/help_format.hpp"
#include "harness/base/build_info.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/suggest.hpp"
#include "harness/base/text.hpp"

namespace {

// Names other tools use for zc-bench's options (fio, iperf3, netperf): a
// pointer instead of a bare "not expected".
const std::map<std::string, std::string>& peer_names() {
  static const std::map<std::string, std::string> names = {
      {"--bs", "zc-bench calls it --chunk"},
      {"--blocksize", "zc-bench calls it --chunk"},
      {"-l", "zc-bench calls it --chunk (iperf3's -l)"},
      {"--len", "zc-bench calls it --chunk (iperf3's -l)"},
      {"--iodepth", "zc-bench calls it --qd"},
      {"-P", "zc-bench calls it --streams"},
      {"--parallel", "zc-bench calls it --streams"},
      {"--numjobs", "zc-bench calls it --streams"},
      {"--json", "zc-bench says --format json"},
      {"-J", "zc-bench says --format json"},
      {"-t", "zc-bench calls it --time (seconds of repetitions per run)"},
      {"--runtime", "zc-bench calls it --time (seconds of repetitions per run)"},
      {"--filename", "zc-bench calls it --file"},
      {"--direct", "zc-bench's O_DIRECT path is a strategy: -s direct-io"},
      {"--ioengine", "zc-bench's engines are strategies: -s NAME (see zc-bench list)"},
      {"-Z", "iperf3's -Z is sendfile: -s sendfile"},
      {"--zerocopy", "iperf3's -Z is sendfile: -s sendfile"},
      {"--rw", "zc-bench calls it --workload"},
  };
  return names;
}

// For each unexpected argument that looks like an option: the peer tool's
// pointer, or the nearest of the subcommand's own option names.
std::string unexpected_hint(const CLI::App& sub) {
  std::vector<std::string> known;
  for (const auto* option : sub.get_options()) {
    for (const auto& name : option->get_lnames()) known.push_back("--" + name);
    for (const auto& name : option->get_snames()) known.push_back("-" + name);
  }
  std::string hint;
  for (const auto& arg : sub.remaining()) {
    if (arg.size() < 2 || arg[0] != '-') continue;
    std::string name = arg.substr(0, arg.find('='));
    std::string line;
    if (auto peer = peer_names().find(name); peer != peer_names().end())
      line = name + ": " + peer->second;
    else if (auto nearest = zc::nearest_name(name, known))
      line = name + ": did you mean " + *nearest + "?";
    if (!line.empty()) hint += (hint.empty() ? "" : "; ") + line;
  }
  return hint;
}

// `zc-bench help [SUBCOMMAND]`: the top level's help, or the subcommand's.
zc::cmd::Runner setup_help(CLI::App& sub, CLI::App& app) {
  auto help_topic = std::make_shared<std::string>();
  sub.add_option("SUBCOMMAND", *help_topic, "the subcommand to explain");
  return zc::cmd::Runner([&app, help_topic] {
    const CLI::App* topic = help_topic->empty() ? &app : nullptr;
    for (auto* s : app.get_subcommands({}))
      if (s->get_name() == *help_topic) topic = s;
    if (!topic)
      throw zc::UsageError("help: '" + *help_topic + "' is not a subcommand (see zc-bench --help)");
    // App::help() of the top level would describe the parsed `help` itself.
    std::printf(
        "%s",
        topic->get_formatter()
            ->make_help(topic, topic == &app ? topic->get_name() : "zc-bench " + topic->get_name(),
                        CLI::AppFormatMode::Normal)
            .c_str());
    return 0;
  });
}

}  // namespace

namespace {

// Every subcommand, each with what runs it once parsed.
std::map<CLI::App*, zc::cmd::Runner> add_subcommands(CLI::App& app,
                                                     const std::vector<std::string>& command_line) {
  std::map<CLI::App*, zc::cmd::Runner> runners;
  auto add = [&](const char* name, const char* help, auto setup) {
    auto* sub = app.add_subcommand(name, help);
    if (!*help) sub->group("");  // hidden from --help
    runners[sub] = setup(*sub);
  };
  add("list", "strategies, their ledgers, and whether each is supported here",
      [](CLI::App& a) { return zc::cmd::setup_list(a); });
  add("env", "what this machine allows: kernel features, perf events, netns, O_DIRECT",
      [](CLI::App& a) { return zc::cmd::setup_env(a); });
  add("run", "run a comparison (with no options: the default comparison)",
      [&](CLI::App& a) { return zc::cmd::setup_run(a, command_line); });
  add("sink", "the receiver (one-shot when started by `run`; a server with --listen)",
      [](CLI::App& a) { return zc::cmd::setup_sink(a); });
  // The ingest workload's peers, started by `run`: hidden from --help.
  add("produce", "", [](CLI::App& a) { return zc::cmd::setup_produce(a); });
  add("consume", "", [](CLI::App& a) { return zc::cmd::setup_consume(a); });
  add("compare", "regression check: compare two results files (exit 1 on a regression)",
      [](CLI::App& a) { return zc::cmd::setup_compare(a); });
  add("plot", "charts (PNG and SVG) from a results file (plot.py, matplotlib)",
      [](CLI::App& a) { return zc::cmd::setup_plot(a); });
  add("merge", "one results document from many hosts' files (each run keeps its host)",
      [](CLI::App& a) { return zc::cmd::setup_merge(a); });
  add("help", "this help, or a subcommand's: zc-bench help run",
      [&](CLI::App& a) { return setup_help(a, app); });
  return runners;
}

// No subcommand: which there are, and the nearest to a word that looks
// like a mistyped one.
int no_subcommand(const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> names;
  for (auto* sub : app.get_subcommands({}))
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
  std::string hint;
  for (int i = 1; i < argc && hint.empty(); ++i)
    if (argv[i][0] != '-')
      if (auto nearest = zc::nearest_name(argv[i], names))
        hint = std::string("'") + argv[i] + "': did you mean " + *nearest + "? ";
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
  std::fprintf(stderr, "zc-bench: error: %ssay what to do: %s (see zc-bench --help)\n",
               hint.c_str(), list.c_str());
  return 2;
}

// The command line parsed; the exit status when that is all there is to do
// (help, version, bad input), else nothing.
std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  // Errors point at the help of the subcommand being parsed, if any.
  std::string help_hint = "zc-bench --help";
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') {
      for (auto* sub : app.get_subcommands({}))
        if (sub->get_name() == argv[i]) help_hint = "zc-bench " + sub->get_name() + " --help";
      break;
    }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    if (app.get_subcommands().empty()) return no_subcommand(app, argc, argv);
    std::fprintf(stderr, "zc-bench: error: %s (see %s)\n", e.what(), help_hint.c_str());
    return 2;
  } catch (const CLI::ExtrasError& e) {
    std::string hint;
    for (const auto* sub : app.get_subcommands()) hint = unexpected_hint(*sub);
    if (hint.empty()) hint = unexpected_hint(app);
    std::fprintf(stderr, "zc-bench: error: %s%s (see %s)\n", e.what(),
                 hint.empty() ? "" : ("; " + hint).c_str(), help_hint.c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "zc-bench: error: %s (see %s)\n", e.what(), help_hint.c_str());
    return 2;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zc-bench: measure zero-copy data paths (read/write, mmap, sendfile, ...)",
               "zc-bench"};
  app.formatter(zc::cmd::wrapping_formatter());  // before the subcommands: they inherit it
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("zc-bench ") + zc::build_version() + " (" +
                                        zc::build_commit() + ")");
  std::vector<std::string> command_line(argv, argv + argc);
  auto runners = add_subcommands(app, command_line);
  if (auto status = parse(app, argc, argv)) return *status;

  zc::install_interrupt_handlers();
  for (auto& [sub, runner] : runners) {
    if (!sub->parsed()) continue;
    try {
      return runner();
    } catch (const zc::UsageError& e) {
      // Messages may quote files, programs and peers: escaped.
      std::fprintf(stderr, "zc-bench: error: %s\n", zc::terminal_text(e.what()).c_str());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "zc-bench: %s\n", zc::terminal_text(e.what()).c_str());
      return 1;
    }
  }
  return 2;
}
