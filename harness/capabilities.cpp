#include "harness/capabilities.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <liburing.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>

#include "harness/accounting.hpp"
#include "harness/environment.hpp"
#include "harness/perf_counters.hpp"
#include "harness/errors.hpp"
#include "harness/fd.hpp"
#include "harness/source.hpp"

namespace zc {
namespace fs = std::filesystem;

Support probe_o_direct(const fs::path& dir) {
  auto path = dir / ".zc-bench-odirect-probe";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0600));
  int err = errno;
  std::error_code ec;
  if (!fd) {
    fs::remove(path, ec);
    return Support::no("O_DIRECT refused by " + filesystem_name(dir) + " (" + dir.string() +
                       "): " + errno_text(err));
  }
  auto buf = map_buffer(4096);
  auto n = ::pwrite(fd.get(), buf.data(), 4096, 0);
  err = errno;
  fs::remove(path, ec);
  if (n != 4096)
    return Support::no("O_DIRECT write of an aligned 4 KiB block failed on " +
                       filesystem_name(dir) + ": " + errno_text(err));
  return Support::yes();
}

Support probe_net_admin() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &hdr, data) != 0) return Support::no("capget failed");
  if (data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32))) return Support::yes();
  return Support::no("needs CAP_NET_ADMIN (run as root)");
}

Support probe_io_uring() {
  io_uring ring;
  int ret = io_uring_queue_init(2, &ring, 0);
  if (ret < 0) {
    auto disabled = read_first_line("/proc/sys/kernel/io_uring_disabled");
    return Support::no("io_uring_setup refused: " + errno_text(-ret) +
                       (disabled.empty() ? "" : " (kernel.io_uring_disabled=" + disabled + ")"));
  }
  io_uring_queue_exit(&ring);
  return Support::yes();
}

Support probe_perf_events() { return perf_events_support(); }

Support probe_tracepoint(const std::string& name) {
  std::string why;
  if (find_tracepoint(name, &why)) return Support::yes();
  return Support::no(why);
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
  caps["perf_events"] = entry(probe_perf_events());
  for (auto tp : {"raw_syscalls/sys_enter", "sched/sched_switch", "skb/skb_copy_datagram_iovec",
                  "filemap/mm_filemap_add_to_page_cache", "net/net_dev_start_xmit"})
    caps["tracepoint:" + std::string(tp)] = entry(probe_tracepoint(tp));
  const auto measurements = describe_measurements();
  for (auto& [key, value] : measurements.items()) caps["measure:" + key] = value;
  return caps;
}

}  // namespace zc
