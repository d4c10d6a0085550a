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

}  // namespace

void receive_zerocopy(int fd, const ReceiverOptions& opts, ReceiverReport& r) {
  const std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
  const std::size_t window = std::max(page, (opts.buffer_size + page - 1) / page * page);
  auto map = map_socket(fd, window);
  auto buffer = map_buffer(std::max(opts.buffer_size, page));
  ZcEvidence ev(r);
  ev.window = window;
  StreamHash hash;

  auto copy_some = [&](std::size_t want) -> std::size_t {
    ssize_t n;
    do n = ::read(fd, buffer.data(), std::min(want, buffer.size()));
    while (n < 0 && errno == EINTR);
    check_unix(n, "read");
    ++r.read_calls;
    ++ev.copy_reads;
    hash.update(buffer.data(), std::size_t(n));
    ev.copied += std::uint64_t(n);
    r.bytes += std::uint64_t(n);
    return std::size_t(n);
  };

  bool waited = false;
  while (true) {
    tcp_zerocopy_receive zc{};
    zc.address = reinterpret_cast<std::uint64_t>(map.data());
    zc.length = std::uint32_t(window);
    socklen_t len = sizeof zc;
    // Each call first unmaps what the previous one mapped into the window.
    int rc = ::getsockopt(fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &len);
    ++r.read_calls;
    ++ev.getsockopt_calls;
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0 && errno == EIO) {
      // The kernel's way of saying "queue empty and the peer is done";
      // read() confirms the end of the stream (or returns a last copy).
      if (copy_some(buffer.size()) == 0) break;
      continue;
    }
    check_unix(rc, "getsockopt(TCP_ZEROCOPY_RECEIVE)");
    if (zc.err) throw std::system_error(zc.err, std::generic_category(), "TCP_ZEROCOPY_RECEIVE");
    if (zc.length > 0) {
      hash.update(map.data(), zc.length);
      ev.mapped += zc.length;
      r.bytes += zc.length;
    }
    // Bytes that are not whole, aligned pages (headers' neighbours, a
    // short tail) must be copied: the kernel says how many.
    if (zc.recv_skip_hint > 0) {
      if (copy_some(zc.recv_skip_hint) == 0) break;
    }
    if (zc.length > 0 || zc.recv_skip_hint > 0) {
      waited = false;
      continue;
    }
    if (!waited) {
      // Nothing queued: the getsockopt does not block, poll does.
      pollfd p{fd, POLLIN, 0};
      int n = ::poll(&p, 1, -1);
      if (n < 0 && errno == EINTR) continue;
      check_unix(n, "poll");
      ++ev.polls;
      waited = true;
      continue;
    }
    // Readable yet nothing to map or skip: the end of the stream.
    if (copy_some(buffer.size()) == 0) break;
    waited = false;
  }
  r.hash = hash.digest();
}

}  // namespace zc
