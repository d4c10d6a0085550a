#include "harness/base/fd.hpp"

#include <fcntl.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "harness/base/errors.hpp"

namespace zc {

Mapping map_readonly(int fd, std::size_t len, int extra_flags) {
  if (len == 0) return {};
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_SHARED | extra_flags, fd, 0);
  if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
  return Mapping(p, len);
}

// Populated up front so first-touch faults stay out of the timed loop.
Mapping map_buffer(std::size_t len) {
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                   -1, 0);
  if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap buffer");
  return Mapping(p, len);
}

void check_inherited_fd(int fd, std::string_view option) {
  if (fd >= 0 && ::fcntl(fd, F_GETFD) >= 0) return;
  throw UsageError(std::string(option) + " " + std::to_string(fd) +
                   ": no descriptor is open there (zc-bench run starts this command with the "
                   "connection on it)");
}

}  // namespace zc
