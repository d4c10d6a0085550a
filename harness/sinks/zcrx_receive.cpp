#include "harness/sinks/zcrx_receive.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <liburing.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/io.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <istream>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/hash.hpp"
#include "harness/kit/launch_lock.hpp"

// The zcrx uapi (Linux 6.15 and later, include/uapi/linux/io_uring.h, since
// 6.18 also linux/io_uring/zcrx.h): Debian 12's liburing 2.3 and kernel
// headers predate it. Declared here as the kernel documents it
// (Documentation/networking/iou-zcrx.rst); a header that has them wins.
#ifndef IORING_ZCRX_AREA_SHIFT
#define IORING_ZCRX_AREA_SHIFT 48
#define IORING_ZCRX_AREA_MASK (~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))
struct io_uring_zcrx_rqe {
  __u64 off;
  __u32 len;
  __u32 __pad;
};
struct io_uring_zcrx_cqe {
  __u64 off;
  __u64 __pad;
};
struct io_uring_zcrx_offsets {
  __u32 head;
  __u32 tail;
  __u32 rqes;
  __u32 __resv2;
  __u64 __resv[2];
};
struct io_uring_zcrx_area_reg {
  __u64 addr;
  __u64 len;
  __u64 rq_area_token;
  __u32 flags;
  __u32 dmabuf_fd;
  __u64 __resv2[2];
};
struct io_uring_zcrx_ifq_reg {
  __u32 if_idx;
  __u32 if_rxq;
  __u32 rq_entries;
  __u32 flags;
  __u64 area_ptr;
  __u64 region_ptr;
  struct io_uring_zcrx_offsets offsets;
  __u32 zcrx_id;
  __u32 rx_buf_len;
  __u64 __resv[3];
};
#endif
#ifndef IORING_MEM_REGION_TYPE_USER
#define IORING_MEM_REGION_TYPE_USER 1
struct io_uring_region_desc {
  __u64 user_addr;
  __u64 size;
  __u32 flags;
  __u32 id;
  __u64 mmap_offset;
  __u64 __resv[4];
};
#endif

namespace zc {
namespace fs = std::filesystem;
namespace bp = boost::process;

namespace {

constexpr unsigned kRegisterZcrxIfq = 32;  // IORING_REGISTER_ZCRX_IFQ
constexpr std::uint8_t kOpRecvZc = 58;     // IORING_OP_RECV_ZC
constexpr unsigned kRecvMultishot = 1u << 1;
constexpr unsigned kRqEntries = 4096;

const char* errno_name(int err) {
  switch (err) {
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    case EINVAL:
      return "EINVAL";
    case EPERM:
      return "EPERM";
    case ENODEV:
      return "ENODEV";
    case ENOMEM:
      return "ENOMEM";
    case EEXIST:
      return "EEXIST";
    case EBUSY:
      return "EBUSY";
    case ENOSYS:
      return "ENOSYS";
    case EFAULT:
      return "EFAULT";
    default:
      return nullptr;
  }
}

std::string errno_words(int err) {
  const char* name = errno_name(err);
  return (name ? std::string(name) : "errno " + std::to_string(err)) + " (" + errno_text(err) + ")";
}

// What the register call's errno means for the device, in the order the
// kernel checks (io_uring/zcrx.c).
std::string register_meaning(int err) {
  switch (err) {
    case EPERM:
      return "registering a NIC queue needs CAP_NET_ADMIN";
    case EOPNOTSUPP:
      return "the device offers no queue to a memory provider (no queue API and no DMA "
             "device: loopback, veth and virtio-net have none)";
    case ENODEV:
      return "no such device in this network namespace";
    case EINVAL:
      return "the kernel refused the registration (this kernel predates zcrx, or the queue is "
             "out of range or not set up for header split)";
    case EEXIST:
    case EBUSY:
      return "the queue already has a memory provider (another zcrx or devmem user)";
    default:
      return "the register call failed";
  }
}

unsigned count_rx_queues(const std::string& device) {
  unsigned n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/class/net/" + device + "/queues", ec))
    n += e.path().filename().string().rfind("rx-", 0) == 0;
  return n;
}

const fs::path& ethtool_program() {
  static const fs::path p = [] {
    for (const char* c : {"/usr/sbin/ethtool", "/sbin/ethtool", "/usr/bin/ethtool"})
      if (::access(c, X_OK) == 0) return fs::path(c);
    return fs::path();
  }();
  return p;
}

// `ethtool -g DEV`'s "TCP data split:" value; the device's header split as
// the kernel's ethtool netlink reports it (no ioctl carries it).
std::string tcp_data_split(const std::string& device) {
  if (ethtool_program().empty()) return "unknown: no ethtool program";
  try {
    bp::ipstream out;
    bp::child c = [&] {
      std::lock_guard launch(launch_mutex());
      return bp::child(ethtool_program().string(), bp::args({"-g", device}),
                       bp::std_in<bp::null, (bp::std_out & bp::std_err)> out);
    }();
    std::string line, value, last;
    while (std::getline(out, line)) {
      if (!line.empty()) last = line;
      auto at = line.find("TCP data split:");
      if (at == std::string::npos) continue;
      value = line.substr(at + 15);
      value.erase(0, value.find_first_not_of(" \t"));
    }
    c.wait();
    if (!value.empty()) return value;
    return "unknown: ethtool -g " + device + ": " + (last.empty() ? "no output" : last);
  } catch (const std::exception& e) {
    return std::string("unknown: ethtool -g: ") + e.what();
  }
}

// The ring, the area and the refill ring one registration needs; every
// piece is released with the object (closing the ring unregisters).
struct ZcrxQueue {
  io_uring ring{};
  bool ring_ok = false;
  Mapping area, refill;
  io_uring_zcrx_area_reg area_reg{};
  io_uring_region_desc region{};
  io_uring_zcrx_ifq_reg reg{};

  ~ZcrxQueue() {
    if (ring_ok) io_uring_queue_exit(&ring);
  }

  // Empty when the ring and the memory are ready, else the failing step.
  std::string set_up(std::size_t area_bytes) {
    io_uring_params p{};
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32;
    if (int rc = io_uring_queue_init_params(64, &ring, &p); rc < 0)
      return "io_uring_setup with SINGLE_ISSUER | DEFER_TASKRUN | CQE32 failed: " +
             errno_words(-rc);
    ring_ok = true;
    const std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
    auto anon = [](std::size_t len) -> Mapping {
      void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      return m == MAP_FAILED ? Mapping() : Mapping(m, len);
    };
    area = anon(area_bytes);
    std::size_t ring_size =
        (kRqEntries * sizeof(io_uring_zcrx_rqe) + page + page - 1) / page * page;
    refill = anon(ring_size);
    if (!area.data() || !refill.data()) return "mmap of the area or the refill ring failed";
    area_reg.addr = reinterpret_cast<std::uint64_t>(area.data());
    area_reg.len = area_bytes;
    region.user_addr = reinterpret_cast<std::uint64_t>(refill.data());
    region.size = ring_size;
    region.flags = IORING_MEM_REGION_TYPE_USER;
    return {};
  }

  // 0, or the register call's errno.
  int register_queue(unsigned if_idx, unsigned queue) {
    reg.if_idx = if_idx;
    reg.if_rxq = queue;
    reg.rq_entries = kRqEntries;
    reg.area_ptr = reinterpret_cast<std::uint64_t>(&area_reg);
    reg.region_ptr = reinterpret_cast<std::uint64_t>(&region);
    long rc = ::syscall(__NR_io_uring_register, ring.ring_fd, kRegisterZcrxIfq, &reg, 1);
    return rc < 0 ? errno : 0;
  }
};

std::string reason_of(const ZcrxProbe& p) {
  std::string why = "zcrx on " + p.device + " queue " + std::to_string(p.queue) + ": ";
  if (!p.setup.empty())
    why += p.setup;
  else
    why += "IORING_REGISTER_ZCRX_IFQ failed with " + errno_words(p.register_errno) + ": " +
           register_meaning(p.register_errno);
  why += "; tcp-data-split " + p.tcp_data_split;
  if (p.tcp_data_split.rfind("unknown", 0) != 0) why += " (ethtool -g " + p.device + ")";
  if (p.tcp_data_split != "on") why += ": no header split";
  why += "; " + std::to_string(p.rx_queues) + " rx queue" + (p.rx_queues == 1 ? "" : "s");
  if (p.rx_queues < 2) why += " (zcrx takes a queue the flow is steered to, apart from RSS)";
  return why;
}

}  // namespace

nlohmann::json ZcrxProbe::to_json() const {
  nlohmann::json j = {{"device", device},
                      {"queue", queue},
                      {"rx_queues", rx_queues},
                      {"tcp_data_split", tcp_data_split},
                      {"available", !unsupported}};
  if (register_errno >= 0)
    j["register_errno"] = register_errno ? errno_words(register_errno) : "0 (registered)";
  if (unsupported) j["reason"] = *unsupported;
  return j;
}

ZcrxProbe probe_zcrx(const std::string& device, unsigned queue) {
  ZcrxProbe p;
  p.device = device;
  p.queue = queue;
  p.rx_queues = count_rx_queues(device);
  p.tcp_data_split = tcp_data_split(device);
  unsigned idx = ::if_nametoindex(device.c_str());
  ZcrxQueue q;
  if (idx == 0)
    p.setup = "no device " + device + " in this network namespace";
  else
    p.setup = q.set_up(1 << 20);
  if (p.setup.empty()) p.register_errno = q.register_queue(idx, queue);
  if (p.register_errno != 0) p.unsupported = reason_of(p);
  return p;
}

std::optional<std::string> zcrx_unsupported_on(const std::string& device, unsigned queue) {
  return probe_zcrx(device, queue).unsupported;
}

std::string device_of_socket(int fd) {
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return {};
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string name;
  for (auto* a = list; a && name.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != local.ss_family) continue;
    if (local.ss_family == AF_INET &&
        reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr ==
            reinterpret_cast<sockaddr_in*>(&local)->sin_addr.s_addr)
      name = a->ifa_name;
    if (local.ss_family == AF_INET6 &&
        std::memcmp(&reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr,
                    &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, sizeof(in6_addr)) == 0)
      name = a->ifa_name;
  }
  ::freeifaddrs(list);
  return name;
}

// Untested on this machine (no NIC with header split): written to the
// kernel's documented interface, and run only where the probe registered.
namespace {

// The socket's device's --rx-queue registered with the ring; Unsupported
// saying why not.
void register_zcrx_queue(int fd, const ReceiverOptions& opts, ZcrxQueue& q) {
  auto device = device_of_socket(fd);
  if (device.empty()) throw Unsupported("zcrx: the socket's device could not be found");
  ZcrxProbe p;
  p.device = device;
  p.queue = opts.rx_queue;
  p.rx_queues = count_rx_queues(device);
  p.setup = q.set_up(std::size_t(64) << 20);
  if (p.setup.empty())
    p.register_errno = q.register_queue(::if_nametoindex(device.c_str()), opts.rx_queue);
  if (p.register_errno != 0) {
    p.tcp_data_split = tcp_data_split(device);
    throw Unsupported(reason_of(p));
  }
}

// The refill ring: each buffer handed back to the NIC's queue once hashed.
class RefillRing {
 public:
  explicit RefillRing(ZcrxQueue& q)
      : base_(static_cast<char*>(q.refill.data())),
        ktail_(reinterpret_cast<std::uint32_t*>(base_ + q.reg.offsets.tail)),
        rqes_(reinterpret_cast<io_uring_zcrx_rqe*>(base_ + q.reg.offsets.rqes)),
        mask_(q.reg.rq_entries - 1),
        token_(q.area_reg.rq_area_token) {}

  void give_back(std::uint64_t at, std::uint32_t len) {
    auto& rqe = rqes_[tail_ & mask_];
    rqe.off = at | token_;
    rqe.len = len;
    std::atomic_ref<std::uint32_t>(*ktail_).store(++tail_, std::memory_order_release);
  }

 private:
  char* base_;
  std::uint32_t* ktail_;
  io_uring_zcrx_rqe* rqes_;
  std::uint32_t tail_ = 0;
  const std::uint32_t mask_;
  const std::uint64_t token_;
};

}  // namespace

void receive_zcrx(int fd, const ReceiverOptions& opts, ReceiverReport& r) {
  ZcrxQueue q;
  register_zcrx_queue(fd, opts, q);
  RefillRing refill(q);
  auto& completions = r.evidence["zcrx_completions"];
  auto& zc_bytes = r.evidence["zcrx_bytes"];
  StreamHash hash;

  auto arm = [&] {
    io_uring_sqe* sqe = io_uring_get_sqe(&q.ring);
    io_uring_prep_rw(kOpRecvZc, sqe, fd, nullptr, 0, 0);
    sqe->ioprio |= kRecvMultishot;
    sqe->file_index = q.reg.zcrx_id;  // the union's zcrx_ifq_idx
  };
  arm();
  bool done = false;
  while (!done) {
    int rc = io_uring_submit_and_wait(&q.ring, 1);
    ++r.read_calls;
    if (rc == -EINTR) continue;
    check_neg_errno(rc, "io_uring_submit_and_wait(RECV_ZC)");
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    bool rearm = false;
    io_uring_for_each_cqe(&q.ring, head, cqe) {
      ++seen;
      ++completions;
      if (cqe->res < 0)
        throw std::system_error(-cqe->res, std::generic_category(), "RECV_ZC completion");
      if (cqe->res == 0) {
        done = true;  // end of stream
        continue;
      }
      auto* rcqe = reinterpret_cast<io_uring_zcrx_cqe*>(cqe + 1);
      const std::uint64_t at = rcqe->off & ~IORING_ZCRX_AREA_MASK;
      hash.update(static_cast<char*>(q.area.data()) + at, std::size_t(cqe->res));
      zc_bytes += std::uint64_t(cqe->res);
      r.bytes += std::uint64_t(cqe->res);
      refill.give_back(at, std::uint32_t(cqe->res));
      if (!(cqe->flags & IORING_CQE_F_MORE)) rearm = true;
    }
    io_uring_cq_advance(&q.ring, seen);
    if (rearm && !done) arm();
  }
  r.hash = hash.digest();
}

std::optional<std::string> devmem_tcp_unavailable() {
  std::vector<std::string> missing;
  std::error_code ec;
  if (!fs::exists("/dev/udmabuf", ec)) missing.push_back("no dmabuf source (udmabuf)");
  bool split = false;
  for (const auto& e : fs::directory_iterator("/sys/class/net", ec))
    split |= tcp_data_split(e.path().filename().string()) == "on";
  if (!split) missing.push_back("no header-split NIC");
  if (missing.empty()) return std::nullopt;
  std::string why;
  for (std::size_t i = 0; i < missing.size(); ++i) why += (i ? " and " : "") + missing[i];
  return why;
}

nlohmann::json zcrx_probe_report() {
  nlohmann::json out = nlohmann::json::object();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/class/net", ec)) {
    auto name = e.path().filename().string();
    out[name] = probe_zcrx(name).to_json();
  }
  return out;
}

}  // namespace zc
