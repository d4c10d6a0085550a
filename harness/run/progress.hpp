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

  // "[#####-----]  45%  3/8 runs  read-write/tcp/... rep 2/5  ETA 1m05s", fitted to `width`.
  static std::string render(double fraction, std::size_t run_index, std::size_t runs,
                            const std::string& run, unsigned rep, unsigned reps, double eta_s,
                            std::size_t width, bool color);
  static std::string format_eta(double seconds);

 private:
  bool enabled_ = false;
  bool color_ = false;
  unsigned reps_ = 1, warmup_ = 0;
  std::map<std::string, std::size_t> index_;  // run name -> position in the plan
  std::vector<double> weight_;                // bytes one run moves, warm-up included
  double total_ = 0;
  double done_ = 0;     // weight of the repetitions finished
  double pending_ = 0;  // weight of the one under way
  std::uint64_t start_ns_ = 0, last_draw_ns_ = 0;
};

// NO_COLOR (https://no-color.org): present and not empty disables colour.
bool color_allowed();

}  // namespace zc
