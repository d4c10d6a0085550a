// The egress device's offloads for the veth sink: scatter-gather (sg), TCP
// segmentation offload (tso) and generic segmentation offload (gso), set
// and read back through the SIOCETHTOOL ioctl.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/core/nic_request.hpp"

namespace zc {

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
