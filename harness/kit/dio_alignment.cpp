#include "harness/kit/dio_alignment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <fstream>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"

namespace zc {
namespace {

std::uint64_t logical_block_size(dev_t dev) {
  // A partition has no queue/ of its own; its parent disk's applies.
  auto base = "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
  for (const char* rel : {"/queue/logical_block_size", "/../queue/logical_block_size"}) {
    std::ifstream in(base + rel);
    std::uint64_t v = 0;
    if (in >> v && v > 0) return v;
  }
  return 0;
}

}  // namespace

DioAlignment dio_alignment(int fd) {
  struct statx sx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN))
    return {sx.stx_dio_offset_align, sx.stx_dio_mem_align, "statx STATX_DIOALIGN"};
  struct stat st {};
  check_unix(::fstat(fd, &st), "fstat");
  if (auto lbs = logical_block_size(st.st_dev))
    return {lbs, lbs, "no STATX_DIOALIGN; the device's logical block size"};
  struct statfs sf {};
  check_unix(::fstatfs(fd, &sf), "fstatfs");
  return {std::uint64_t(sf.f_bsize), std::uint64_t(sf.f_bsize),
          "no STATX_DIOALIGN; the file system's block size"};
}

DioAlignment dio_alignment_in(const std::filesystem::path& dir) {
  auto path = dir / ".zc-bench-dioalign-probe";
  UniqueFd fd(check_unix(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
                         "open (direct I/O alignment probe)"));
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return dio_alignment(fd.get());
}

}  // namespace zc
