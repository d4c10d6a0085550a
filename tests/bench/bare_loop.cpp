// The harness-overhead baseline: the same syscalls as zc-bench's
// read-write and sendfile strategies to /dev/null, in a bare loop with one
// clock read at each end and no counters. scripts/bench-peers compares
// zc-bench's throughput with this loop's.
//
//   zc-bare-loop read-write|sendfile FILE CHUNK ROUNDS
// prints the median throughput in bytes/s over ROUNDS passes (hot cache).
#include <fcntl.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s read-write|sendfile FILE CHUNK ROUNDS\n", argv[0]);
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
  off_t size = ::lseek(src, 0, SEEK_END);
  std::vector<char> buf(chunk);
  std::memset(buf.data(), 0, chunk);
  std::vector<double> rates;
  for (int r = 0; r <= rounds; ++r) {  // round 0 is a warm-up
    double t0 = now_s();
    if (mode == "read-write") {
      for (off_t off = 0; off < size;) {
        ssize_t n = ::pread(src, buf.data(), chunk, off);
        if (n <= 0) return 1;
        if (::write(dst, buf.data(), size_t(n)) != n) return 1;
        off += n;
      }
    } else {
      off_t off = 0;
      while (off < size)
        if (::sendfile(dst, src, &off, std::min<size_t>(chunk, size_t(size - off))) <= 0) return 1;
    }
    double t = now_s() - t0;
    if (r > 0) rates.push_back(double(size) / t);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("%.0f\n", rates[rates.size() / 2]);
  return 0;
}
