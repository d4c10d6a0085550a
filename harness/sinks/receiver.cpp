#include "harness/sinks/receiver.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/hash.hpp"
#include "harness/measure/accounting.hpp"
#include "harness/sinks/tls_receiver.hpp"
#include "harness/sinks/zcrx_receive.hpp"
#include "harness/sinks/zerocopy_receive.hpp"

namespace zc {

namespace {

// Fault injection for tests: ZC_SINK_DIE_AFTER=N makes the receiver kill
// itself once it has N bytes, the way a crashing consumer would. With
// ZC_SINK_DIE_ONCE=FILE only the receiver that creates FILE does (a fault
// in one repetition, the rest of the run healthy).
std::uint64_t die_after_bytes() {
  const char* env = std::getenv("ZC_SINK_DIE_AFTER");
  if (!env) return 0;
  if (const char* once = std::getenv("ZC_SINK_DIE_ONCE"); once && *once) {
    int fd = ::open(once, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return 0;  // an earlier receiver died already
    ::close(fd);
  }
  return std::strtoull(env, nullptr, 10);
}

// Throws once the loop is past its time limit (checked after each read;
// costs a clock read only when a limit is set).
void check_time_limit(const ReceiverOptions& opts, std::uint64_t deadline_ns,
                      const ReceiverReport& r) {
  if (!deadline_ns || now_ns() <= deadline_ns) return;
  char limit[32];
  std::snprintf(limit, sizeof limit, "%.1f", double(opts.time_limit_ns) * 1e-9);
  throw std::runtime_error(std::string("the time limit of ") + limit + " s passed with " +
                           std::to_string(r.bytes) + " bytes received (too slow a sender)");
}

std::uint64_t deadline_of(const ReceiverOptions& opts) {
  return opts.time_limit_ns ? now_ns() + opts.time_limit_ns : 0;
}

// One read of the stream. With opts.poll_ns, an empty socket is polled with
// non-blocking reads for up to that long before the read may sleep; the
// time spent polling is reported (poll_s) so that it can be told apart
// from the receiver's work. Pipes and other non-sockets read as before.
ssize_t read_stream(int fd, void* buffer, std::size_t size, int flags, const ReceiverOptions& opts,
                    ReceiverReport& r) {
  if (!opts.poll_ns) return ::recv(fd, buffer, size, flags);
  auto n = ::recv(fd, buffer, size, flags | MSG_DONTWAIT);
  if (n >= 0 || errno != EAGAIN) return n;
  const auto start = now_ns();
  auto now = start;
  do {
    n = ::recv(fd, buffer, size, flags | MSG_DONTWAIT);
    now = now_ns();
  } while (n < 0 && errno == EAGAIN && now - start < opts.poll_ns);
  r.poll_s += double(now - start) * 1e-9;
  if (n >= 0 || errno != EAGAIN) return n;
  ++r.sleeping_reads;
  return ::recv(fd, buffer, size, flags);
}

bool is_socket(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

// `buffer` is mapped and populated before the receiver says it is ready:
// 1 MiB takes about 0.3 ms of CPU here, which fell inside both the
// receiver's CPU window and the sender's clock.
void receive_copying(int fd, const ReceiverOptions& opts, const Mapping& buffer,
                     ReceiverReport& r) {
  StreamHash hash;
  const auto die_after = die_after_bytes();
  const auto deadline = deadline_of(opts);
  const bool socket = is_socket(fd);  // a pipe sink's receiver reads a pipe
  while (true) {
    if (die_after && r.bytes >= die_after) ::raise(SIGKILL);
    auto n = socket ? read_stream(fd, buffer.data(), buffer.size(), 0, opts, r)
                    : ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN)
      throw std::runtime_error("the sender went quiet (receive timeout)");
    check_unix(n, "read");
    ++r.read_calls;
    if (n == 0) break;
    hash.update(buffer.data(), std::size_t(n));
    r.bytes += std::uint64_t(n);
    if (opts.max_bytes && r.bytes > opts.max_bytes)
      throw std::runtime_error("the sender sent more than the " + std::to_string(opts.max_bytes) +
                               " bytes it announced");
    check_time_limit(opts, deadline, r);
  }
  r.hash = hash.digest();
}

void receive_truncating(int fd, const ReceiverOptions& opts, ReceiverReport& r) {
  // MSG_TRUNC on a TCP socket discards the bytes in the kernel: the data is
  // counted, never copied, and so cannot be checked. Any other socket
  // (AF_UNIX stream) ignores the flag and writes up to the length asked for
  // into the buffer: refuse it here too, whoever started this receiver.
  int protocol = 0;
  socklen_t len = sizeof protocol;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0 || protocol != IPPROTO_TCP)
    throw std::runtime_error(
        "--receiver truncate needs a TCP socket: recv(MSG_TRUNC) discards only there "
        "(a unix stream socket copies the bytes anyway)");
  // As long as the length passed, though TCP's MSG_TRUNC never writes to
  // it: recv's contract (and AddressSanitizer) holds the buffer to the
  // length. Mapped lazily, so its pages are never touched or resident.
  void* p = ::mmap(nullptr, opts.buffer_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap buffer");
  Mapping buffer(p, opts.buffer_size);
  const auto deadline = deadline_of(opts);
  while (true) {
    auto n = read_stream(fd, buffer.data(), buffer.size(), MSG_TRUNC, opts, r);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN)
      throw std::runtime_error("the sender went quiet (receive timeout)");
    check_unix(n, "recv(MSG_TRUNC)");
    ++r.read_calls;
    if (n == 0) break;
    r.bytes += std::uint64_t(n);
    if (opts.max_bytes && r.bytes > opts.max_bytes)
      throw std::runtime_error("the sender sent more than the " + std::to_string(opts.max_bytes) +
                               " bytes it announced");
    check_time_limit(opts, deadline, r);
  }
  r.unverified_reason = "receiver ran with MSG_TRUNC: bytes were discarded unread";
}

}  // namespace

ReceiverReport receive_stream(int fd, const ReceiverOptions& opts) {
  ReceiverReport r;
  // The receiver counts for itself, rather than the sender opening events
  // on its pid: the window then matches its rusage window exactly (its
  // loop, not its exec and start-up), and a remote receiver can do the same.
  ReceiverAccounting kernel(opts.kernel_counters);
  Mapping buffer;
  std::string setup_error;
  try {
    if (opts.mode == ReceiverMode::recv) buffer = map_buffer(opts.buffer_size);
  } catch (const std::exception& e) {
    setup_error = e.what();  // reported below, after the usual ready/done lines
  }
  if (opts.on_ready) opts.on_ready();
  // A TLS stream's handshake is set-up: done before the loop is measured.
  auto tls = start_tls_receiver(fd, opts, r);
  auto usage = [&] { return opts.thread_usage ? Usage::of_thread() : Usage::of_process(); };
  auto u0 = usage();
  auto t0 = now_ns();
  kernel.begin();
  try {
    if (!setup_error.empty()) throw std::runtime_error(setup_error);
    if (!r.error.empty()) throw std::runtime_error(r.error);  // the TLS handshake failed
    switch (opts.mode) {
      case ReceiverMode::truncate:
        receive_truncating(fd, opts, r);
        break;
      case ReceiverMode::zerocopy_receive:
        receive_zerocopy(fd, opts, r);
        break;
      case ReceiverMode::zcrx:
        receive_zcrx(fd, opts, r);
        break;
      case ReceiverMode::recv:
        tls ? tls->receive(opts, r) : receive_copying(fd, opts, buffer, r);
        break;
    }
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  kernel.end();
  r.wall_s = double(now_ns() - t0) * 1e-9;
  r.usage = usage() - u0;
  if (opts.on_done) opts.on_done();
  r.kernel = kernel.report();
  return r;
}

}  // namespace zc
