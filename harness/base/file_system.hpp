// Facts about files and file systems that probes, reports and strategies
// name in their messages.
#pragma once

#include <filesystem>
#include <string>

namespace zc {

// File-system type name of a path ("ext4", "tmpfs", ...).
std::string filesystem_name(const std::filesystem::path& path);

// The first line of a (procfs, sysfs) file; empty when it cannot be read.
std::string read_first_line(const std::filesystem::path& path);

}  // namespace zc
