#include "harness/base/build_info.hpp"

namespace zc {

const char* build_version() { return ZC_VERSION; }
const char* build_commit() { return ZC_GIT_COMMIT; }
const char* build_type() { return ZC_BUILD_TYPE; }

}  // namespace zc
