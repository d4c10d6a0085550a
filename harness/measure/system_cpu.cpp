#include "harness/measure/system_cpu.hpp"

#include <unistd.h>

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
  return s;
}

}  // namespace zc
