#include "harness/measure/process_meter.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace zc {
namespace fs = std::filesystem;

namespace {

// Fields of a /proc stat line after the command name (which may hold
// spaces and parentheses: split after the last ')'). fields[0] is field 3
// of proc(5), the state.
std::optional<std::vector<std::string>> stat_fields(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> f;
  for (std::string w; rest >> w;) f.push_back(w);
  if (f.size() < 13) return std::nullopt;
  return f;
}

// proc(5) numbering: minflt 10, majflt 12, utime 14, stime 15.
std::uint64_t field(const std::vector<std::string>& f, int number) {
  return std::strtoull(f[std::size_t(number - 3)].c_str(), nullptr, 10);
}

std::optional<std::uint64_t> status_value(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  for (std::string k; in >> k;) {
    if (k == key) {
      std::uint64_t v = 0;
      if (in >> v) return v;
      return std::nullopt;
    }
    in.ignore(4096, '\n');
  }
  return std::nullopt;
}

// The kernel's own split (cputime_adjust): the precise total in the ratio
// of the tick-sampled user and system times; no system ticks: all user.
Usage split(std::uint64_t runtime_ns, std::uint64_t du, std::uint64_t ds) {
  Usage u;
  const double total = double(runtime_ns) * 1e-9;
  if (ds == 0) {
    u.user_s = total;
  } else if (du == 0) {
    u.sys_s = total;
  } else {
    u.user_s = total * double(du) / double(du + ds);
    u.sys_s = total - u.user_s;
  }
  return u;
}

}  // namespace

ProcessMeter::ProcessMeter(pid_t pid)
    : pid_(pid),
      clock_(std::make_unique<PerfCounterSet>(
          PerfTarget{pid, true, false},
          std::vector<PerfEventSpec>{{"task_clock_ns", "software/task-clock"}})) {}

ProcessMeter::Snapshot ProcessMeter::take(pid_t pid) {
  Snapshot s;
  const fs::path proc = "/proc/" + std::to_string(pid);
  auto group = stat_fields(proc / "stat");
  if (!group) {
    s.why_not = proc.string() + "/stat is unreadable (the process is gone?)";
    return s;
  }
  s.utime = field(*group, 14);
  s.stime = field(*group, 15);
  s.minflt = field(*group, 10);
  s.majflt = field(*group, 12);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(proc / "task", ec)) {
    Thread t;
    std::ifstream sched(e.path() / "schedstat");
    auto st = stat_fields(e.path() / "stat");
    if (!(sched >> t.runtime_ns) || !st) continue;  // it exited while we looked
    t.utime = field(*st, 14);
    t.stime = field(*st, 15);
    t.minflt = field(*st, 10);
    t.majflt = field(*st, 12);
    t.voluntary =
        std::int64_t(status_value(e.path() / "status", "voluntary_ctxt_switches:").value_or(0));
    t.involuntary =
        std::int64_t(status_value(e.path() / "status", "nonvoluntary_ctxt_switches:").value_or(0));
    s.threads[pid_t(std::stol(e.path().filename().string()))] = t;
  }
  if (s.threads.empty()) {
    s.why_not = proc.string() + "/task/*/schedstat is unreadable (kernel without schedstats?)";
    return s;
  }
  std::ifstream io(proc / "io");
  if (io) {
    StorageIo v;
    std::string key;
    std::uint64_t value;
    bool r = false, w = false;
    while (io >> key >> value) {
      if (key == "read_bytes:") v.read_bytes = value, r = true;
      if (key == "write_bytes:") v.write_bytes = value, w = true;
    }
    if (r && w) s.io = v;
  }
  if (!s.io)
    s.io_why = proc.string() + "/io is unreadable (CONFIG_TASK_IO_ACCOUNTING, or not ours)";
  s.ok = true;
  return s;
}

void ProcessMeter::start() {
  const std::string proc = "/proc/" + std::to_string(pid_);
  std::ofstream clear(proc + "/clear_refs");
  rss_window_ = clear && (clear << "5").flush();
  if (!rss_window_)
    rss_why_ = "cannot reset the program's peak RSS (" + proc +
               "/clear_refs: " + std::strerror(errno) + ")";
  at_start_ = take(pid_);
  clock_->start();
}

void ProcessMeter::stop() {
  clock_->stop();
  auto r = clock_->read();
  if (!clock_->available())
    clock_why_ = clock_->reason();
  else if (auto it = r.find("task_clock_ns"); it != r.end() && it->second.available)
    task_clock_ns_ = it->second.count;
  else
    clock_why_ = it == r.end() ? "task-clock not opened" : it->second.reason;
  at_stop_ = take(pid_);
  if (rss_window_) {
    peak_rss_ = status_value("/proc/" + std::to_string(pid_) + "/status", "VmHWM:");
    if (peak_rss_)
      *peak_rss_ *= 1024;
    else
      rss_why_ = "the program's /proc status has no VmHWM";
  }
}

Usage ProcessMeter::usage() const {
  if (!at_start_.ok || !at_stop_.ok) return {};
  std::uint64_t runtime = 0;
  std::int64_t vol = 0, invol = 0;
  for (const auto& [tid, b] : at_stop_.threads) {
    auto a = at_start_.threads.find(tid);
    const Thread zero;
    const Thread& from = a == at_start_.threads.end() ? zero : a->second;  // started in the window
    runtime += b.runtime_ns - std::min(b.runtime_ns, from.runtime_ns);
    vol += b.voluntary - from.voluntary;
    invol += b.involuntary - from.involuntary;
  }
  auto du = at_stop_.utime - std::min(at_stop_.utime, at_start_.utime);
  auto ds = at_stop_.stime - std::min(at_stop_.stime, at_start_.stime);
  Usage u = split(task_clock_ns_.value_or(runtime), du, ds);
  u.voluntary_switches = vol;
  u.involuntary_switches = invol;
  u.minor_faults = std::int64_t(at_stop_.minflt - at_start_.minflt);
  u.major_faults = std::int64_t(at_stop_.majflt - at_start_.majflt);
  return u;
}

std::optional<Usage> ProcessMeter::thread_usage(pid_t tid) const {
  auto a = at_start_.threads.find(tid), b = at_stop_.threads.find(tid);
  if (a == at_start_.threads.end() || b == at_stop_.threads.end()) return std::nullopt;
  const auto &x = a->second, &y = b->second;
  Usage u = split(y.runtime_ns - x.runtime_ns, y.utime - x.utime, y.stime - x.stime);
  u.voluntary_switches = y.voluntary - x.voluntary;
  u.involuntary_switches = y.involuntary - x.involuntary;
  u.minor_faults = std::int64_t(y.minflt - x.minflt);
  u.major_faults = std::int64_t(y.majflt - x.majflt);
  return u;
}

std::optional<StorageIo> ProcessMeter::io(std::string* why_not) const {
  if (at_start_.io && at_stop_.io) {
    StorageIo d;
    d.read_bytes = at_stop_.io->read_bytes - at_start_.io->read_bytes;
    d.write_bytes = at_stop_.io->write_bytes - at_start_.io->write_bytes;
    return d;
  }
  if (why_not) *why_not = !at_start_.io_why.empty() ? at_start_.io_why : at_stop_.io_why;
  return std::nullopt;
}

std::optional<std::uint64_t> ProcessMeter::peak_rss_bytes(std::string* why_not) const {
  if (!peak_rss_ && why_not) *why_not = rss_why_;
  return peak_rss_;
}

nlohmann::json ProcessMeter::describe() const {
  if (!at_start_.ok || !at_stop_.ok)
    return {{"available", false}, {"reason", !at_start_.ok ? at_start_.why_not : at_stop_.why_not}};
  int started = 0, ended = 0;
  for (const auto& [tid, t] : at_stop_.threads) started += !at_start_.threads.count(tid);
  for (const auto& [tid, t] : at_start_.threads) ended += !at_stop_.threads.count(tid);
  // A thread that ended in the window took its CPU since the start with it.
  return {{"available", true},
          {"threads_at_start", at_start_.threads.size()},
          {"threads_at_end", at_stop_.threads.size()},
          {"threads_started", started},
          {"threads_ended", ended},
          {"cpu_method",
           std::string(task_clock_ns_
                           ? "perf task-clock on every thread the program created (inherit_thread)"
                           : "sum of every live thread's sum_exec_runtime (/proc/PID/task/*/"
                             "schedstat; perf refused: " +
                                 clock_why_ + ")") +
               "; user/system split in the ratio of /proc/PID/stat utime:stime (USER_HZ ticks, "
               "as the kernel splits getrusage's; under ~10 ms the split says little)"},
          {"switches_method", "voluntary/nonvoluntary_ctxt_switches of every thread, summed"},
          {"faults_method", "minflt/majflt of /proc/PID/stat (the whole group)"}};
}

}  // namespace zc
