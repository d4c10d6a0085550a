// `zc-bench plot RESULTS.json [-o DIR]`: the charts of scripts/plot.py
// (matplotlib), run as a child process so the C++ side needs no plotting.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/io.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cmd/commands.hpp"
#include "harness/base/errors.hpp"
#include "harness/report/text_table.hpp"
#include "harness/sinks/sink.hpp"

namespace zc::cmd {
namespace fs = std::filesystem;
namespace bp = boost::process;

namespace {

// The installed script (<prefix>/bin/zc-bench -> <prefix>/share/zc-bench/
// plot.py), else the source tree's, where CMake saw it (a binary in the
// build tree).
fs::path find_plot_script() {
  if (const char* env = std::getenv("ZC_PLOT_SCRIPT"); env && *env) return env;
  std::error_code ec;
  auto exe_dir = self_executable().parent_path();
  for (const auto& p :
       {exe_dir / ".." / "share" / "zc-bench" / "plot.py", fs::path(ZC_PLOT_SCRIPT)})
    if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p, ec);
  return {};
}

// PATH lookup with std::filesystem (boost::process::search_path would
// need the compiled Boost.Filesystem library).
fs::path find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::error_code ec;
  for (std::size_t start = 0; start <= dirs.size();) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (end > start && fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return {};
}

// The script reads at most this much (scripts/plot.py, MAX_RESULTS_BYTES).
constexpr std::uintmax_t kMaxResultsBytes = 256u << 20;

// Refused here, in one line, before python starts: what is not a regular
// file (a FIFO would block the reader, /dev/zero never ends) or is too big.
void check_results_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw UsageError("plot: '" + path + "': " + errno_text(errno));
  const char* kind = S_ISDIR(st.st_mode)                          ? "a folder"
                     : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                     : S_ISSOCK(st.st_mode)                       ? "a socket"
                     : !S_ISREG(st.st_mode)                       ? "not a regular file"
                                                                  : nullptr;
  if (kind) throw UsageError("plot: '" + path + "' is " + kind + ", not a results file");
  if (std::uintmax_t(st.st_size) > kMaxResultsBytes)
    throw UsageError("plot: '" + path + "' is " + std::to_string(st.st_size >> 20) +
                     " MiB, larger than a results file can be (" +
                     std::to_string(kMaxResultsBytes >> 20) + " MiB)");
}

}  // namespace

Runner setup_plot(CLI::App& app) {
  auto results = std::make_shared<std::string>();
  auto out_dir = std::make_shared<std::string>();
  app.add_option("RESULTS", *results, "a zc-bench/1 results file (zc-bench run -o FILE)")
      ->required();
  app.add_option("-o,--output-dir", *out_dir,
                 "folder for the PNG and SVG files (default: next to the JSON)");
  auto units = std::make_shared<std::string>("MB/s");
  std::string names;
  for (const auto& u : rate_unit_names()) names += (names.empty() ? "" : ", ") + u;
  app.add_option("--units", *units,
                 "the charts' unit of throughput: " + names +
                     " (as run --units; the JSON keeps bytes per second)")
      ->capture_default_str();
  return [results, out_dir, units] {
    const auto unit = std::string(rate_unit(*units).name);  // checked before anything runs
    check_results_file(*results);
    auto script = find_plot_script();
    if (script.empty())
      throw std::runtime_error(
          "plot: plot.py not found in " +
          (self_executable().parent_path().parent_path() / "share" / "zc-bench").string() +
          " (reinstall zc-bench, or set ZC_PLOT_SCRIPT to scripts/plot.py)");
    auto python = find_in_path("python3");
    if (python.empty())
      throw std::runtime_error(
          "plot: python3 not found on PATH (install python3 and python3-matplotlib)");
    std::vector<std::string> args = {script.string(), *results};
    if (!out_dir->empty()) args.insert(args.end(), {"-o", *out_dir});
    args.insert(args.end(), {"--units", unit});
    // The script prints the files it wrote on stdout and one line on stderr
    // when it cannot (no matplotlib: 1, unreadable results: 2).
    bp::child child(python.string(), bp::args(args), bp::std_in < bp::null);
    child.wait();
    return child.exit_code();
  };
}

}  // namespace zc::cmd
