// Small syscall helpers shared by strategies: each counts the calls it makes.
// Also what every strategy needs from base/: the error helpers
// (check_unix, check_neg_errno, Unsupported) and the RAII owners of fds and
// mappings, so that a strategy includes only core/ and kit/.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/core/strategy.hpp"

namespace zc {

// write() until all `len` bytes are accepted (sockets and pipes may take
// less); counts every call and the bytes handed over from user memory.
inline void write_all(int fd, const char* data, std::uint64_t len, CallCounters& c) {
  while (len > 0) {
    auto n = check_unix(::write(fd, data, len), "write");
    ++c.syscalls;
    c.bytes_from_user += std::uint64_t(n);
    data += n;
    len -= std::uint64_t(n);
  }
}

// recv() until all `len` bytes are in `data` (MSG_WAITALL asks the kernel
// for all of them in one call; a signal may still cut one short). Counts
// every call and the bytes copied into user memory; calls after the first
// land in evidence["short_receive_calls"] too (calls a ledger does not
// model). Throws when the peer ends the stream early.
inline void recv_all(int fd, char* data, std::uint64_t len, CallCounters& c) {
  for (bool first = true; len > 0; first = false) {
    auto n = check_unix(::recv(fd, data, len, MSG_WAITALL), "recv");
    ++c.syscalls;
    if (!first) ++c.evidence["short_receive_calls"];
    if (n == 0)
      throw std::runtime_error("the peer ended its stream " + std::to_string(len) + " bytes early");
    c.bytes_to_user += std::uint64_t(n);
    data += n;
    len -= std::uint64_t(n);
  }
}

inline std::uint64_t next_chunk(std::uint64_t offset, std::uint64_t size, std::uint64_t chunk) {
  return offset >= size ? 0 : (size - offset < chunk ? size - offset : chunk);
}

}  // namespace zc
