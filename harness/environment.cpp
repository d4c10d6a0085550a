#include "harness/environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include "harness/source.hpp"

namespace zc {
namespace fs = std::filesystem;

std::string read_first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

bool cpu_has_flag(const std::string& flag) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) return (line + " ").find(" " + flag + " ") != std::string::npos;
  return false;
}

std::uint64_t mem_total_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  while (in >> key >> kb)
    if (key == "MemTotal:") return kb * 1024;
  return 0;
}

}  // namespace

nlohmann::json describe_environment(const fs::path& work_dir,
                                    const std::vector<std::string>& command_line) {
  nlohmann::json env;
  utsname u{};
  ::uname(&u);
  env["kernel"] = std::string(u.sysname) + " " + u.release + " " + u.version;
  env["kernel_release"] = u.release;
  env["machine"] = u.machine;
  env["hostname"] = u.nodename;
  env["cpu_model"] = cpu_model();
  env["cores"] = ::sysconf(_SC_NPROCESSORS_ONLN);
  env["memory_bytes"] = mem_total_bytes();
  env["work_dir"] = work_dir.string();
  env["work_dir_filesystem"] = filesystem_name(work_dir);
  env["is_root"] = ::geteuid() == 0;
  env["zc_bench_version"] = ZC_VERSION;
  env["git_commit"] = ZC_GIT_COMMIT;
  env["command_line"] = command_line;

  std::vector<std::string> warnings;
  auto governor = read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  if (governor.empty()) {
    env["cpu_governor"] = {{"available", false},
                           {"reason", "no cpufreq in /sys (a VM, or no frequency driver)"}};
  } else {
    env["cpu_governor"] = {{"available", true}, {"value", governor}};
    if (governor != "performance")
      warnings.push_back("CPU governor is '" + governor +
                         "': frequency changes add noise (cpupower frequency-set -g performance)");
  }
  if (cpu_has_flag("hypervisor"))
    warnings.push_back("running in a virtual machine: steal time and noisy neighbours can move "
                       "numbers between runs; compare ratios within one run");
  double load1 = 0;
  if (std::ifstream("/proc/loadavg") >> load1; load1 > 0.5 * double(::sysconf(_SC_NPROCESSORS_ONLN)))
    warnings.push_back("load average " + std::to_string(load1).substr(0, 4) +
                       " at start: other work competes for the CPUs");
  if (env["work_dir_filesystem"] == "tmpfs")
    warnings.push_back("the work folder is on tmpfs: the source never touches a disk, cold "
                       "cache means nothing and O_DIRECT cannot bypass the page cache");
  env["warnings"] = warnings;
  return env;
}

}  // namespace zc
