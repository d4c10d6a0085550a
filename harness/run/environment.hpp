// What the machine is and allows: recorded with every result and printed by
// `zc-bench env`.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace zc {

// Kernel, CPU, memory, file system of `work_dir`, governor, version and
// commit, and warnings that make numbers unstable.
nlohmann::json describe_environment(const std::filesystem::path& work_dir,
                                    const std::vector<std::string>& command_line);

// What this machine allows, as `zc-bench env` prints it: O_DIRECT in
// `work_dir`, CAP_NET_ADMIN, io_uring, perf events, each tracepoint and
// each accounting measurement, available or why not.
nlohmann::json describe_capabilities(const std::filesystem::path& work_dir);

}  // namespace zc
