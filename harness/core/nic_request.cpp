#include "harness/core/nic_request.hpp"

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"

namespace zc {

std::string NicRequest::to_string() const {
  std::string out;
  for (const auto& f : kNicFeatureNames)
    if (auto v = this->*f.asked)
      out += (out.empty() ? "" : ",") + std::string(f.name) + "=" + (*v ? "on" : "off");
  return out;
}

NicRequest parse_nic_request(std::string_view text) {
  NicRequest req;
  const std::string allowed = " (allowed: sg=on|off,tso=on|off,gso=on|off)";
  if (text.empty()) throw UsageError("--nic: empty setting" + allowed);
  for (const auto& part : split(std::string(text), ',')) {
    auto eq = part.find('=');
    std::string key = part.substr(0, eq),
                value = eq == std::string::npos ? "" : part.substr(eq + 1);
    const NicFeatureName* f = nullptr;
    for (const auto& k : kNicFeatureNames)
      if (key == k.name) f = &k;
    if (!f || (value != "on" && value != "off"))
      throw UsageError("--nic: '" + part + "' is not a device setting" + allowed);
    if (req.*f->asked) throw UsageError("--nic: '" + key + "' is given twice");
    req.*f->asked = value == "on";
  }
  if (req.sg == false && (req.tso == true || req.gso == true))
    throw UsageError("--nic: " + std::string(req.tso == true ? "tso" : "gso") +
                     "=on needs sg=on (without scatter-gather the kernel turns TSO and GSO off)");
  return req;
}

}  // namespace zc
