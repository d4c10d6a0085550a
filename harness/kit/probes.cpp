#include "harness/kit/probes.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"

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

}  // namespace zc
