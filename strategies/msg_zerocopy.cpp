// Transfers data by send(MSG_ZEROCOPY) of each chunk straight from a mapping
// of the file: the socket's skbs pin the page-cache pages instead of copying
// them, and the kernel says on the error queue when each send is done with
// them and whether it had to copy after all (SO_EE_CODE_ZEROCOPY_COPIED).
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
// After <time.h>: it uses struct timespec without including it.
#include <linux/errqueue.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/kit/io.hpp"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED 1
#endif

namespace zc {
namespace {

// Pages stay pinned until their completion is read, so the sender stops
// and drains once this much is unacknowledged (or this many sends: each
// in-flight notification is charged to the socket's optmem, and running
// out of it turns send() into ENOBUFS).
constexpr std::uint64_t kMaxOutstandingBytes = 8u << 20;
constexpr std::size_t kMaxOutstandingSends = 128;
// A drain that sees no completion for this long is a stalled peer.
constexpr int kPollMs = 1000;
constexpr int kMaxIdlePolls = 30;

// Per-repetition evidence beyond the typed completions, looked up once
// (std::map references are stable).
struct Evidence {
  explicit Evidence(CallCounters& c)
      : zc(c.zerocopy),
        copied_ranges(c.evidence["zerocopy_copied_ranges"]),
        zerocopy_ranges(c.evidence["zerocopy_zerocopy_ranges"]),
        drain_polls(c.evidence["zerocopy_drain_polls"]),
        enobufs(c.evidence["zerocopy_enobufs"]) {
    zc.requested = zc.copy_reported = true;
    zc.copied_flag = "SO_EE_CODE_ZEROCOPY_COPIED";
  }
  ZeroCopyCompletions& zc;
  std::uint64_t &copied_ranges, &zerocopy_ranges, &drain_polls, &enobufs;
};

class MsgZerocopySession : public TransferSession {
 public:
  explicit MsgZerocopySession(const TransferContext& ctx)
      : ctx_(ctx), map_(map_readonly(ctx.source_fd, ctx.size)) {
    ::madvise(map_.data(), map_.size(), MADV_SEQUENTIAL);
    int one = 1;
    check_unix(::setsockopt(ctx.sink_fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one),
               "setsockopt(SO_ZEROCOPY)");
  }

  std::uint64_t step(CallCounters& c) override {
    if (!ev_) ev_.emplace(c);
    auto want = next_chunk(offset_, ctx_.size, ctx_.chunk);
    if (want == 0) return 0;
    for (std::uint64_t sent = 0; sent < want;) {
      if (over_limit()) reap(c, /*until_empty=*/false);
      const char* p = map_.data() + offset_ + sent;
      auto n = ::send(ctx_.sink_fd, p, want - sent, MSG_ZEROCOPY);
      ++c.syscalls;
      if (n < 0 && errno == ENOBUFS && !outstanding_.empty()) {
        // optmem is full of notifications we have not read yet.
        ++ev_->enobufs;
        reap(c, false, /*at_least_one=*/true);
        continue;
      }
      check_unix(n, "send(MSG_ZEROCOPY)");
      // Every send that takes bytes gets the next notification id.
      outstanding_.push_back({std::uint64_t(n), false});
      outstanding_bytes_ += std::uint64_t(n);
      ++ev_->zc.sends;
      sent += std::uint64_t(n);
    }
    offset_ += want;
    return want;
  }

  // The data has left only when the kernel has released every page.
  void finish(CallCounters& c) override {
    if (!ev_) ev_.emplace(c);
    reap(c, /*until_empty=*/true);
    // The results have carried these keys since schema zc-bench/1 began;
    // the harness reads the typed completions, not these.
    const auto& zc = c.zerocopy;
    c.evidence["zerocopy_sends"] = zc.sends;
    c.evidence["zerocopy_notifications"] = zc.notifications;
    c.evidence["zerocopy_completed_sends"] = zc.copied_sends + completed_zerocopy_sends_;
    c.evidence["zerocopy_copied_sends"] = zc.copied_sends;
    c.evidence["zerocopy_bytes_covered"] = zc.bytes_covered;
    c.evidence["zerocopy_bytes_copied"] = zc.bytes_copied;
    c.evidence["zerocopy_bytes_zerocopy"] = zc.bytes_not_copied;
  }

 private:
  struct Send {
    std::uint64_t bytes;
    bool done;
  };

  bool over_limit() const {
    return outstanding_.size() >= kMaxOutstandingSends ||
           outstanding_bytes_ >= std::max(kMaxOutstandingBytes, ctx_.chunk);
  }
  // Draining down to half the limit, not just under it, keeps the drains
  // (and their syscalls) to one per half-window instead of one per send.
  bool under_low_water() const {
    return outstanding_.size() <= kMaxOutstandingSends / 2 &&
           outstanding_bytes_ <= std::max(kMaxOutstandingBytes, ctx_.chunk) / 2;
  }

  // Reads completions until under the low-water mark (or none are left),
  // waiting in poll() for POLLERR when the error queue is empty.
  void reap(CallCounters& c, bool until_empty, bool at_least_one = false) {
    auto done = [&] {
      return outstanding_.empty() || (!until_empty && !at_least_one && under_low_water());
    };
    int idle = 0;
    bool peer_trouble = false;
    while (!done()) {
      if (read_notification(c)) {
        at_least_one = false;
        idle = 0;
        continue;
      }
      if (peer_trouble) {
        // POLLERR/POLLHUP without a notification: a socket error, not a
        // completion. Say which instead of waiting for one.
        int err = 0;
        socklen_t len = sizeof err;
        check_unix(::getsockopt(ctx_.sink_fd, SOL_SOCKET, SO_ERROR, &err, &len),
                   "getsockopt(SO_ERROR)");
        ++c.syscalls;
        throw std::system_error(err ? err : EPIPE, std::generic_category(),
                                "waiting for MSG_ZEROCOPY completions");
      }
      pollfd p{ctx_.sink_fd, POLLERR, 0};
      auto r = check_unix(::poll(&p, 1, kPollMs), "poll");
      ++c.syscalls;
      ++c.bookkeeping_syscalls;
      ++ev_->drain_polls;
      peer_trouble = (p.revents & POLLHUP) != 0;
      if (r == 0 && ++idle >= kMaxIdlePolls)
        throw std::runtime_error("no MSG_ZEROCOPY completion for " +
                                 std::to_string(kMaxIdlePolls * kPollMs / 1000) + " s (" +
                                 std::to_string(outstanding_.size()) + " sends outstanding)");
    }
  }

  // One recvmsg(MSG_ERRQUEUE); false when the queue is empty.
  bool read_notification(CallCounters& c) {
    char control[CMSG_SPACE(sizeof(sock_extended_err) + sizeof(sockaddr_in6))];
    msghdr msg{};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    auto n = ::recvmsg(ctx_.sink_fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    ++c.syscalls;
    ++c.bookkeeping_syscalls;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    check_unix(n, "recvmsg(MSG_ERRQUEUE)");
    for (auto* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
      bool recverr = (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
                     (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR);
      if (!recverr) continue;
      sock_extended_err ee;
      std::memcpy(&ee, CMSG_DATA(cm), sizeof ee);
      if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee.ee_errno != 0)
        throw std::system_error(ee.ee_errno ? int(ee.ee_errno) : EPROTO, std::generic_category(),
                                "error queue");
      complete(ee.ee_info, ee.ee_data, ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
    }
    return true;
  }

  // Notification ids are per-send, 32-bit, inclusive [lo, hi]; the kernel
  // merges consecutive ones into one range.
  void complete(std::uint32_t lo, std::uint32_t hi, bool copied) {
    ++ev_->zc.notifications;
    ++(copied ? ev_->copied_ranges : ev_->zerocopy_ranges);
    for (std::uint32_t id = lo;; ++id) {
      std::uint32_t index = id - first_id_;  // wraps with the ids
      if (index >= outstanding_.size() || outstanding_[index].done)
        throw std::runtime_error("MSG_ZEROCOPY completion for id " + std::to_string(id) +
                                 " that is not outstanding");
      auto& s = outstanding_[index];
      s.done = true;
      outstanding_bytes_ -= s.bytes;
      ev_->zc.complete(s.bytes, copied);
      if (!copied) ++completed_zerocopy_sends_;
      if (id == hi) break;
    }
    while (!outstanding_.empty() && outstanding_.front().done) {
      outstanding_.pop_front();
      ++first_id_;
    }
  }

  TransferContext ctx_;
  Mapping map_;
  std::uint64_t offset_ = 0;
  std::optional<Evidence> ev_;
  std::deque<Send> outstanding_;  // index 0 is notification id first_id_
  std::uint32_t first_id_ = 0;
  std::uint64_t outstanding_bytes_ = 0;
  std::uint64_t completed_zerocopy_sends_ = 0;
};

class MsgZerocopy : public TransferStrategy {
 public:
  std::string_view id() const override { return "msg-zerocopy"; }
  std::string_view data_path() const override {
    return "send(MSG_ZEROCOPY) each chunk from a mapping of the file; completions read from the "
           "socket's error queue say which sends the kernel copied after all";
  }
  // MSG_ZEROCOPY is an AF_INET/AF_INET6 (TCP, UDP) and RDS feature.
  bool accepts_sink(SinkKind s) const override {
    return s == SinkKind::tcp || s == SinkKind::veth || s == SinkKind::remote;
  }

  Ledger ledger(const Conditions& c) const override {
    return LedgerBuilder(c)
        .source_into_page_cache()
        .hop(Place::page_cache, Place::mapped_page_cache, Mover::reference,
             "mmap: page faults (or pinning) map the cached pages")
        .zero_copy_send_from(Place::mapped_page_cache, "send(MSG_ZEROCOPY)",
                             "SO_EE_CODE_ZEROCOPY_COPIED")
        .done(1);
  }

  Support probe(const Conditions& c) const override {
    if (c.sink == SinkKind::unix_stream) {
      // Measured, not assumed: ask an AF_UNIX socket.
      int sv[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
        UniqueFd a(sv[0]), b(sv[1]);
        int one = 1;
        if (::setsockopt(a.get(), SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) != 0)
          return Support::no("AF_UNIX sockets refuse SO_ZEROCOPY (" + errno_text(errno) + ")");
      }
    }
    if (!accepts_sink(c.sink))
      return Support::no("MSG_ZEROCOPY needs a TCP socket; the " + std::string(to_string(c.sink)) +
                         " sink is not one");
    UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s) return Support::no("socket(AF_INET): " + errno_text(errno));
    int one = 1;
    if (::setsockopt(s.get(), SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) != 0)
      return Support::no("setsockopt(SO_ZEROCOPY) refused: " + errno_text(errno));
    return Support::yes();
  }

  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override {
    return std::make_unique<MsgZerocopySession>(ctx);
  }
};

ZC_REGISTER_STRATEGY(MsgZerocopy);

}  // namespace
}  // namespace zc
