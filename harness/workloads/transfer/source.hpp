// The source side of a transfer: a generated or given file, its hash, its
// page-cache state.
#pragma once

#include <cstdint>
#include <filesystem>

#include "harness/core/conditions.hpp"

namespace zc {

struct SourceFile {
  std::filesystem::path path;
  std::uint64_t size = 0;
  std::uint64_t hash = 0;  // XXH3-64 of the whole content
  bool generated = false;
};

// Writes the file's dirty pages back and drops its pages from the page
// cache (best effort: tmpfs keeps them).
void drop_cached_pages(const SourceFile& src);

// Writes `size` bytes of seeded pseudo-random data (incompressible, so no
// layer can cheat) and hashes them on the way.
SourceFile generate_source(const std::filesystem::path& dir, std::uint64_t size,
                           std::uint64_t seed);
// Checks a file given with --file and returns its size; throws UsageError
// if it is missing, empty, unreadable, not a regular file or a kernel
// pseudo-file (procfs, sysfs).
std::uint64_t check_source_file(const std::filesystem::path& path);
// Uses an existing file (checked as above) and hashes it.
SourceFile existing_source(const std::filesystem::path& path);

struct CacheReport {
  double resident_fraction = 0;  // from mincore, after preparing
  bool as_asked = true;          // false if the kernel kept (or lost) pages
};

// hot: read the whole file so every page is cached; cold: write back and
// drop its pages (fdatasync + POSIX_FADV_DONTNEED). Checks with mincore.
CacheReport prepare_cache(const SourceFile& src, CacheState state);
double resident_fraction(int fd, std::uint64_t size);

}  // namespace zc
