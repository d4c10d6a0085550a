// Two network namespaces joined by a veth pair: the veth sink's topology.
// zc-bench creates them with iproute2's `ip` and always deletes them (the
// destructor, every error path); a namespace left by a zc-bench that was
// killed outright is swept by the next one that creates a pair.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/base/fd.hpp"

namespace zc {

// `address` (IPv4, dotted) and `port` as a socket address; throws
// std::runtime_error on a malformed address.
sockaddr_in ipv4_address(const std::string& address, std::uint16_t port);

struct VethEnd {
  std::string netns;    // "zcb-<pid>-<n>-a": named after its owner, unique per run
  std::string ifname;   // the device inside that namespace
  std::string address;  // IPv4, no prefix length
};

class VethPair {
 public:
  // Needs CAP_NET_ADMIN; throws Unsupported without it and
  // std::runtime_error (with `ip`'s own message) when a step fails, after
  // removing whatever it had created.
  VethPair();
  ~VethPair();
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

  const VethEnd& sender() const { return ends_[0]; }
  const VethEnd& receiver() const { return ends_[1]; }

  // A socket that lives in `end`'s namespace (the calling thread enters
  // it for the socket() call only).
  UniqueFd socket_in(const VethEnd& end, int domain, int type) const;
  // Runs `f` on the calling thread inside `end`'s namespace.
  void run_in(const VethEnd& end, const std::function<void()>& f) const;
  // Sets both ends' MTU (`ip link set mtu`).
  void set_mtu(unsigned mtu);

 private:
  void remove() noexcept;
  VethEnd ends_[2];
};

// The prefix that runs a program inside a namespace: {"ip", "netns", "exec", NAME}.
std::vector<std::string> netns_exec_prefix(const std::string& netns);

// Namespaces named zcb-<pid>-* whose pid is no longer alive. Returns the
// names it deleted.
std::vector<std::string> sweep_stale_namespaces();

// Runs `ip ARGS...`; throws with ip's stderr when it fails.
void run_ip(const std::vector<std::string>& args);

}  // namespace zc
