// zc-bench: measures the ways of moving data from a file to a sink.
#include <cstdio>
#include <map>

#include "cmd/commands.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/interrupt.hpp"

int main(int argc, char** argv) {
  CLI::App app{"zc-bench: measure zero-copy data paths (read/write, mmap, sendfile, ...)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", ZC_VERSION " (" ZC_GIT_COMMIT ")");
  std::vector<std::string> command_line(argv, argv + argc);

  std::map<CLI::App*, zc::cmd::Runner> runners;
  auto add = [&](const char* name, const char* help, auto setup) {
    auto* sub = app.add_subcommand(name, help);
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
  add("compare", "regression check: compare two results files (exit 1 on a regression)",
      [](CLI::App& a) { return zc::cmd::setup_compare(a); });
  add("plot", "charts (PNG and SVG) from a results file, via scripts/plot.py",
      [](CLI::App& a) { return zc::cmd::setup_plot(a); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "zc-bench: error: %s (see zc-bench --help)\n", e.what());
    return 2;
  }

  zc::install_interrupt_handlers();
  for (auto& [sub, runner] : runners) {
    if (!sub->parsed()) continue;
    try {
      return runner();
    } catch (const zc::UsageError& e) {
      std::fprintf(stderr, "zc-bench: error: %s\n", e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "zc-bench: %s\n", e.what());
      return 1;
    }
  }
  return 2;
}
