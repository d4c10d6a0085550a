#include "harness/base/errors.hpp"

#include <cstring>

namespace zc {

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace zc
