// Linked into every test binary. A test binary is not zc-bench: if the
// harness started "this executable" as the receiver, the receiver would be
// the test program re-running every test, each starting more receivers.
// Point receivers at the real zc-bench before any test runs.
//
// And, as zc-bench's main does (install_interrupt_handlers), ignore
// SIGPIPE: a receiver that dies mid-run must be an EPIPE error the harness
// reports, not the death of the test binary. (Without it, a test of a
// dying receiver passed or died of SIGPIPE depending on whether the write
// met a reset or a closed socket.)
#include <csignal>
#include <cstdlib>

namespace {
const int receiver_is_zc_bench = ::setenv("ZC_BENCH_EXE", ZC_BENCH_BINARY, 1);
const bool sigpipe_ignored = ::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
}  // namespace
