#include "harness/sinks/child_report.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "harness/base/errors.hpp"
#include "harness/measure/meters.hpp"

namespace zc {
namespace {

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended (status " + std::to_string(status) + ")";
}

}  // namespace

std::string read_report_line(int fd, std::string& pending, std::uint64_t deadline_ns,
                             const std::string& role, const char* waiting_for,
                             const std::function<std::string()>& diagnose) {
  char buf[4096];
  while (pending.find('\n') == std::string::npos) {
    auto now = now_ns();
    if (now >= deadline_ns)
      throw std::runtime_error(role + " was not " + waiting_for + " before the deadline");
    pollfd p{fd, POLLIN, 0};
    int wait_ms = int(std::min<std::uint64_t>((deadline_ns - now) / 1'000'000 + 1, 1000));
    int r = ::poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) throw std::system_error(EINTR, std::generic_category(), "poll");
    if (r <= 0) continue;
    const std::string call = "read " + role + " report";
    auto n = check_unix(::read(fd, buf, sizeof buf), call.c_str());
    if (n == 0) throw std::runtime_error(role + " " + diagnose() + " before " + waiting_for);
    pending.append(buf, std::size_t(n));
    if (pending.size() > (1 << 20)) throw std::runtime_error(role + "'s report is too long");
  }
  auto end = pending.find('\n');
  std::string line = pending.substr(0, end);
  pending.erase(0, end + 1);
  return line;
}

std::string how_child_ended(boost::process::child& child,
                            const std::optional<DeadlineWatchdog>& watchdog) {
  std::error_code ec;
  for (int i = 0; i < 50 && child.running(ec); ++i) ::usleep(10'000);
  if (child.running(ec)) return "is still running";
  std::string how = describe_exit(child.native_exit_code());
  if (watchdog && watchdog->fired()) how += " (by zc-bench: the repetition's deadline passed)";
  return how;
}

}  // namespace zc
