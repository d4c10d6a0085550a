// `zc-bench merge A.json B.json ... [-o ALL.json]`: many hosts' results in
// one zc-bench/1 document (harness/report/merge.hpp), which compare, plot
// and the tables read like any other.
#include "harness/report/merge.hpp"

#include <cstdio>

#include "cmd/commands.hpp"
#include "cmd/run_output.hpp"
#include "harness/base/errors.hpp"
#include "harness/report/compare.hpp"
#include "harness/report/output.hpp"
#include "harness/report/table.hpp"

namespace zc::cmd {

namespace {

struct MergeArgs {
  std::vector<std::string> files;
  std::string output = "-";
  bool quiet = false;
  bool from_logs = false;
  OutputArgs layout;
};

// A container's log (kubectl logs of a sender Job) holds its stderr too:
// the progress line before the document and the table after it. The
// document is the lines from the first "{" alone on its line to the first
// "}" alone on its line (the JSON is written indented); it is then read as
// strictly as a file.
std::string document_in_log(const std::string& log, const std::string& path) {
  std::size_t begin = std::string::npos, end = std::string::npos;
  for (std::size_t at = 0; at < log.size();) {
    auto eol = log.find('\n', at);
    if (eol == std::string::npos) eol = log.size();
    auto line = std::string_view(log).substr(at, eol - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (begin == std::string::npos && line == "{")
      begin = at;
    else if (begin != std::string::npos && line == "}") {
      end = eol;
      break;
    }
    at = eol + 1;
  }
  if (begin == std::string::npos || end == std::string::npos)
    throw UsageError("merge: '" + path +
                     "': no results document in the log (a line \"{\" to a line \"}\"; was "
                     "the run's output -o - with --format json?)");
  return log.substr(begin, end - begin);
}

// load_results names itself "compare" in its errors.
nlohmann::json load_for_merge(const std::string& path, bool from_log) {
  try {
    if (from_log) return parse_results(document_in_log(read_results_file(path), path), path);
    return load_results(path);
  } catch (const UsageError& e) {
    std::string what = e.what();
    if (what.rfind("compare: ", 0) == 0) what = "merge: " + what.substr(9);
    throw UsageError(what);
  }
}

}  // namespace

Runner setup_merge(CLI::App& app) {
  auto a = std::make_shared<MergeArgs>();
  app.add_option("FILES", a->files,
                 "zc-bench/1 results files, one or more per host (kubectl logs of the sender "
                 "Jobs, run -o FILE)")
      ->required();
  app.add_option("-o,--output", a->output, "the merged document, '-' for stdout")
      ->capture_default_str();
  app.add_flag("-q,--quiet", a->quiet, "no table on the terminal");
  app.add_flag("--from-logs", a->from_logs,
               "each FILE is a log with the document among other lines (kubectl logs of a "
               "sender Job: its table on stderr too)");
  app.add_flag("--wide", a->layout.wide, "the table with every column, as wide as it needs");
  app.add_option("--columns", a->layout.columns,
                 "the table's columns, comma-separated ids (as for run)");
  return [a] {
    std::vector<MergeInput> inputs;
    for (const auto& f : a->files) inputs.push_back({f, load_for_merge(f, a->from_logs)});
    auto merged = merge_results(inputs);
    auto* terminal = a->output == "-" ? stderr : stdout;
    auto table = table_options(a->layout, terminal);
    if (a->output != "-") check_writable(a->output);
    write_output(merged, Format::json, a->output);
    if (!a->quiet) {
      print_table(merged, terminal, table);
      std::fprintf(stderr, "merged %zu runs from %zu files (%zu hosts)%s%s\n",
                   merged["runs"].size(), inputs.size(), merged["hosts"].size(),
                   a->output == "-" ? "" : ": ", a->output == "-" ? "" : a->output.c_str());
    }
    return 0;
  };
}

}  // namespace zc::cmd
