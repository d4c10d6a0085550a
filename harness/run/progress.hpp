// A progress bar with an ETA on stderr for long comparisons: drawn only
// when stderr is a terminal (never into a log or a pipe) and not --quiet;
// colour only when NO_COLOR is unset and TERM is not "dumb".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/run/plan.hpp"

namespace zc {

class Progress {
 public:
  Progress(const Plan& plan, bool quiet);
  ~Progress();  // clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  // Called as repetition `repetition` (0-based) of the run named `run` starts.
  void repetition_started(const std::string& run, unsigned repetition);
  void clear();

  // "[#####-----]  45%  round 2/5  read-write/tcp/...  ETA 1m05s" (rounds:
  // interleaved runs), or "... 3/8 runs  NAME  rep 2/5  ETA 1m05s" (runs back
  // to back), fitted to `width`: the run's name is cut first.
  static std::string render(double fraction, const std::string& where, const std::string& run,
                            const std::string& rep, double eta_s, std::size_t width, bool color);
  static std::string format_eta(double seconds);

  // Seconds left: each run's remaining bytes at the rate measured on it so
  // far, or at the rate of all runs so far for a run not yet measured; NaN
  // before any repetition finished.
  static double estimate_remaining(const std::vector<double>& weight,
                                   const std::vector<double>& done,
                                   const std::vector<double>& seconds);

 private:
  bool enabled_ = false;
  bool color_ = false;
  bool rounds_ = false;
  unsigned reps_ = 1, warmup_ = 0;
  bool open_ended_ = false;                   // --time: the repetitions have no fixed count
  std::map<std::string, std::size_t> index_;  // run name -> position in the plan
  std::vector<double> weight_;                // bytes one run moves, warm-up included
  std::vector<double> done_;                  // bytes of its repetitions finished
  std::vector<double> seconds_;               // the time they took
  double total_ = 0;
  std::size_t pending_run_ = 0;
  double pending_ = 0;  // weight of the repetition under way
  std::uint64_t pending_start_ns_ = 0, last_draw_ns_ = 0;
};

// NO_COLOR (https://no-color.org): present and not empty disables colour.
bool color_allowed();

}  // namespace zc
