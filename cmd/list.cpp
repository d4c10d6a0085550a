// `zc-bench list`: every strategy, its data path, its ledger under the
// default conditions, and whether it can run here (or why not).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "cmd/commands.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/text.hpp"
#include "harness/base/units.hpp"
#include "harness/core/external.hpp"
#include "harness/core/registry.hpp"
#include "harness/report/output.hpp"
#include "harness/report/text_table.hpp"
#include "harness/workloads/workload.hpp"

namespace zc::cmd {
namespace {

// "2 syscalls", "1 syscall", "0.125 syscalls" (io_uring submits a batch per
// queue depth of chunks; rounding would say 0).
std::string per_chunk(double n, const std::string& what) {
  const std::string many = what.back() == 'h' ? what + "es" : what + "s";
  return format_number(n) + " " + (n == 1 ? what : many);
}

// The names an option family's values list ("none, every:N (records),
// dsync (O_DSYNC)" -> none every: dsync): what follows a ':' is typed by
// hand, "a|b" is each, a parenthesis and the words "or"/"and" are prose.
std::vector<std::string> names_in(std::string_view values) {
  std::vector<std::string> out;
  std::string text(values);
  for (auto& c : text)
    if (c == ',' || c == ';') c = ' ';
  std::istringstream words(text);
  std::string w;
  while (words >> w) {
    if (w == "or" || w == "and" || w.find_first_of("()") != std::string::npos) continue;
    if (auto colon = w.find(':'); colon != std::string::npos) w.resize(colon + 1);
    std::vector<std::string> each{w};
    if (auto eq = w.find('='); eq != std::string::npos && w.find('|') != std::string::npos) {
      each.clear();
      for (const auto& v : split(w.substr(eq + 1), '|')) each.push_back(w.substr(0, eq + 1) + v);
    }
    for (auto& e : each)
      if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  return out;
}

// What `zc-bench run OPTION` takes, one a line, for the shell completion
// (scripts/zc-bench.bash-completion): read from the registries and the
// option rows, so the completion cannot drift from the binary.
int print_completions(const std::string& option) {
  std::vector<std::string> names;
  auto strategies_of = [&](std::string_view workload) {
    for (const auto* s : Registry::instance().all())
      if (workload.empty() || s->workload() == workload) names.emplace_back(s->id());
  };
  if (option == "-s" || option == "--strategy") {
    names.push_back("all");
    strategies_of("");
  } else if (option == "--workload") {
    for (const auto* w : all_workloads()) names.emplace_back(w->id());
  } else if (option == "--preset") {
    for (const auto* w : all_workloads())
      for (const auto& p : w->presets()) names.emplace_back(p.name);
  } else if (option == "--format") {
    names = format_names();
  } else if (option == "--units") {
    names = rate_unit_names();
  } else if (option == "--consume") {
    strategies_of("transfer");  // its values are prose: any that can feed a socket
  } else {
    bool known = false;
    for (const auto* w : all_workloads())
      for (const auto& o : w->options())
        if (o.family->name == option && !known) {
          known = true;
          if (o.family->kind == OptionKind::words || o.family->kind == OptionKind::text)
            names = names_in(o.family->values);
          if (o.family->kind == OptionKind::text && o.family->values.find('|') == std::string::npos)
            names.clear();  // a path, typed or completed as a file
        }
    if (!known)
      throw UsageError("--complete: '" + option +
                       "' is not an option of zc-bench run that takes names");
  }
  std::set<std::string> seen;
  for (const auto& n : names)
    if (seen.insert(n).second) std::printf("%s\n", n.c_str());
  return 0;
}

// Every strategy under the default conditions, as `list --json` prints it.
nlohmann::json strategies_json() {
  Conditions c;
  c.size = 256ull << 20;
  c.chunk = 1 << 20;
  // The error_code overload: a TMPDIR that is missing or not this user's
  // to read only moves the probes (O_DIRECT) to /tmp; it does not end the
  // listing.
  std::error_code ec;
  c.source_dir = std::filesystem::temp_directory_path(ec);
  if (ec || ::access(c.source_dir.c_str(), W_OK) != 0) c.source_dir = "/tmp";
  nlohmann::json out = nlohmann::json::array();
  for (const auto* s : Registry::instance().all()) {
    Conditions sc = c;
    if (!s->accepts_sink(sc.sink)) sc.sink = SinkKind::file;
    auto support = s->probe(sc);
    out.push_back({{"id", s->id()},
                   {"workload", s->workload()},
                   {"data_path", s->data_path()},
                   {"conditions", {{"sink", to_string(sc.sink)}, {"cache", "hot"}}},
                   {"ledger", ledger_json(s->ledger(sc))},
                   {"supported", bool(support)},
                   {"reason", support ? "" : utf8_safe(*support.missing)}});
    if (const auto* e = dynamic_cast<const ExternalStrategy*>(s)) {
      auto command = nlohmann::json::array();
      for (const auto& w : e->program().command) command.push_back(utf8_safe(w));
      out.back()["external"] = {{"description", utf8_safe(e->program().file.string())},
                                {"command", command}};
    }
  }
  return out;
}

// `list --brief`: one line a strategy, cut to the terminal's width.
void print_brief(const nlohmann::json& out) {
  const auto width = terminal_width(stdout);
  for (const auto& s : out) {
    std::string line =
        fmt::format("{:<18} {:<8} {} CPU {}  {}", s["id"].get<std::string>(),
                    s["workload"].get<std::string>(), s["ledger"]["cpu_copies"].get<int>(),
                    s["ledger"]["cpu_copies"].get<int>() == 1 ? "copy  " : "copies",
                    s["supported"].get<bool>()
                        ? std::string("supported")
                        : "unsupported: " + terminal_text(s["reason"].get<std::string>()));
    if (line.size() > width) line = line.substr(0, width - 3) + "...";
    std::printf("%s\n", line.c_str());
  }
}

// `list`: each strategy's data path, its ledger hop by hop, and whether it
// is supported here.
void print_listing(const nlohmann::json& out) {
  for (const auto& s : out) {
    // What a description file said is escaped for the terminal.
    auto shown = [](const nlohmann::json& v) { return terminal_text(v.get<std::string>()); };
    std::printf("%-18s %s\n", s["id"].get<std::string>().c_str(), shown(s["data_path"]).c_str());
    const auto& l = s["ledger"];
    std::printf("%-18s ledger (%s sink, hot cache): %s (%d CPU, %d DMA), %s and %s per chunk\n", "",
                s["conditions"]["sink"].get<std::string>().c_str(),
                plural(l["copies"].get<int>(), "copy", "copies").c_str(),
                l["cpu_copies"].get<int>(), l["dma_copies"].get<int>(),
                per_chunk(l["syscalls_per_chunk"].get<double>(), "syscall").c_str(),
                per_chunk(l["mode_switches_per_chunk"].get<double>(), "mode switch").c_str());
    for (const auto& h : l["hops"])
      std::printf("%-18s   %s -> %s by %s (%s)%s%s\n", "", h["from"].get<std::string>().c_str(),
                  h["to"].get<std::string>().c_str(), h["by"].get<std::string>().c_str(),
                  h["side"].get<std::string>().c_str(), h.contains("note") ? ": " : "",
                  terminal_text(h.value("note", "")).c_str());
    if (s.contains("external"))
      std::printf("%-18s external program (run by name, not by 'all'): %s\n", "",
                  shown(s["external"]["description"]).c_str());
    std::printf("%-18s %s\n\n", "",
                s["supported"].get<bool>() ? "supported here"
                                           : ("unsupported: " + shown(s["reason"])).c_str());
  }
}

}  // namespace

Runner setup_list(CLI::App& app) {
  auto as_json = std::make_shared<bool>(false);
  auto brief = std::make_shared<bool>(false);
  app.add_flag("--json", *as_json, "print JSON instead of a table");
  app.add_flag("--brief", *brief,
               "one line per strategy: id, workload, CPU copies in its ledger, supported here "
               "or why not");
  auto complete = std::make_shared<std::string>();
  app.add_option("--complete", *complete,
                 "the names zc-bench run OPTION takes, one a line (for shell completion)")
      ->group("");  // hidden: the completion script's
  return [as_json, brief, complete] {
    if (!complete->empty()) return print_completions(*complete);
    if (*as_json && *brief) throw UsageError("--brief: a table's form; --json prints everything");
    auto out = strategies_json();
    // Description files and search folders that could not be used: one
    // line each on stderr (so that the JSON stays an array of strategies),
    // escaped: a file's name and text are anyone's.
    for (const auto& p : Registry::instance().problems())
      std::fprintf(stderr, "zc-bench: strategy description refused: %s\n",
                   printable(p, 1024).c_str());
    make_utf8_safe(out);  // paths and reasons: valid UTF-8 whatever their bytes
    if (*as_json)
      std::printf("%s\n", out.dump(2).c_str());
    else if (*brief)
      print_brief(out);
    else
      print_listing(out);
    return 0;
  };
}

}  // namespace zc::cmd
