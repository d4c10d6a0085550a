#include "harness/run/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/measure/meters.hpp"

namespace zc {

bool color_allowed() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return !(no_color && *no_color) && !(term && std::strcmp(term, "dumb") == 0);
}

namespace {

// COLUMNS when set, else stderr's width when it is a terminal, else 80.
std::size_t terminal_width() {
  if (const char* env = std::getenv("COLUMNS"); env && *env) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (*end == '\0' && n > 20) return std::size_t(n);
  }
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}

}  // namespace

Progress::Progress(const Plan& plan, bool quiet) {
  const char* term = std::getenv("TERM");
  enabled_ = !quiet && ::isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
  if (!enabled_) return;
  color_ = color_allowed();
  rounds_ = plan.interleave;
  reps_ = std::max(1u, plan.adaptive.on ? plan.adaptive.max_repetitions : plan.repetitions);
  if (plan.adaptive.time_s > 0 && !plan.runs.empty()) {
    // --time: as many repetitions as the time holds at an assumed 500 MB/s
    // (an estimate for the bar; the count is shown without a total).
    const double one = double(plan.runs.front().conditions.size) / 500e6 + 0.05;
    reps_ = unsigned(std::clamp(std::ceil(plan.adaptive.time_s / one), 1.0,
                                double(plan.adaptive.max_repetitions)));
    open_ended_ = true;
  }
  warmup_ = plan.warmup;
  // Work is weighted by bytes moved, so a sweep's 1G runs count more than its 1M ones.
  for (const auto& spec : plan.runs) {
    index_.emplace(spec.name(), weight_.size());
    weight_.push_back(double(spec.conditions.size) * (reps_ + warmup_));
    total_ += weight_.back();
  }
  done_.assign(weight_.size(), 0);
  seconds_.assign(weight_.size(), 0);
}

Progress::~Progress() { clear(); }

void Progress::clear() {
  if (enabled_ && last_draw_ns_) std::fputs("\r\033[K", stderr), std::fflush(stderr);
  last_draw_ns_ = 0;
}

std::string Progress::format_eta(double s) {
  if (!std::isfinite(s) || s < 0) return "--";
  char buf[32];
  auto t = static_cast<long long>(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, t / 60 % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%llds", t);
  return buf;
}

std::string Progress::render(double fraction, const std::string& where, const std::string& run,
                             const std::string& rep, double eta_s, std::size_t width, bool color) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  char pct[16];
  std::snprintf(pct, sizeof pct, " %3d%%  ", int(fraction * 100 + 0.5));
  std::string head = pct + where + "  ";
  std::string eta = "  ETA " + format_eta(eta_s);
  std::string tail = (rep.empty() ? "" : "  " + rep) + eta;
  // Narrow terminals: the bar shrinks to 4, then "rep i/n" goes.
  std::size_t bar = 20;
  auto fixed = [&] { return 2 + bar + head.size() + tail.size(); };
  if (fixed() > width) bar = std::max<std::size_t>(4, bar - std::min(bar, fixed() - width));
  if (fixed() > width) tail = eta;
  auto filled = std::size_t(fraction * double(bar) + 0.5);
  std::string out = "[";
  if (color) out += "\033[32m";
  out += std::string(filled, '#');
  if (color) out += "\033[0m";
  out += std::string(bar - filled, '-') + "]" + head;
  // The run's name gives way first when the terminal is narrow: its start
  // (the strategy) and its end (the parameters that vary) are kept.
  std::size_t visible = fixed();
  std::string name = run;
  if (visible + name.size() >= width) {
    std::size_t room = width > visible + 1 ? width - visible - 1 : 0;
    if (room < 8) {
      name.clear();
    } else {
      std::size_t keep = room - 3, front = (keep + 1) / 2;
      name = name.substr(0, front) + "..." + name.substr(name.size() - (keep - front));
    }
  }
  return out + name + tail;
}

double Progress::estimate_remaining(const std::vector<double>& weight,
                                    const std::vector<double>& done,
                                    const std::vector<double>& seconds) {
  double all_done = 0, all_seconds = 0;
  for (std::size_t i = 0; i < weight.size(); ++i) all_done += done[i], all_seconds += seconds[i];
  if (!(all_done > 0 && all_seconds > 0)) return NAN;
  double left = 0;
  for (std::size_t i = 0; i < weight.size(); ++i) {
    double rate = done[i] > 0 && seconds[i] > 0 ? done[i] / seconds[i] : all_done / all_seconds;
    left += std::max(0.0, weight[i] - done[i]) / rate;
  }
  return left;
}

void Progress::repetition_started(const std::string& run, unsigned repetition) {
  if (!enabled_) return;
  auto it = index_.find(run);
  if (it == index_.end()) return;
  auto i = it->second;
  auto now = now_ns();
  // The repetition before this one has finished: its bytes at its time
  // (the first of a run also carries its warm-up).
  if (pending_start_ns_) {
    done_[pending_run_] += pending_;
    seconds_[pending_run_] += double(now - pending_start_ns_) * 1e-9;
  }
  double per_rep = weight_[i] / (reps_ + warmup_);
  pending_run_ = i;
  pending_ = per_rep * (1 + (repetition == 0 ? warmup_ : 0));
  pending_start_ns_ = now;
  double finished = 0;
  for (double d : done_) finished += d;
  double fraction = total_ > 0 ? finished / total_ : 0;
  // At most ten redraws a second: a terminal is slow and short runs are many.
  if (last_draw_ns_ && now - last_draw_ns_ < 100'000'000ull && repetition != 0) return;
  double eta = estimate_remaining(weight_, done_, seconds_);
  std::string where = rounds_
                          ? "round " + std::to_string(repetition + 1) +
                                (open_ended_ ? "" : "/" + std::to_string(reps_))
                          : std::to_string(i + 1) + "/" + std::to_string(weight_.size()) + " runs";
  std::string rep = rounds_ ? ""
                            : "rep " + std::to_string(repetition + 1) +
                                  (open_ended_ ? "" : "/" + std::to_string(reps_));
  auto line = render(fraction, where, run, rep, eta, terminal_width(), color_);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
  last_draw_ns_ = now;
}

}  // namespace zc
