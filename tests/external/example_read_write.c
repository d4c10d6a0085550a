// example-read-write: the README's example of an external strategy, in C.
// Moves the source (fd 3) to the sink (fd 0) with pread() and write() of
// each chunk, after the protocol: "ready" on stdout once set up, wait for
// "go" on fd 4, move the bytes, "done bytes=N syscalls=N" with its own
// count of every syscall it made in between (the done line's write too).
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long env(const char *name) {
  const char *v = getenv(name);
  if (!v) {
    printf("error %s is not set\n", name);
    exit(1);
  }
  return atoll(v);
}

int main(void) {
  const long long size = env("ZC_SIZE"), chunk = env("ZC_CHUNK");
  char *buf = malloc(chunk);
  if (!buf) return printf("error no memory for a %lld-byte buffer\n", chunk), 1;
  memset(buf, 1, chunk);  // fault the buffer in now, not in the timed region (not 0:
                          // the compiler may turn malloc + zeroing into calloc)
  printf("ready tid=%d\n", gettid());
  fflush(stdout);

  char line[16];
  FILE *control = fdopen(4, "r");
  if (!control || !fgets(line, sizeof line, control)) {  // zc-bench gave up
    free(buf);
    return 0;
  }
  if (strcmp(line, "go\n") != 0) return printf("error expected go\n"), 1;

  long long syscalls = 0;
  for (long long off = 0; off < size;) {
    long long want = size - off < chunk ? size - off : chunk;
    ssize_t got = pread(3, buf, want, off);
    ++syscalls;
    if (got <= 0) return printf("error pread: %s\n", got ? strerror(errno) : "end of file"), 1;
    for (ssize_t put = 0; put < got;) {
      ssize_t n = write(0, buf + put, got - put);
      ++syscalls;
      if (n < 0) return printf("error write: %s\n", strerror(errno)), 1;
      put += n;
    }
    off += got;
  }
  close(0);  // the consumer sees the end of the stream when every writer has let go
  syscalls += 2;  // that close, and the write of the done line
  printf("done bytes=%lld syscalls=%lld\n", size, syscalls);
  fflush(stdout);
  fgets(line, sizeof line, control);  // end of file: zc-bench is finished with us
  free(buf);  // (LeakSanitizer, when the suite runs sanitized, checks at exit)
  return 0;
}
