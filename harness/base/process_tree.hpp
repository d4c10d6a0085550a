// Ending a process and everything it started, even what left its process
// group or session (`setsid sleep &`): zc-bench becomes the reaper of its
// orphaned descendants (PR_SET_CHILD_SUBREAPER), so that nothing a program
// started escapes to init, and finds the descendants by their parent links,
// their process group and a marker in their environment.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace zc {

// Makes this process the reaper of its orphaned descendants. Idempotent.
void become_subreaper();

// "NAME=VALUE" unique to this process and call: put it in a child's
// environment so that its descendants can be found by it.
std::string new_process_marker();

// Stops (SIGSTOP) every process descended from `root` other than root
// itself: in its process group, below it by parent links (including those
// reparented to this process), or carrying `marker` in its environment;
// repeated until no new one appears (a stopped process cannot fork).
// Returns them, for kill_and_reap().
std::vector<pid_t> freeze_descendants(pid_t root, const std::string& marker);

// SIGKILLs `pids` and reaps those that become this process's children,
// waiting at most `wait_ns` for the others to be gone.
void kill_and_reap(const std::vector<pid_t>& pids, std::uint64_t wait_ns = 2'000'000'000);

}  // namespace zc
