// What `--nic sg=off,tso=on` asks of the veth sink's egress device:
// scatter-gather (sg), TCP segmentation offload (tso) and generic
// segmentation offload (gso). Only the request: ledgers depend on it; the
// sink applies it (sinks/nic.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zc {

// An absent feature is left as the device has it.
struct NicRequest {
  std::optional<bool> sg, tso, gso;
  bool empty() const { return !sg && !tso && !gso; }
  // "sg=off,tso=on" in a fixed order; "" when empty.
  std::string to_string() const;
  bool operator==(const NicRequest&) const = default;
};

// The features in the order they are spelled and applied.
struct NicFeatureName {
  const char* name;
  std::optional<bool> NicRequest::*asked;
};
inline constexpr NicFeatureName kNicFeatureNames[] = {
    {"sg", &NicRequest::sg}, {"tso", &NicRequest::tso}, {"gso", &NicRequest::gso}};

// Parses "sg=on|off,tso=on|off,gso=on|off". Throws UsageError naming the
// bad part, including combinations the kernel refuses (TSO and GSO need
// scatter-gather: with sg=off it turns them off whatever was asked).
NicRequest parse_nic_request(std::string_view text);

}  // namespace zc
