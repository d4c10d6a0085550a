// One process launch at a time in this process.
//
// Boost.Process 1.74 (posix/executor.hpp: `::pipe(p)`, then
// `fcntl(p[1], F_SETFD, FD_CLOEXEC)`) creates its exec-error pipe without
// O_CLOEXEC and sets the flag a moment later. A second thread forking in
// between gives its child that pipe's write end, which survives its exec,
// so the first launch waits for EOF until that other child exits. With
// --streams, N threads start their receivers or producers at once and the
// other child only exits after the streams' barrier, which waits for the
// first: both wait until the deadline (the likely cause of one "receiver
// was not ready before the deadline" with sendfile --streams 2 under load,
// not reproduced since). Every bp::child is made under this lock.
#pragma once

#include <mutex>

namespace zc {

inline std::mutex& launch_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace zc
