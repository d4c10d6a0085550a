// The block device under a log over a repetition's window, as the run
// reports it: which device, how it was read, and whether traffic that the
// run cannot account for was seen there (other processes' reads and
// writes), so that device figures (device_write_bytes, dev amp) are never
// presented as clean when they are not.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/measure/meters.hpp"

namespace zc {

// A repetition's "storage_device": {"device", "scope", "method",
// "other_io": {"seen", "read_bytes", "dirtied_bytes", "written_bytes",
// "summary"?, "method"}}.
nlohmann::json storage_device_json(const DeviceIo& window);

// The run's "storage_device" summary from its checked repetitions
// ({"device", "other_io_seen": repetitions that saw some, "repetitions",
// "summary": the first one's}), null when none had a device; and a warning
// when other I/O was seen, naming the figures it taints.
nlohmann::json summarize_storage_device(const nlohmann::json& repetitions,
                                        std::vector<std::string>& warnings);

}  // namespace zc
