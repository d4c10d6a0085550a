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

std::size_t terminal_width() {
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
  reps_ = std::max(1u, plan.repetitions);
  warmup_ = plan.warmup;
  // Work is weighted by bytes moved, so a sweep's 1G runs count more than its 1M ones.
  for (const auto& spec : plan.runs) {
    index_.emplace(spec.name(), weight_.size());
    weight_.push_back(double(spec.conditions.size) * (reps_ + warmup_));
    total_ += weight_.back();
  }
  start_ns_ = now_ns();
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

std::string Progress::render(double fraction, std::size_t run_index, std::size_t runs,
                             const std::string& run, unsigned rep, unsigned reps, double eta_s,
                             std::size_t width, bool color) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  constexpr std::size_t bar = 20;
  auto filled = std::size_t(fraction * bar + 0.5);
  char head[96];
  std::snprintf(head, sizeof head, " %3d%%  %zu/%zu runs  ", int(fraction * 100 + 0.5),
                run_index + 1, runs);
  std::string tail = "  rep " + std::to_string(rep + 1) + "/" + std::to_string(reps) + "  ETA " +
                     format_eta(eta_s);
  std::string out = "[";
  if (color) out += "\033[32m";
  out += std::string(filled, '#');
  if (color) out += "\033[0m";
  out += std::string(bar - filled, '-') + "]" + head;
  // The run's name gives way first when the terminal is narrow.
  std::size_t visible = 2 + bar + std::strlen(head) + tail.size();
  std::string name = run;
  if (visible + name.size() >= width)
    name = width > visible + 4 ? name.substr(0, width - visible - 4) + "..." : "";
  return out + name + tail;
}

void Progress::repetition_started(const std::string& run, unsigned repetition) {
  if (!enabled_) return;
  auto it = index_.find(run);
  if (it == index_.end()) return;
  auto i = it->second;
  auto now = now_ns();
  // Repetitions of different runs may interleave: what is done is the sum
  // of the repetitions that started before this one (the first of a run
  // also carries its warm-up).
  double per_rep = weight_[i] / (reps_ + warmup_);
  done_ += pending_;
  pending_ = per_rep * (1 + (repetition == 0 ? warmup_ : 0));
  double fraction = total_ > 0 ? done_ / total_ : 0;
  // At most ten redraws a second: a terminal is slow and short runs are many.
  if (last_draw_ns_ && now - last_draw_ns_ < 100'000'000ull && repetition != 0) return;
  double elapsed = double(now - start_ns_) * 1e-9;
  double eta = fraction > 0.01 && elapsed > 0.5 ? elapsed * (1 - fraction) / fraction : NAN;
  auto line =
      render(fraction, i, weight_.size(), run, repetition, reps_, eta, terminal_width(), color_);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
  last_draw_ns_ = now;
}

}  // namespace zc
