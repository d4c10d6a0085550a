// Probes of what this machine allows, shared by `zc-bench env`, strategy
// probes and the measurement code: each answers "available" or why not.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/strategy.hpp"

namespace zc {

// A trial O_DIRECT open (and aligned read) of a file in `dir`.
Support probe_o_direct(const std::filesystem::path& dir);
// CAP_NET_ADMIN in the current user namespace (netns, veth, ethtool).
Support probe_net_admin();
// io_uring_queue_init; refused when kernel.io_uring_disabled is set or
// seccomp blocks it.
Support probe_io_uring();
// perf_event_open of a software event on this thread.
Support probe_perf_events();
// A tracepoint's id readable in tracefs, e.g. "raw_syscalls/sys_enter".
Support probe_tracepoint(const std::string& name);

// Everything above, as `zc-bench env` prints it.
nlohmann::json describe_capabilities(const std::filesystem::path& work_dir);

}  // namespace zc
