#include "harness/sinks/nic.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cstring>

#include "harness/base/errors.hpp"

namespace zc {
namespace {

// The legacy per-feature ethtool commands: every kernel maps them onto
// the feature bits (NETIF_F_SG, NETIF_F_TSO*, NETIF_F_GSO) and they need
// no feature-name table, unlike ETHTOOL_GFEATURES.
// In the order of kNicFeatureNames.
struct Feature {
  const char* name;
  std::uint32_t get, set;
  std::optional<bool> NicRequest::*asked;
  bool NicFeatures::*actual;
};
constexpr Feature kFeatures[] = {
    {"sg", ETHTOOL_GSG, ETHTOOL_SSG, &NicRequest::sg, &NicFeatures::sg},
    {"tso", ETHTOOL_GTSO, ETHTOOL_STSO, &NicRequest::tso, &NicFeatures::tso},
    {"gso", ETHTOOL_GGSO, ETHTOOL_SGSO, &NicRequest::gso, &NicFeatures::gso},
};

void ethtool(int sock, const std::string& ifname, ethtool_value& v, const char* what) {
  ifreq ifr{};
  if (ifname.size() >= IFNAMSIZ) throw std::runtime_error("device name too long: " + ifname);
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  ifr.ifr_data = reinterpret_cast<char*>(&v);
  check_unix(::ioctl(sock, SIOCETHTOOL, &ifr), what);
}

bool get_one(int sock, const std::string& ifname, const Feature& f) {
  ethtool_value v{f.get, 0};
  ethtool(sock, ifname, v, "ioctl(SIOCETHTOOL get)");
  return v.data != 0;
}

void set_one(int sock, const std::string& ifname, const Feature& f, bool on) {
  ethtool_value v{f.set, on ? 1u : 0u};
  ethtool(sock, ifname, v, "ioctl(SIOCETHTOOL set)");
}

const char* on_off(bool b) { return b ? "on" : "off"; }

}  // namespace

NicFeatures read_nic_features(int sock, const std::string& ifname) {
  NicFeatures out;
  for (const auto& f : kFeatures) out.*f.actual = get_one(sock, ifname, f);
  return out;
}

NicFeatures apply_nic_request(int sock, const std::string& ifname, const NicRequest& req) {
  // Segmentation offloads depend on scatter-gather: turning sg off takes
  // them down with it, and they cannot come up while it is off.
  if (req.sg == true) set_one(sock, ifname, kFeatures[0], true);
  for (const auto& f : {kFeatures[1], kFeatures[2]})
    if (auto v = req.*f.asked) set_one(sock, ifname, f, *v);
  if (req.sg == false) set_one(sock, ifname, kFeatures[0], false);
  auto got = read_nic_features(sock, ifname);
  for (const auto& f : kFeatures)
    if (auto v = req.*f.asked; v && *v != got.*f.actual)
      throw std::runtime_error(ifname + ": asked " + f.name + "=" + on_off(*v) +
                               " but the device reports " + f.name + "=" + on_off(got.*f.actual));
  return got;
}

nlohmann::json nic_json(const std::string& ifname, const NicRequest& asked, const NicFeatures& f) {
  nlohmann::json a = nlohmann::json::object();
  for (const auto& k : kFeatures)
    if (auto v = asked.*k.asked) a[k.name] = *v;
  return {{"device", ifname},
          {"asked", a},
          {"in_effect", {{"sg", f.sg}, {"tso", f.tso}, {"gso", f.gso}}},
          {"method", "read back with ioctl(SIOCETHTOOL) after setting"}};
}

}  // namespace zc
