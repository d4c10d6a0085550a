// What was built: version, commit and build type, for results files and
// --version. Compiled into one file only, so a new commit rebuilds that
// file, not the whole harness.
#pragma once

namespace zc {

const char* build_version();  // the project's version, e.g. "0.1.0"
const char* build_commit();   // git rev-parse --short=12 HEAD at configure time, or "unknown"
const char* build_type();     // CMAKE_BUILD_TYPE

}  // namespace zc
