#include "harness/measure/receiver_report.hpp"

#include "harness/base/hash.hpp"

namespace zc {

void to_json(nlohmann::json& j, const ReceiverReport& r) {
  j = nlohmann::json{{"bytes", r.bytes},
                     {"wall_s", r.wall_s},
                     {"read_calls", r.read_calls},
                     {"poll_s", r.poll_s},
                     {"sleeping_reads", r.sleeping_reads},
                     {"user_s", r.usage.user_s},
                     {"sys_s", r.usage.sys_s},
                     {"voluntary_switches", r.usage.voluntary_switches},
                     {"involuntary_switches", r.usage.involuntary_switches},
                     {"minor_faults", r.usage.minor_faults},
                     {"major_faults", r.usage.major_faults},
                     {"evidence", r.evidence}};
  if (r.hash) {
    j["hash"] = hex64(*r.hash);
  } else {
    j["unverified_reason"] = r.unverified_reason;
  }
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.kernel.is_null()) j["kernel"] = r.kernel;
}

void from_json(const nlohmann::json& j, ReceiverReport& r) {
  r.bytes = j.at("bytes").get<std::uint64_t>();
  r.wall_s = j.at("wall_s").get<double>();
  r.read_calls = j.at("read_calls").get<std::uint64_t>();
  r.poll_s = j.value("poll_s", 0.0);
  r.sleeping_reads = j.value("sleeping_reads", std::uint64_t(0));
  r.usage.user_s = j.at("user_s").get<double>();
  r.usage.sys_s = j.at("sys_s").get<double>();
  r.usage.voluntary_switches = j.at("voluntary_switches").get<std::int64_t>();
  r.usage.involuntary_switches = j.at("involuntary_switches").get<std::int64_t>();
  r.usage.minor_faults = j.at("minor_faults").get<std::int64_t>();
  r.usage.major_faults = j.at("major_faults").get<std::int64_t>();
  r.evidence = j.value("evidence", std::map<std::string, std::uint64_t>{});
  if (j.contains("hash")) r.hash = std::stoull(j.at("hash").get<std::string>(), nullptr, 16);
  r.unverified_reason = j.value("unverified_reason", "");
  r.error = j.value("error", "");
  r.kernel = j.value("kernel", nlohmann::json());
}

}  // namespace zc
