// A pipe for one repetition of a splice strategy, sized to hold one chunk
// where the kernel allows it. F_SETPIPE_SZ is capped by fs.pipe-max-size for
// unprivileged users and by fs.pipe-user-pages-*; when it is refused the
// default stays, and the size in effect (F_GETPIPE_SZ) is what the
// strategy uses and reports.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"

namespace zc {

struct ChunkPipe {
  UniqueFd read_end, write_end;
  std::uint64_t requested = 0;  // bytes asked of F_SETPIPE_SZ
  std::uint64_t size = 0;       // bytes the pipe holds (rounded to pages by the kernel)

  explicit ChunkPipe(std::uint64_t chunk) {
    int p[2];
    check_unix(::pipe2(p, O_CLOEXEC), "pipe2");
    read_end.reset(p[0]);
    write_end.reset(p[1]);
    requested = std::min<std::uint64_t>(chunk, INT_MAX);
    if (::fcntl(write_end.get(), F_SETPIPE_SZ, int(requested)) < 0) {
      // Above fs.pipe-max-size without CAP_SYS_RESOURCE: as large as the
      // limit allows (refused again: keep the default).
      std::uint64_t max = 0;
      if (std::FILE* f = std::fopen("/proc/sys/fs/pipe-max-size", "r")) {
        unsigned long long v = 0;
        if (std::fscanf(f, "%llu", &v) == 1) max = v;
        std::fclose(f);
      }
      if (max > 0 && max < requested)
        (void)::fcntl(write_end.get(), F_SETPIPE_SZ, int(std::min<std::uint64_t>(max, INT_MAX)));
    }
    size = std::uint64_t(check_unix(::fcntl(write_end.get(), F_GETPIPE_SZ), "F_GETPIPE_SZ"));
  }
};

// Calls that move one chunk through a pipe sized as above (a pipe sink is
// sized so too): 1 where the pipe holds a chunk, else one per pipeful. The
// size is probed once per chunk size and thread (a pipe made and closed).
inline std::uint64_t pipefuls_per_chunk(std::uint64_t chunk) {
  thread_local std::uint64_t last_chunk = 0, last = 1;
  if (chunk == 0) return 1;
  if (chunk != last_chunk) {
    ChunkPipe p(chunk);
    last = p.size ? (chunk + p.size - 1) / p.size : 1;
    last_chunk = chunk;
  }
  return last;
}

}  // namespace zc
