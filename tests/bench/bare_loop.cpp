// The harness-overhead baseline: the same syscalls as zc-bench's
// read-write and sendfile strategies to /dev/null, in a bare loop with one
// clock read at each end and no counters. scripts/bench-peers compares
// zc-bench's throughput with this loop's.
//
//   zc-bare-loop read-write|sendfile FILE CHUNK ROUNDS [CPU]
// prints "THROUGHPUT CPU_NS_PER_BYTE": the medians over ROUNDS passes (hot
// cache: pass 0 reads the file and is not counted) of bytes/s and of this
// thread's CPU time per byte. With CPU the loop is pinned there, as
// zc-bench's sender is (--pin auto: the first allowed CPU); its buffer is
// page-aligned and populated up front, as zc-bench's map_buffer() is (a
// std::vector of 1 MiB starts 16 bytes into a page).
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static double seconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s read-write|sendfile FILE CHUNK ROUNDS [CPU]\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  int src = ::open(argv[2], O_RDONLY);
  int dst = ::open("/dev/null", O_WRONLY);
  size_t chunk = std::strtoull(argv[3], nullptr, 10);
  int rounds = std::atoi(argv[4]);
  if (src < 0 || dst < 0 || chunk == 0 || rounds <= 0) {
    std::perror("bare_loop");
    return 2;
  }
  if (argc == 6) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(std::atoi(argv[5]), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
      std::perror("bare_loop: sched_setaffinity");
      return 2;
    }
  }
  off_t size = ::lseek(src, 0, SEEK_END);
  auto* buf = static_cast<char*>(::mmap(nullptr, chunk, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0));
  if (buf == MAP_FAILED) {
    std::perror("bare_loop: mmap");
    return 2;
  }
  std::vector<double> rates, cpu_per_byte;
  for (int r = 0; r <= rounds; ++r) {  // round 0 is a warm-up
    double t0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_THREAD_CPUTIME_ID);
    if (mode == "read-write") {
      for (off_t off = 0; off < size;) {
        ssize_t n = ::pread(src, buf, chunk, off);
        if (n <= 0) return 1;
        if (::write(dst, buf, size_t(n)) != n) return 1;
        off += n;
      }
    } else {
      off_t off = 0;
      while (off < size)
        if (::sendfile(dst, src, &off, std::min<size_t>(chunk, size_t(size - off))) <= 0) return 1;
    }
    double t = seconds(CLOCK_MONOTONIC) - t0, c = seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
    if (r > 0) {
      rates.push_back(double(size) / t);
      cpu_per_byte.push_back(c * 1e9 / double(size));
    }
  }
  std::printf("%.0f %.5f\n", median(rates), median(cpu_per_byte));
  return 0;
}
