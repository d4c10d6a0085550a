#include "harness/sinks/zerocopy_receive.hpp"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/hash.hpp"

namespace zc {

namespace {

int maxseg_for_pages() {
  int timestamps = 1;
  std::ifstream("/proc/sys/net/ipv4/tcp_timestamps") >> timestamps;
  const int page = int(::sysconf(_SC_PAGESIZE));
  return page + (timestamps ? 12 : 0);
}

}  // namespace

void page_sized_segments(int sender_fd) {
  int mss = maxseg_for_pages();
  check_unix(::setsockopt(sender_fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss),
             "setsockopt(TCP_MAXSEG)");
}

nlohmann::json segment_details(int sender_fd) {
  int mss = 0;
  socklen_t len = sizeof mss;
  nlohmann::json d = {{"tcp_maxseg_set", maxseg_for_pages()},
                      {"why",
                       "zerocopy-receive maps whole pages: each segment's payload is one page "
                       "(TCP_MAXSEG on the sender's socket before connect, timestamps included)"}};
  if (::getsockopt(sender_fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len) == 0)
    d["tcp_maxseg_in_effect"] = mss;
  return d;
}

std::optional<std::string> receiver_mode_refuses(ReceiverMode mode, SinkKind sink) {
  auto name = std::string(to_string(sink));
  switch (mode) {
    case ReceiverMode::recv:
      return std::nullopt;
    case ReceiverMode::zcrx:
      if (sink == SinkKind::tcp || sink == SinkKind::veth || sink == SinkKind::remote)
        return std::nullopt;
      return "zcrx receives a TCP stream through io_uring from a NIC queue; the " + name +
             " sink is not a TCP socket (use --sink tcp, veth or remote)";
    case ReceiverMode::zerocopy_receive:
      if (sink == SinkKind::tcp || sink == SinkKind::veth || sink == SinkKind::remote)
        return std::nullopt;
      return "zerocopy-receive maps a TCP socket's receive queue (TCP_ZEROCOPY_RECEIVE); the " +
             name + " sink is not a TCP socket (use --sink tcp, veth or remote)";
    case ReceiverMode::truncate:
      // Only TCP discards with MSG_TRUNC. An AF_UNIX stream socket ignores
      // the flag and copies into the buffer as a plain recv would (measured
      // on 6.18: recv(buf, 4096, MSG_TRUNC) wrote 4096 bytes; with a NULL
      // buffer, EFAULT), so a "truncating" unix receiver would be a copying
      // one reported as a discard. A pipe is not a socket; null and file
      // sinks have no receiver at all.
      if (sink == SinkKind::tcp || sink == SinkKind::veth || sink == SinkKind::remote)
        return std::nullopt;
      if (sink == SinkKind::unix_stream)
        return std::string(
            "truncate discards with recv(MSG_TRUNC), which unix stream sockets ignore (they copy "
            "the bytes anyway); use --sink tcp, veth or remote");
      return "truncate discards with recv(MSG_TRUNC), which needs a TCP socket; the " + name +
             " sink is not one (use --sink tcp, veth or remote)";
  }
  return std::nullopt;
}

namespace {

// Evidence, looked up once (std::map references are stable).
struct ZcEvidence {
  explicit ZcEvidence(ReceiverReport& r)
      : mapped(r.evidence["zerocopy_receive_mapped_bytes"]),
        copied(r.evidence["zerocopy_receive_copied_bytes"]),
        getsockopt_calls(r.evidence["zerocopy_receive_getsockopt_calls"]),
        copy_reads(r.evidence["zerocopy_receive_read_calls"]),
        polls(r.evidence["zerocopy_receive_polls"]),
        window(r.evidence["zerocopy_receive_window_bytes"]) {}
  std::uint64_t &mapped, &copied, &getsockopt_calls, &copy_reads, &polls, &window;
};

// The receive window: an mmap of the socket itself. The kernel refuses
// anything but a read-only shared mapping of a TCP socket (ENODEV).
Mapping map_socket(int fd, std::size_t len) {
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    throw Unsupported("zerocopy-receive: mmap of the socket refused (" + errno_text(err) +
                      "): TCP_ZEROCOPY_RECEIVE needs a TCP socket");
  }
  return Mapping(p, len);
}

// One stream received through TCP_ZEROCOPY_RECEIVE: the window the pages
// are mapped into, the buffer the bytes that cannot be mapped are read
// into, the stream's hash and the evidence.
class ZcStream {
 public:
  ZcStream(int fd, std::size_t window, std::size_t buffer_size, ReceiverReport& r)
      : fd_(fd),
        window_(window),
        map_(map_socket(fd, window)),
        buffer_(map_buffer(buffer_size)),
        r_(r),
        ev_(r) {
    ev_.window = window;
  }

  // Up to `want` bytes read (copied); 0 at the end of the stream.
  std::size_t copy_some(std::size_t want) {
    ssize_t n;
    do n = ::read(fd_, buffer_.data(), std::min(want, buffer_.size()));
    while (n < 0 && errno == EINTR);
    check_unix(n, "read");
    ++r_.read_calls;
    ++ev_.copy_reads;
    hash_.update(buffer_.data(), std::size_t(n));
    ev_.copied += std::uint64_t(n);
    r_.bytes += std::uint64_t(n);
    return std::size_t(n);
  }
  std::size_t copy_rest() { return copy_some(buffer_.size()); }

  // What one getsockopt did: interrupted (EINTR), or "queue empty and the
  // peer is done" (EIO, the kernel's way of saying it), or the bytes it
  // mapped and the bytes the kernel says must be copied (recv_skip_hint).
  struct Mapped {
    bool interrupted = false, peer_done = false;
    std::uint32_t bytes = 0, skip = 0;
  };

  // One getsockopt, what it mapped hashed.
  Mapped map_some() {
    tcp_zerocopy_receive zc{};
    zc.address = reinterpret_cast<std::uint64_t>(map_.data());
    zc.length = std::uint32_t(window_);
    socklen_t len = sizeof zc;
    // Each call first unmaps what the previous one mapped into the window.
    int rc = ::getsockopt(fd_, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &len);
    ++r_.read_calls;
    ++ev_.getsockopt_calls;
    if (rc < 0 && errno == EINTR) return {.interrupted = true};
    if (rc < 0 && errno == EIO) return {.peer_done = true};
    check_unix(rc, "getsockopt(TCP_ZEROCOPY_RECEIVE)");
    if (zc.err) throw std::system_error(zc.err, std::generic_category(), "TCP_ZEROCOPY_RECEIVE");
    if (zc.length > 0) {
      hash_.update(map_.data(), zc.length);
      ev_.mapped += zc.length;
      r_.bytes += zc.length;
    }
    return {.bytes = zc.length, .skip = zc.recv_skip_hint};
  }

  // Nothing queued: the getsockopt does not block, poll does. False on EINTR.
  bool wait() {
    pollfd p{fd_, POLLIN, 0};
    int n = ::poll(&p, 1, -1);
    if (n < 0 && errno == EINTR) return false;
    check_unix(n, "poll");
    ++ev_.polls;
    return true;
  }

  std::uint64_t digest() const { return hash_.digest(); }

 private:
  int fd_;
  std::size_t window_;
  Mapping map_, buffer_;
  ReceiverReport& r_;
  ZcEvidence ev_;
  StreamHash hash_;
};

}  // namespace

void receive_zerocopy(int fd, const ReceiverOptions& opts, ReceiverReport& r) {
  const std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
  const std::size_t window = std::max(page, (opts.buffer_size + page - 1) / page * page);
  ZcStream s(fd, window, std::max(opts.buffer_size, page), r);
  bool waited = false;
  while (true) {
    auto m = s.map_some();
    if (m.interrupted) continue;
    if (m.peer_done) {
      // read() confirms the end of the stream (or returns a last copy).
      if (s.copy_rest() == 0) break;
      continue;
    }
    // Bytes that are not whole, aligned pages (headers' neighbours, a
    // short tail) must be copied: the kernel says how many.
    if (m.skip > 0 && s.copy_some(m.skip) == 0) break;
    if (m.bytes > 0 || m.skip > 0) {
      waited = false;
      continue;
    }
    if (!waited) {
      waited = s.wait();
      continue;
    }
    // Readable yet nothing to map or skip: the end of the stream.
    if (s.copy_rest() == 0) break;
    waited = false;
  }
  r.hash = s.digest();
}

}  // namespace zc
