#include "harness/run/environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include "harness/base/file_system.hpp"
#include "harness/kit/probes.hpp"
#include "harness/measure/accounting.hpp"
#include "harness/measure/perf_counters.hpp"

namespace zc {
namespace fs = std::filesystem;

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
    if (line.rfind("flags", 0) == 0)
      return (line + " ").find(" " + flag + " ") != std::string::npos;
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
    warnings.push_back(
        "running in a virtual machine: steal time and noisy neighbours can move "
        "numbers between runs; compare ratios within one run");
  double load1 = 0;
  if (std::ifstream("/proc/loadavg") >> load1;
      load1 > 0.5 * double(::sysconf(_SC_NPROCESSORS_ONLN)))
    warnings.push_back("load average " + std::to_string(load1).substr(0, 4) +
                       " at start: other work competes for the CPUs");
  if (env["work_dir_filesystem"] == "tmpfs")
    warnings.push_back(
        "the work folder is on tmpfs: the source never touches a disk, cold "
        "cache means nothing and O_DIRECT cannot bypass the page cache");
  env["warnings"] = warnings;
  return env;
}

nlohmann::json describe_capabilities(const fs::path& work_dir) {
  auto entry = [](const Support& s) {
    return s ? nlohmann::json{{"available", true}}
             : nlohmann::json{{"available", false}, {"reason", *s.missing}};
  };
  nlohmann::json caps;
  caps["o_direct_work_dir"] = entry(probe_o_direct(work_dir));
  caps["net_admin"] = entry(probe_net_admin());
  caps["io_uring"] = entry(probe_io_uring());
  caps["perf_events"] = entry(perf_events_support());
  for (auto tp : {"raw_syscalls/sys_enter", "sched/sched_switch", "skb/skb_copy_datagram_iovec",
                  "filemap/mm_filemap_add_to_page_cache", "net/net_dev_start_xmit"}) {
    std::string why;
    caps["tracepoint:" + std::string(tp)] =
        entry(find_tracepoint(tp, &why) ? Support::yes() : Support::no(why));
  }
  const auto measurements = describe_measurements();
  for (auto& [key, value] : measurements.items()) caps["measure:" + key] = value;
  return caps;
}

}  // namespace zc
