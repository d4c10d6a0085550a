// SIGINT/SIGTERM handling: the first signal asks the harness to stop after
// the current call (blocking calls return EINTR); results so far are written
// marked incomplete and everything temporary is removed on the way out.
#pragma once

namespace zc {

void install_interrupt_handlers();
bool interrupted();
int interrupt_signal();  // the signal received, 0 if none

}  // namespace zc
