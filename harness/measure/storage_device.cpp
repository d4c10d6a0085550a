#include "harness/measure/storage_device.hpp"

namespace zc {
using nlohmann::json;

json storage_device_json(const DeviceIo& w) {
  json out = {{"device", w.device},
              {"scope", "system-wide: every process's I/O to this device counts"},
              {"method", "/sys/dev/block/MAJ:MIN/stat, sectors x 512"}};
  json other = {{"method",
                 "device sectors read beyond /proc/self/io read_bytes; /proc/vmstat nr_dirtied and "
                 "nr_written (machine-wide) beyond /proc/self/io write_bytes; each beyond " +
                     std::to_string(kOtherIoSlack / 1024) +
                     " KiB of file-system metadata. Blind to other processes' O_DIRECT writes"}};
  if (!w.own) {
    other["seen"] = nullptr;
    other["reason"] = "/proc/self/io is missing: this process's own I/O is unknown";
  } else if (auto o = other_io(w)) {
    other["seen"] = true;
    other["read_bytes"] = o->read_bytes;
    other["dirtied_bytes"] = o->dirtied_bytes;
    other["written_bytes"] = o->written_bytes;
    other["summary"] = o->summary;
  } else {
    other["seen"] = false;
  }
  out["other_io"] = other;
  return out;
}

json summarize_storage_device(const json& repetitions, std::vector<std::string>& warnings) {
  json out;
  int seen = 0, with = 0;
  std::string first;
  for (const auto& rep : repetitions) {
    if (!rep.contains("storage_device")) continue;
    const auto& d = rep["storage_device"];
    if (out.is_null()) out = {{"device", d.value("device", std::string())}};
    ++with;
    const auto& o = d.value("other_io", json::object());
    if (o.value("seen", json()) == true) {
      if (seen++ == 0) first = o.value("summary", std::string());
    }
  }
  if (out.is_null()) return out;
  out["repetitions"] = with;
  out["other_io_seen"] = seen;
  if (seen) {
    out["summary"] = first;
    warnings.push_back("other I/O on " + out["device"].get<std::string>() + " in " +
                       std::to_string(seen) + " of " + std::to_string(with) +
                       " repetitions' windows (" + first +
                       "): the device figures (device_write_bytes, dev amp) include it");
  }
  return out;
}

}  // namespace zc
