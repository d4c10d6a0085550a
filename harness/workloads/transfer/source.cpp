#include "harness/workloads/transfer/source.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/file_system.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/random.hpp"

namespace zc {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kIoBlock = 1 << 20;

}  // namespace

SourceFile generate_source(const fs::path& dir, std::uint64_t size, std::uint64_t seed) {
  SourceFile src{dir / ("source-" + std::to_string(size) + ".bin"), size, 0, true};
  UniqueFd fd(check_unix(::open(src.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
                         "open source for writing"));
  std::vector<std::uint64_t> block(kIoBlock / 8);
  SplitMix64 rng{seed};
  StreamHash hash;
  for (std::uint64_t done = 0; done < size;) {
    for (auto& w : block) w = rng.next();
    auto n = std::min<std::uint64_t>(kIoBlock, size - done);
    hash.update(block.data(), n);
    const char* p = reinterpret_cast<const char*>(block.data());
    for (std::uint64_t off = 0; off < n;) {
      auto w = ::write(fd.get(), p + off, n - off);
      if (w < 0) {
        int err = errno;
        fd.reset();
        std::error_code ec;
        fs::remove(src.path, ec);  // a full file system gets its space back
        throw std::system_error(
            err, std::generic_category(),
            "writing the " + std::to_string(size) + "-byte source file in " + dir.string());
      }
      off += std::uint64_t(w);
    }
    done += n;
  }
  src.hash = hash.digest();
  return src;
}

std::uint64_t check_source_file(const fs::path& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw UsageError("--file: '" + path.string() + "' does not exist");
  if (!fs::is_regular_file(st))
    throw UsageError("--file: '" + path.string() + "' is not a regular file");
  // Their sizes are made up (procfs says 0, sysfs 4096) and they cannot be
  // mapped, spliced or read twice the same.
  auto fs_name = filesystem_name(path);
  for (auto pseudo : {"proc", "sysfs", "debugfs", "tracefs", "cgroup2"})
    if (fs_name == pseudo)
      throw UsageError("--file: '" + path.string() + "' is a kernel pseudo-file on " + fs_name +
                       ", not data on a file system");
  auto size = fs::file_size(path, ec);
  if (ec || size == 0) throw UsageError("--file: '" + path.string() + "' is empty");
  if (::access(path.c_str(), R_OK) != 0)
    throw UsageError("--file: '" + path.string() + "' is not readable");
  return size;
}

SourceFile existing_source(const fs::path& path) {
  auto size = check_source_file(path);
  return SourceFile{path, size, hash_file(path, size), false};
}

double resident_fraction(int fd, std::uint64_t size) {
  if (size == 0) return 0;
  auto map = map_readonly(fd, size);
  long page = ::sysconf(_SC_PAGESIZE);
  std::size_t pages = (size + std::uint64_t(page) - 1) / std::uint64_t(page);
  std::vector<unsigned char> vec(pages);
  check_unix(::mincore(map.data(), size, vec.data()), "mincore");
  std::size_t resident = 0;
  for (auto v : vec) resident += v & 1;
  return double(resident) / double(pages);
}

void drop_cached_pages(const SourceFile& src) {
  UniqueFd fd(check_unix(::open(src.path.c_str(), O_RDONLY | O_CLOEXEC), "open source"));
  check_unix(::fdatasync(fd.get()), "fdatasync");
  int err = ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  if (err != 0) throw std::system_error(err, std::generic_category(), "posix_fadvise(DONTNEED)");
}

CacheReport prepare_cache(const SourceFile& src, CacheState state) {
  UniqueFd fd(check_unix(::open(src.path.c_str(), O_RDONLY | O_CLOEXEC), "open source"));
  CacheReport r;
  if (state == CacheState::hot) {
    // Read the file only when some of it is not resident: reading 256 MiB
    // before every repetition would also flush the CPU caches, and each
    // repetition would start colder than a steady stream (measured: 4% off
    // sendfile -> /dev/null against a bare loop of the same calls).
    r.resident_fraction = resident_fraction(fd.get(), src.size);
    if (r.resident_fraction < 1.0) {
      std::vector<char> buf(kIoBlock);
      while (check_unix(::read(fd.get(), buf.data(), buf.size()), "read (cache warm-up)") > 0) {
      }
      r.resident_fraction = resident_fraction(fd.get(), src.size);
    }
    r.as_asked = r.resident_fraction > 0.999;
  } else {
    // Dirty pages cannot be dropped: write them back first.
    check_unix(::fdatasync(fd.get()), "fdatasync");
    int err = ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
    if (err != 0) throw std::system_error(err, std::generic_category(), "posix_fadvise(DONTNEED)");
    r.resident_fraction = resident_fraction(fd.get(), src.size);
    r.as_asked = r.resident_fraction < 0.001;
  }
  return r;
}

}  // namespace zc
