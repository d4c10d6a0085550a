// Error conventions shared by the harness and every strategy.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace zc {

// For calls that return -1 and set errno (read, splice, sendfile, ...).
template <typename T>
T check_unix(T ret, const char* call) {
  if (ret == T(-1)) throw std::system_error(errno, std::generic_category(), call);
  return ret;
}

// For calls that return -errno (io_uring_submit, io_uring_wait_cqe, ...).
inline int check_neg_errno(int ret, const char* call) {
  if (ret < 0) throw std::system_error(-ret, std::generic_category(), call);
  return ret;
}

// Bad input from the user: one line, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A run cannot happen on this machine (missing feature, privilege, file
// system); a result, never a crash.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string errno_text(int err);

}  // namespace zc
