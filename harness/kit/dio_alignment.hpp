// What O_DIRECT asks of file offsets, lengths and buffer addresses here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace zc {

struct DioAlignment {
  std::uint64_t offset = 0;  // file offsets and lengths; 0: the file system does no direct I/O
  std::uint64_t memory = 0;  // buffer addresses
  std::string source;        // how it is known, for messages
};

// Of an open file: statx STATX_DIOALIGN where the kernel and file system
// report it, else the device's logical block size, else the file system's
// block size (a safe over-estimate).
DioAlignment dio_alignment(int fd);

// Of files in `dir` (the file system answers for regular files only, so a
// scratch file is made and removed).
DioAlignment dio_alignment_in(const std::filesystem::path& dir);

inline std::uint64_t round_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace zc
