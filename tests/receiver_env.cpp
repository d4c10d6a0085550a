// Linked into every test binary. A test binary is not zc-bench: if the
// harness started "this executable" as the receiver, the receiver would be
// the test program re-running every test, each starting more receivers.
// Point receivers at the real zc-bench before any test runs.
#include <cstdlib>

namespace {
const int receiver_is_zc_bench = ::setenv("ZC_BENCH_EXE", ZC_BENCH_BINARY, 1);
}  // namespace
