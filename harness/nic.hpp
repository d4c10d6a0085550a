// The egress device's offloads for the veth sink: scatter-gather (sg), TCP
// segmentation offload (tso) and generic segmentation offload (gso), set
// and read back through the SIOCETHTOOL ioctl.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace zc {

// What `--nic sg=off,tso=on` asks for; an absent feature is left as the
// device has it.
struct NicRequest {
  std::optional<bool> sg, tso, gso;
  bool empty() const { return !sg && !tso && !gso; }
  // "sg=off,tso=on" in a fixed order; "" when empty.
  std::string to_string() const;
  bool operator==(const NicRequest&) const = default;
};

// Parses "sg=on|off,tso=on|off,gso=on|off". Throws UsageError naming the
// bad part, including combinations the kernel refuses (TSO and GSO need
// scatter-gather: with sg=off it turns them off whatever was asked).
NicRequest parse_nic_request(std::string_view text);

struct NicFeatures {
  bool sg = false, tso = false, gso = false;
};

// `sock` is any socket in the device's network namespace. Both throw
// std::system_error naming the ioctl.
NicFeatures read_nic_features(int sock, const std::string& ifname);
// Applies the request in an order the kernel accepts (sg on before
// tso/gso on; tso/gso off before sg off), then reads the features back and
// throws if any asked feature is not in effect.
NicFeatures apply_nic_request(int sock, const std::string& ifname, const NicRequest& req);

// {"device", "asked": {...}, "in_effect": {"sg": bool, ...}, "method"}
nlohmann::json nic_json(const std::string& ifname, const NicRequest& asked, const NicFeatures& f);

}  // namespace zc
