#include "harness/sinks/netns.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/io.hpp>
#include <cstring>
#include <filesystem>
#include <istream>

#include "harness/base/errors.hpp"
#include "harness/kit/launch_lock.hpp"
#include "harness/kit/probes.hpp"

namespace zc {

sockaddr_in ipv4_address(const std::string& address, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1)
    throw std::runtime_error("bad IPv4 address " + address);
  return a;
}
namespace bp = boost::process;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "zcb-";
// Where `ip netns add` pins named namespaces.
constexpr const char* kNetnsDir = "/run/netns";

const fs::path& ip_program() {
  // The sbin folders first: root's PATH has them, a sudo'd user's may not.
  static const fs::path ip = [] {
    for (const char* c : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
      if (::access(c, X_OK) == 0) return fs::path(c);
    return fs::path();
  }();
  return ip;
}

// Enters a namespace on this thread and returns to the original on scope
// exit; sockets created meanwhile stay in the entered namespace.
class NetnsGuard {
 public:
  explicit NetnsGuard(const std::string& name) {
    original_.reset(check_unix(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC),
                               "open /proc/thread-self/ns/net"));
    auto path = std::string(kNetnsDir) + "/" + name;
    UniqueFd target(check_unix(::open(path.c_str(), O_RDONLY | O_CLOEXEC), "open netns"));
    check_unix(::setns(target.get(), CLONE_NEWNET), "setns");
  }
  ~NetnsGuard() {
    // Failing to return would leave this thread in a namespace that is
    // about to vanish; nothing sensible can continue after that.
    if (::setns(original_.get(), CLONE_NEWNET) != 0) std::terminate();
  }

 private:
  UniqueFd original_;
};

}  // namespace

void run_ip(const std::vector<std::string>& args) {
  if (ip_program().empty()) throw Unsupported("the veth sink needs iproute2's `ip` program");
  bp::ipstream err;
  bp::child c = [&] {
    std::lock_guard launch(launch_mutex());  // see launch_lock.hpp
    return bp::child(ip_program().string(), bp::args(args),
                     bp::std_in<bp::null, bp::std_out> bp::null, bp::std_err > err);
  }();
  std::string msg, line;
  while (std::getline(err, line)) msg += (msg.empty() ? "" : "; ") + line;
  c.wait();
  if (c.exit_code() != 0) {
    std::string cmd = "ip";
    for (auto& a : args) cmd += " " + a;
    throw std::runtime_error("`" + cmd + "` failed: " + (msg.empty() ? "no message" : msg));
  }
}

std::vector<std::string> netns_exec_prefix(const std::string& netns) {
  return {ip_program().string(), "netns", "exec", netns};
}

std::vector<std::string> sweep_stale_namespaces() {
  std::vector<std::string> removed;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(kNetnsDir, ec)) {
    auto name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;
    auto pid = std::strtol(name.c_str() + std::strlen(kPrefix), nullptr, 10);
    if (pid <= 0 || (::kill(pid_t(pid), 0) != 0 && errno == ESRCH)) {
      try {
        run_ip({"netns", "delete", name});
        removed.push_back(name);
      } catch (const std::exception&) {
        // Another sweeper got there first; nothing to do.
      }
    }
  }
  return removed;
}

VethPair::VethPair() {
  if (auto s = probe_net_admin(); !s) throw Unsupported(*s.missing);
  sweep_stale_namespaces();
  static std::atomic<unsigned> counter{0};
  const unsigned n = counter++;
  auto base = std::string(kPrefix) + std::to_string(::getpid()) + "-" + std::to_string(n);
  // Each end is alone in its namespace, so one /30 serves every run:
  // parallel runs never share a namespace. The device names are unique on
  // the machine all the same: tracepoints (net:net_dev_start_xmit) name the
  // device, not its namespace, and the accounting counts this pair's
  // transmits system-wide by name.
  // "zt" + pid (7 digits at most) + "." + 5 digits: within IFNAMSIZ.
  auto id = std::to_string(::getpid()) + "." + std::to_string(n % 100000);
  ends_[0] = {base + "-a", "zt" + id, "10.77.0.1"};
  ends_[1] = {base + "-b", "zr" + id, "10.77.0.2"};
  try {
    for (auto& e : ends_) run_ip({"netns", "add", e.netns});
    run_ip({"link", "add", ends_[0].ifname, "netns", ends_[0].netns, "type", "veth", "peer", "name",
            ends_[1].ifname, "netns", ends_[1].netns});
    for (auto& e : ends_) {
      run_ip({"-n", e.netns, "addr", "add", e.address + "/30", "dev", e.ifname});
      run_ip({"-n", e.netns, "link", "set", e.ifname, "up"});
    }
  } catch (...) {
    remove();
    throw;
  }
}

VethPair::~VethPair() { remove(); }

void VethPair::remove() noexcept {
  // Deleting a namespace destroys the veth end inside it, and with it the
  // peer. Sockets still open keep the namespace alive, unnamed, until they
  // close; nothing is left once they do.
  for (auto& e : ends_) {
    if (e.netns.empty() || !fs::exists(fs::path(kNetnsDir) / e.netns)) continue;
    try {
      run_ip({"netns", "delete", e.netns});
    } catch (const std::exception&) {
      std::error_code ec;
      // Last resort: `ip netns delete` is umount + unlink of this file.
      ::umount2((fs::path(kNetnsDir) / e.netns).c_str(), MNT_DETACH);
      fs::remove(fs::path(kNetnsDir) / e.netns, ec);
    }
  }
}

void VethPair::run_in(const VethEnd& end, const std::function<void()>& f) const {
  NetnsGuard enter(end.netns);
  f();
}

void VethPair::set_mtu(unsigned mtu) {
  for (auto& e : ends_)
    run_ip({"-n", e.netns, "link", "set", "dev", e.ifname, "mtu", std::to_string(mtu)});
}

UniqueFd VethPair::socket_in(const VethEnd& end, int domain, int type) const {
  NetnsGuard enter(end.netns);
  return UniqueFd(check_unix(::socket(domain, type, 0), "socket"));
}

}  // namespace zc
