// Syscall names and numbers on the architecture zc-bench was built for:
// description files name a data path's syscalls, the raw_syscalls
// tracepoint reports numbers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zc {

// The number of a syscall by its name ("sendfile"), when this architecture
// has it and zc-bench knows it.
std::optional<long> syscall_number(std::string_view name);
// "sendfile", or "syscall N" for a number zc-bench has no name for.
std::string syscall_name(long nr);

}  // namespace zc
