#include "harness/run/environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <bitset>
#include <cctype>
#include <fstream>

#include "harness/base/build_info.hpp"
#include "harness/base/file_system.hpp"
#include "harness/kit/probes.hpp"
#include "harness/kit/tls.hpp"
#include "harness/measure/accounting.hpp"
#include "harness/measure/perf_counters.hpp"
#include "harness/sinks/sink.hpp"
#include "harness/sinks/zcrx_receive.hpp"

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

// The clock Google Benchmark reports as mhz_per_cpu: the TSC's, else the
// first CPU's current frequency.
nlohmann::json cpu_mhz() {
  if (auto khz = read_first_line("/sys/devices/system/cpu/cpu0/tsc_freq_khz"); !khz.empty())
    return {{"available", true}, {"value", std::stod(khz) / 1000}, {"source", "tsc_freq_khz"}};
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("cpu MHz", 0) == 0)
      return {{"available", true},
              {"value", std::stod(line.substr(line.find(':') + 1))},
              {"source", "/proc/cpuinfo cpu MHz"}};
  return {{"available", false}, {"reason", "neither tsc_freq_khz nor 'cpu MHz' in /proc/cpuinfo"}};
}

// CPU 0's caches as sysfs lists them (what Google Benchmark's context has).
nlohmann::json cpu_caches() {
  auto caches = nlohmann::json::array();
  for (int i = 0;; ++i) {
    fs::path dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i);
    auto size = read_first_line(dir / "size");
    if (size.empty()) break;
    std::uint64_t bytes = std::stoull(size);
    if (size.back() == 'K') bytes <<= 10;
    if (size.back() == 'M') bytes <<= 20;
    // shared_cpu_map: comma-separated 32-bit hex words, one bit per CPU.
    int sharing = 0;
    for (char ch : read_first_line(dir / "shared_cpu_map"))
      if (std::isxdigit(static_cast<unsigned char>(ch)))
        sharing += int(std::bitset<4>(std::stoul(std::string(1, ch), nullptr, 16)).count());
    auto level = read_first_line(dir / "level");
    caches.push_back({{"type", read_first_line(dir / "type")},
                      {"level", level.empty() ? 0 : std::stoi(level)},
                      {"size_bytes", bytes},
                      {"num_sharing", sharing}});
  }
  return caches;
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
  env["zc_bench_version"] = build_version();
  env["git_commit"] = build_commit();
  env["build_type"] = build_type();
  env["executable"] = self_executable().string();
  env["command_line"] = command_line;
  env["cpu_mhz"] = cpu_mhz();
  env["cpu_caches"] = cpu_caches();

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
  double load[3] = {0, 0, 0};
  std::ifstream("/proc/loadavg") >> load[0] >> load[1] >> load[2];
  env["load_avg"] = load;
  if (double load1 = load[0]; load1 > 0.5 * double(::sysconf(_SC_NPROCESSORS_ONLN)))
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
  // Kernel TLS (the ktls-* strategies): the "tls" ULP, probed.
  auto ktls = ktls_unavailable();
  caps["tls_ulp"] = entry(ktls ? Support::no(*ktls) : Support::yes());
  for (auto tp : {"raw_syscalls/sys_enter", "sched/sched_switch", "skb/skb_copy_datagram_iovec",
                  "filemap/mm_filemap_add_to_page_cache", "net/net_dev_start_xmit"}) {
    std::string why;
    caps["tracepoint:" + std::string(tp)] =
        entry(find_tracepoint(tp, &why) ? Support::yes() : Support::no(why));
  }
  // Receive-side zero copy beyond TCP_ZEROCOPY_RECEIVE: io_uring zcrx,
  // probed on every device of this namespace (the register call, the
  // device's header split, its queues), and devmem TCP (probed only).
  const auto zcrx = zcrx_probe_report();
  for (auto& [device, probe] : zcrx.items()) caps["io_uring_zcrx:" + device] = probe;
  auto devmem = devmem_tcp_unavailable();
  caps["devmem_tcp"] = entry(devmem ? Support::no(*devmem) : Support::yes());
  const auto measurements = describe_measurements();
  for (auto& [key, value] : measurements.items()) caps["measure:" + key] = value;
  return caps;
}

}  // namespace zc
