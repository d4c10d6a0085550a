#include "harness/sinks/peer_loops.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/percentile.hpp"
#include "harness/base/units.hpp"
#include "harness/measure/meters.hpp"
#include "harness/sinks/record_stream.hpp"

namespace zc {

namespace {

// Reads the receiver's next acknowledgement: the bytes it has taken so far.
std::uint64_t read_ack(int fd) {
  std::uint64_t acked = 0;
  auto* p = reinterpret_cast<char*>(&acked);
  for (std::size_t got = 0; got < sizeof acked;) {
    auto n = ::recv(fd, p + got, sizeof acked - got, 0);
    if (n < 0 && errno == EINTR) continue;
    check_unix(n, "recv (acknowledgement)");
    if (n == 0) throw std::runtime_error("the receiver closed before acknowledging every byte");
    got += std::size_t(n);
  }
  return acked;
}

// CPU time of the calling thread.
double thread_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Sends all `len` bytes. With `idle_ns`, each wait for room is a poll()
// bounded by the last progress plus `idle_ns` (and by `deadline_ns`), so a
// receiver that stops reading is cut at the idle timeout, not after the
// socket's send timeout restarted for every partial send.
void send_all(int fd, const char* p, std::uint64_t len, const ProduceOptions& opts,
              std::uint64_t& sent, std::uint64_t& writes) {
  auto last_progress = now_ns();
  while (len > 0) {
    auto w = ::send(fd, p, len, MSG_NOSIGNAL | (opts.idle_ns ? MSG_DONTWAIT : 0));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // SO_SNDTIMEO (a server's idle timeout) ran out.
      if (!opts.idle_ns)
        throw std::runtime_error("send timed out after " + std::to_string(sent) +
                                 " bytes: the receiver stopped reading");
      auto now = now_ns();
      if (now >= last_progress + opts.idle_ns)
        throw std::runtime_error("no byte taken for " + format_number(double(opts.idle_ns) * 1e-9) +
                                 " s after " + std::to_string(sent) +
                                 " bytes: the receiver stopped reading");
      if (opts.deadline_ns && now > opts.deadline_ns)
        throw std::runtime_error("the stream passed its time limit after " + std::to_string(sent) +
                                 " bytes (the receiver reads too slowly)");
      auto until = last_progress + opts.idle_ns;
      if (opts.deadline_ns) until = std::min(until, opts.deadline_ns + 1'000'000);
      pollfd pfd{fd, POLLOUT, 0};
      int wait_ms = int(std::min<std::uint64_t>((until - now) / 1'000'000 + 1, 250));
      if (::poll(&pfd, 1, wait_ms) < 0 && errno != EINTR) check_unix(-1, "poll");
      continue;
    }
    check_unix(w, "send");
    ++writes;
    p += w;
    len -= std::uint64_t(w);
    sent += std::uint64_t(w);
    last_progress = now_ns();
  }
}

// `cpu_s` of hashing off a thread's usage. Hashing is user time, but the
// kernel splits a thread's exact total (user + sys) between the two by
// sampled ticks: the total is what is exact, so the hashing comes off it,
// off user time first.
void take_off(Usage& usage, double cpu_s) {
  double from_user = std::min(usage.user_s, cpu_s);
  usage.user_s -= from_user;
  usage.sys_s = std::max(0.0, usage.sys_s - (cpu_s - from_user));
}

void check_time_limit(std::uint64_t deadline_ns, std::uint64_t sent) {
  if (deadline_ns && now_ns() > deadline_ns)
    throw std::runtime_error("the stream passed its time limit after " + std::to_string(sent) +
                             " bytes (the receiver reads too slowly)");
}

}  // namespace

ReceiverReport produce_stream(int fd, const ProduceOptions& opts,
                              const std::function<void()>& on_ready,
                              const std::function<bool()>& wait_go,
                              const std::function<void()>& on_done) {
  ReceiverReport r;
  std::uint64_t writes = 0, acked = 0, acks = 0;
  try {
    RecordStream stream(opts.record, opts.size, opts.seed, opts.producer);
    // Unstamped streams are known in advance: hash before the clock
    // starts, so the producer sends as fast as it can.
    std::optional<std::uint64_t> known;
    if (!opts.timestamps && !opts.hash_while_sending) known = stream.unstamped_hash();
    StreamHash hash;
    double hash_cpu_s = 0;
    on_ready();
    if (!wait_go()) throw std::runtime_error("not told to go");
    auto usage = [&] { return opts.thread_usage ? Usage::of_thread() : Usage::of_process(); };
    auto u0 = usage();
    auto t0 = now_ns();
    for (std::uint64_t first = 0; first < stream.records(); first += stream.batch_records()) {
      check_time_limit(opts.deadline_ns, r.bytes);
      auto n = std::min(stream.batch_records(), stream.records() - first);
      const char* p = stream.batch(first, n, opts.timestamps ? now_ns() : 0);
      auto len = stream.batch_bytes(first, n);
      if (!known) {
        auto c0 = opts.hash_while_sending ? thread_cpu_s() : 0;
        hash.update(p, len);
        if (opts.hash_while_sending) hash_cpu_s += thread_cpu_s() - c0;
      }
      send_all(fd, p, len, opts, r.bytes, writes);
      while (opts.window && r.bytes - acked > opts.window) {
        acked = read_ack(fd);
        ++acks;
      }
    }
    if (opts.shutdown_after) check_unix(::shutdown(fd, SHUT_WR), "shutdown");
    // The receiver acknowledges the rest; reading it all leaves nothing
    // unread on the connection (closing over unread bytes resets it).
    while (opts.window && acked < r.bytes) {
      acked = read_ack(fd);
      ++acks;
    }
    r.wall_s = double(now_ns() - t0) * 1e-9;
    r.usage = usage() - u0;
    if (opts.hash_while_sending) {
      take_off(r.usage, hash_cpu_s);
      r.evidence["hash_cpu_ns"] = std::uint64_t(hash_cpu_s * 1e9);
    }
    r.hash = known ? *known : hash.digest();
    r.evidence["records"] = stream.records();
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  r.read_calls = writes;
  r.evidence["write_calls"] = writes;
  if (opts.window) r.evidence["acks_read"] = acks;
  on_done();
  return r;
}

namespace {

// Walks a stream of records across read boundaries.
class RecordWalker {
 public:
  explicit RecordWalker(const ConsumeOptions& o) : opts_(o), per_producer_(o.producers) {}

  void feed(const char* p, std::size_t n, std::uint64_t now) {
    whole_.update(p, n);
    while (n > 0) {
      if (have_ < kRecordHeader) {
        auto take = std::min<std::size_t>(n, kRecordHeader - have_);
        std::memcpy(header_ + have_, p, take);
        have_ += take;
        p += take;
        n -= take;
        if (have_ == kRecordHeader) start_record(now);
        continue;
      }
      auto take = std::min<std::uint64_t>(n, left_);
      per_producer_[producer_].update(p, take);
      left_ -= take;
      p += take;
      n -= take;
      if (left_ == 0) have_ = 0;
    }
  }

  void finish(ReceiverReport& r) {
    if (have_ != 0)
      throw std::runtime_error("the stream ends inside a record (" + std::to_string(offset_) +
                               " bytes in)");
    r.hash = whole_.digest();
    r.evidence["records"] = records_;
    for (unsigned i = 0; i < opts_.producers; ++i) {
      r.evidence["producer_" + std::to_string(i) + "_hash"] = per_producer_[i].digest();
      r.evidence["producer_" + std::to_string(i) + "_records"] =
          counts_.size() > i ? counts_[i] : 0;
    }
    r.evidence["latency_samples"] = latencies_.size();
    if (latencies_.empty()) return;
    r.evidence["latency_max_ns"] = *std::max_element(latencies_.begin(), latencies_.end());
    for (auto [key, q] : {std::pair{"latency_p50_ns", 0.50},
                          {"latency_p90_ns", 0.90},
                          {"latency_p99_ns", 0.99},
                          {"latency_p999_ns", 0.999}})
      r.evidence[key] = std::uint64_t(percentile(latencies_, q));
  }

 private:
  void start_record(std::uint64_t now) {
    auto h = read_header(header_);
    if (h.producer >= opts_.producers || h.length < kRecordHeader || h.length > opts_.record)
      throw std::runtime_error("no record header at byte " + std::to_string(offset_) +
                               " of the stream (producer " + std::to_string(h.producer) +
                               ", length " + std::to_string(h.length) + ")");
    producer_ = h.producer;
    per_producer_[producer_].update(header_, kRecordHeader);
    left_ = h.length - kRecordHeader;
    offset_ += h.length;
    ++records_;
    if (counts_.size() < opts_.producers) counts_.resize(opts_.producers);
    ++counts_[producer_];
    if (h.sent_ns != 0) latencies_.push_back(now > h.sent_ns ? now - h.sent_ns : 0);
    if (left_ == 0) have_ = 0;
  }

  const ConsumeOptions& opts_;
  StreamHash whole_;
  std::vector<StreamHash> per_producer_;
  std::vector<std::uint64_t> counts_, latencies_;
  char header_[kRecordHeader];
  std::size_t have_ = 0;
  std::uint64_t left_ = 0, offset_ = 0, records_ = 0;
  std::uint32_t producer_ = 0;
};

}  // namespace

ReceiverReport consume_stream(int fd, const ConsumeOptions& opts,
                              const std::function<void()>& on_ready,
                              const std::function<void()>& on_done) {
  ReceiverReport r;
  try {
    auto buffer = map_buffer(opts.buffer);
    RecordWalker walker(opts);
    on_ready();
    auto u0 = Usage::of_process();
    auto t0 = now_ns();
    while (true) {
      auto n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      check_unix(n, "read");
      ++r.read_calls;
      if (n == 0) break;
      walker.feed(buffer.data(), std::size_t(n), now_ns());
      r.bytes += std::uint64_t(n);
      if (r.bytes > opts.expected)
        throw std::runtime_error("got more than the " + std::to_string(opts.expected) +
                                 " bytes the log holds");
    }
    r.wall_s = double(now_ns() - t0) * 1e-9;
    r.usage = Usage::of_process() - u0;
    walker.finish(r);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  on_done();
  return r;
}

}  // namespace zc
