#include "harness/measure/system_cpu.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace zc {

std::optional<SystemCpu> SystemCpu::now(std::string* why_not) {
  std::ifstream in("/proc/stat");
  std::string line;
  if (!std::getline(in, line) || line.rfind("cpu ", 0) != 0) {
    if (why_not) *why_not = "/proc/stat is not readable";
    return std::nullopt;
  }
  std::istringstream fields(line.substr(4));
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                     steal = 0;
  fields >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  if (!fields) {
    if (why_not) *why_not = "/proc/stat has an unexpected cpu line";
    return std::nullopt;
  }
  const double tick = 1.0 / double(::sysconf(_SC_CLK_TCK));
  SystemCpu s;
  s.busy_s = double(user + nice + system + irq + softirq + steal) * tick;
  s.softirq_s = double(softirq) * tick;
  s.irq_s = double(irq) * tick;
  // "some avg10=0.00 avg60=0.00 avg300=0.00 total=<microseconds>"
  std::ifstream psi("/proc/pressure/cpu");
  std::string some;
  if (std::getline(psi, some) && some.rfind("some ", 0) == 0)
    if (auto at = some.find("total="); at != std::string::npos)
      s.waiting_s = std::strtod(some.c_str() + at + 6, nullptr) * 1e-6;
  return s;
}

}  // namespace zc
