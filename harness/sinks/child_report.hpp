// What a process zc-bench starts for a run (the receiver, a producer, a
// consumer) says on its stdout, line by line ("ready", "done", its report),
// and how it ended when it stopped saying it.
#pragma once

#include <boost/process/child.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "harness/base/deadline_watchdog.hpp"

namespace zc {

// The next line the child wrote on `fd`, `pending` keeping what was read
// past it; waits until `deadline_ns`. Errors name the child by `role`;
// `diagnose` says how it ended when the pipe closes.
std::string read_report_line(int fd, std::string& pending, std::uint64_t deadline_ns,
                             const std::string& role, const char* waiting_for,
                             const std::function<std::string()>& diagnose);

// "killed by signal 9 (by zc-bench: the repetition's deadline passed)",
// "exited with status 1", or "is still running" (a dying child is given
// half a second to be reaped, so that the cause can be said).
std::string how_child_ended(boost::process::child& child,
                            const std::optional<DeadlineWatchdog>& watchdog);

}  // namespace zc
