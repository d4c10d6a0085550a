// The source side of a transfer: a generated or given file, its hash, its
// page-cache state.
#pragma once

#include <cstdint>
#include <filesystem>

#include "harness/conditions.hpp"

namespace zc {

// A private temporary folder, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct SourceFile {
  std::filesystem::path path;
  std::uint64_t size = 0;
  std::uint64_t hash = 0;  // XXH3-64 of the whole content
  bool generated = false;
};

// Writes `size` bytes of seeded pseudo-random data (incompressible, so no
// layer can cheat) and hashes them on the way.
SourceFile generate_source(const std::filesystem::path& dir, std::uint64_t size,
                           std::uint64_t seed);
// Uses an existing file; throws UsageError if it is missing or empty.
SourceFile existing_source(const std::filesystem::path& path);

// XXH3-64 of a file's first `size` bytes (read with plain read()).
std::uint64_t hash_file(const std::filesystem::path& path, std::uint64_t size);

struct CacheReport {
  double resident_fraction = 0;  // from mincore, after preparing
  bool as_asked = true;          // false if the kernel kept (or lost) pages
};

// hot: read the whole file so every page is cached; cold: write back and
// drop its pages (fdatasync + POSIX_FADV_DONTNEED). Checks with mincore.
CacheReport prepare_cache(const SourceFile& src, CacheState state);
double resident_fraction(int fd, std::uint64_t size);

// File-system type name of a path ("ext4", "tmpfs", ...).
std::string filesystem_name(const std::filesystem::path& path);

}  // namespace zc
