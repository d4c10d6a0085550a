// Probes a strategy runs before it is measured: each answers "supported"
// or the one-line reason why not (a missing feature, privilege or file
// system), never a crash. `zc-bench env` reports the same answers.
#pragma once

#include <filesystem>
#include <string>

#include "harness/base/file_system.hpp"
#include "harness/core/strategy.hpp"

namespace zc {

// A trial O_DIRECT open (and aligned write) of a file in `dir`.
Support probe_o_direct(const std::filesystem::path& dir);
// CAP_NET_ADMIN in the current user namespace (netns, veth, ethtool).
Support probe_net_admin();
// io_uring_queue_init; refused when kernel.io_uring_disabled is set or
// seccomp blocks it.
Support probe_io_uring();

}  // namespace zc
