#include "harness/sinks/sink_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <atomic>
#include <cstdio>
#include <list>
#include <mutex>
#include <thread>
#include <type_traits>

#include "harness/base/build_info.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/units.hpp"
#include "harness/measure/meters.hpp"
#include "harness/sinks/receiver.hpp"
#include "harness/sinks/remote_protocol.hpp"

namespace zc {
namespace {

constexpr std::size_t kMinBuffer = 4096, kMaxBuffer = 64u << 20;
// The whole session is bounded like the sender's repetition: the idle
// timeout plus the announced size at this rate. A peer that trickles a
// byte at a time (each read well inside the idle timeout) is cut off then.
constexpr std::uint64_t kMinRateBytesPerS = 20ull << 20;
// No log line grows without bound, whatever a peer put into it.
constexpr std::size_t kMaxLogLine = 1024;

void log_line(const std::string& text) {
  static std::mutex m;
  std::lock_guard lock(m);
  // Everything a peer sent is passed through printable() where it is put
  // into the text; this is the last guard: one bounded line, no control
  // bytes, whatever slipped through.
  std::string line = text.substr(0, kMaxLogLine);
  for (auto& ch : line)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  std::fprintf(stderr, "zc-bench sink: %s\n", line.c_str());
  std::fflush(stderr);
}

// Refused connections are logged a few a second; past that they are
// counted, and one line a second says how many were not logged (a flood of
// bad hellos wrote 20,000 lines in 25 s).
class RefusalLog {
 public:
  static constexpr unsigned kPerSecond = 5;

  void refused(const std::string& line) {
    {
      std::lock_guard lock(m_);
      roll(now_ns());
      if (logged_ >= kPerSecond) {
        ++unlogged_;
        return;
      }
      ++logged_;
    }
    log_line(line);
  }
  // Called often (the accept loop): writes the summary once its second is up.
  void tick() {
    std::lock_guard lock(m_);
    roll(now_ns());
  }
  // The count not yet written, at exit.
  void flush() {
    std::lock_guard lock(m_);
    summarize();
  }

 private:
  void roll(std::uint64_t now) {
    if (now - window_start_ < 1'000'000'000ull) return;
    summarize();
    window_start_ = now;
    logged_ = 0;
  }
  void summarize() {
    if (unlogged_ == 0) return;
    log_line(std::to_string(unlogged_) + " more connection" + (unlogged_ == 1 ? "" : "s") +
             " refused in the last second, not logged one by one (at most " +
             std::to_string(kPerSecond) + " a second are)");
    unlogged_ = 0;
  }

  std::mutex m_;
  std::uint64_t window_start_ = 0, unlogged_ = 0;
  unsigned logged_ = 0;
};

std::string peer_name(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";
  ::getnameinfo(reinterpret_cast<const sockaddr*>(&ss), sizeof ss, host, sizeof host, port,
                sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
  return std::string(host) + ":" + port;
}

UniqueFd listen_on(const std::string& address) {
  auto [host, port] = split_host_port(address);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // Numeric only: the operator names an address to bind, not a name to look up.
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw UsageError("--listen: '" + address + "': " + ::gai_strerror(rc) +
                     " (give a numeric address, e.g. 127.0.0.1:7477)");
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
  UniqueFd fd(check_unix(::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0)
    throw std::runtime_error("cannot listen on " + address + ": bind: " + errno_text(errno));
  check_unix(::listen(fd.get(), 64), "listen");
  return fd;
}

std::string bound_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return peer_name(ss);
}

// A hello field of the expected JSON type, or `fallback` when it is
// absent; any other type is refused with the field's name (the peer is
// told, rather than the connection just closing on a type_error).
template <typename T>
T field(const nlohmann::json& hello, const char* key, T fallback) {
  if (!hello.contains(key)) return fallback;
  const auto& v = hello[key];
  bool ok = false;
  const char* want = "";
  if constexpr (std::is_same_v<T, std::string>) {
    ok = v.is_string(), want = "a string";
  } else if constexpr (std::is_same_v<T, bool>) {
    ok = v.is_boolean(), want = "true or false";
  } else {
    ok = v.is_number_unsigned(), want = "a non-negative integer";
  }
  if (!ok)
    throw ProtocolError(std::string("hello field '") + key + "' must be " + want + ", not " +
                        v.type_name());
  return v.get<T>();
}

// What a checked hello asks for.
struct SessionPlan {
  bool produce = false;
  std::uint64_t size = 0;
  ReceiverOptions receive;  // a receive session
  ProduceRequest request;   // a produce session
};

// The largest record a produce session may ask for: the producer holds a
// batch buffer of at least one record.
constexpr std::uint64_t kMaxRecord = 64ull << 20;

void check_produce(const nlohmann::json& hello, const SinkServerOptions& opts, SessionPlan& plan) {
  if (!opts.produce) throw ProtocolError("this server does not produce streams");
  plan.produce = true;
  auto record = field<std::uint64_t>(hello, "record", 0);
  auto most = std::min(plan.size, kMaxRecord);
  if (record == 0 || record > most)
    throw ProtocolError("record size " + std::to_string(record) + " is outside 1.." +
                        std::to_string(most) + " bytes (64 MiB at most, and not over the size)");
  plan.request = {plan.size, record, field<std::uint64_t>(hello, "seed", 0)};
}

void check_receive(const nlohmann::json& hello, const SinkServerOptions& opts, SessionPlan& plan) {
  ReceiverOptions& r = plan.receive;
  r.thread_usage = true;
  r.max_bytes = plan.size;
  auto receiver = field<std::string>(hello, "receiver", "recv");
  auto mode = parse_receiver_mode(receiver);
  const bool zcrx = opts.zcrx_queue && mode == ReceiverMode::zcrx;
  if (!mode || *mode == ReceiverMode::zerocopy_receive || (*mode == ReceiverMode::zcrx && !zcrx))
    throw ProtocolError(
        "receiver mode '" + printable(receiver) + "' is not served here (recv, " +
        (opts.zcrx_queue ? "truncate, zcrx)" : "truncate; zcrx with --receiver zcrx)"));
  r.mode = *mode;
  if (zcrx) r.rx_queue = *opts.zcrx_queue;
  auto buffer = field<std::uint64_t>(hello, "buffer", 256 * 1024);
  if (buffer < kMinBuffer || buffer > kMaxBuffer)
    throw ProtocolError("buffer size " + std::to_string(buffer) + " is outside 4 KiB..64 MiB");
  r.buffer_size = std::size_t(buffer);
  r.kernel_counters = field<bool>(hello, "kernel_counters", false);
  field<std::string>(hello, "hash", "");
}

// Checks a hello and turns it into a session plan; throws ProtocolError
// with the reason the peer is told. The token is checked before anything
// else a peer sent is looked at.
SessionPlan accept_hello(const nlohmann::json& hello, const SinkServerOptions& opts) {
  if (field<std::string>(hello, "protocol", "") != kRemoteProtocol)
    throw ProtocolError("unsupported protocol (this server speaks " + std::string(kRemoteProtocol) +
                        ")");
  auto token = field<std::string>(hello, "token", "");
  if (!opts.token.empty() && !same_secret(token, opts.token))
    throw ProtocolError(hello.contains("token") ? "wrong token"
                                                : "this server requires a token (--token)");
  SessionPlan plan;
  if (!hello.contains("size")) throw ProtocolError("hello without a size");
  plan.size = field<std::uint64_t>(hello, "size", 0);
  if (plan.size == 0 || plan.size > opts.max_size)
    throw ProtocolError("size " + std::to_string(plan.size) + " is outside 1.." +
                        std::to_string(opts.max_size) +
                        " bytes (the server's --max-session-bytes)");
  auto mode = field<std::string>(hello, "mode", "receive");
  if (mode == "produce")
    check_produce(hello, opts, plan);
  else if (mode == "receive")
    check_receive(hello, opts, plan);
  else
    throw ProtocolError("mode '" + printable(mode) + "' is not served here (receive, produce)");
  field<std::string>(hello, "run", "");
  return plan;
}

void set_timeouts(int fd, double seconds) {
  timeval tv{time_t(seconds), suseconds_t((seconds - double(time_t(seconds))) * 1e6)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// The peer told why, if it still listens: it may be gone already.
void tell_error(int fd, const std::string& error) {
  try {
    send_message(fd, {{"type", "error"}, {"error", error}});
  } catch (const std::exception&) {
  }
}

// Session slots are taken after authentication: a connection that has not
// sent a valid hello (with the token) holds no slot.
class Slots {
 public:
  explicit Slots(unsigned max) : max_(max) {}
  bool take(unsigned& running) {
    std::lock_guard lock(m_);
    running = active_;
    if (active_ >= max_) return false;
    ++active_;
    return true;
  }
  void give_back() {
    std::lock_guard lock(m_);
    --active_;
  }

 private:
  std::mutex m_;
  unsigned active_ = 0;
  const unsigned max_;
};

// One accepted connection. Before its hello it is "pending": it holds no
// session slot, has a short deadline of its own, and the accept loop may
// drop it to make room for a newer one (evict()).
struct Connection {
  UniqueFd fd;
  unsigned id = 0;
  std::string peer;
  std::uint64_t accepted_ns = 0;
  std::mutex m;  // guards authenticated and evicted
  bool authenticated = false, evicted = false;
  std::atomic<bool> done{false};
  std::thread thread;

  bool pending() {
    std::lock_guard lock(m);
    return !authenticated && !evicted && !done;
  }
  // Wakes the thread's hello read; the thread tells the peer why.
  void evict() {
    std::lock_guard lock(m);
    if (authenticated || evicted) return;
    evicted = true;
    ::shutdown(fd.get(), SHUT_RD);
  }
};

std::string evicted_reason(const SinkServerOptions& opts) {
  return "dropped before authenticating: more than " + std::to_string(opts.max_pending) +
         " connections were waiting to send a hello (--max-pending)";
}

std::uint64_t session_time_limit_ns(const SinkServerOptions& opts, std::uint64_t size) {
  return std::uint64_t(opts.idle_timeout_s * 1e9) + size / kMinRateBytesPerS * 1'000'000'000ull +
         size % kMinRateBytesPerS * 1'000'000'000ull / kMinRateBytesPerS;
}

// The hello, checked, and a session slot; throws ProtocolError with what
// the peer is told.
SessionPlan authenticate(Connection& c, const SinkServerOptions& opts, Slots& slots,
                         nlohmann::json& hello) {
  auto hello_s = std::min(opts.hello_timeout_s, opts.idle_timeout_s);
  try {
    hello = read_message(c.fd.get(), c.accepted_ns + std::uint64_t(hello_s * 1e9), "hello");
  } catch (const ProtocolError&) {
    std::lock_guard lock(c.m);
    if (c.evicted) throw ProtocolError(evicted_reason(opts));
    throw;
  }
  auto plan = accept_hello(hello, opts);
  std::lock_guard lock(c.m);
  if (c.evicted) throw ProtocolError(evicted_reason(opts));
  unsigned running = 0;
  if (!slots.take(running))
    throw ProtocolError("busy: " + std::to_string(running) + " sessions already running");
  c.authenticated = true;
  return plan;
}

// The server's hostname lets a run name its peer by host (the `peer` field)
// rather than by the address it dialled.
std::string host_name() {
  utsname u{};
  return ::uname(&u) == 0 ? std::string(u.nodename) : std::string();
}

nlohmann::json ready_message() {
  return {{"type", "ready"},
          {"server",
           {{"version", build_version()}, {"commit", build_commit()}, {"hostname", host_name()}}}};
}

// A receive session: the peer sends, this side hashes and counts. Returns
// the log line's verdict.
std::string receive_session(int fd, const SessionPlan& plan, const nlohmann::json& hello,
                            std::uint64_t limit_ns) {
  auto ropts = plan.receive;
  std::string expected = hello.value("hash", "");
  ropts.time_limit_ns = limit_ns;
  ropts.on_ready = [fd] { send_message(fd, ready_message()); };
  // "done" stops the client's clock before the counters are read out.
  ropts.on_done = [fd] { send_message(fd, {{"type", "done"}}); };
  auto report = receive_stream(fd, ropts);
  if (report.error.empty() && report.bytes != plan.size)
    report.error = "got " + std::to_string(report.bytes) + " of the " + std::to_string(plan.size) +
                   " bytes announced";
  send_message(fd, {{"type", "report"}, {"report", report}});
  std::string hash = nlohmann::json(report).value("hash", "");
  return !report.error.empty() ? "failed: " + report.error
         : !report.hash        ? "not verified (" + report.unverified_reason + ")"
         : expected.empty()    ? "hash " + hash + " (no expected hash sent)"
         : hash == expected    ? "verified (hash " + hash + ")"
                            : "MISMATCH: hash " + hash + ", expected '" + printable(expected) + "'";
}

// A produce session: this side sends the seeded record stream after the
// peer's "go", then its report. Returns the log line's verdict.
std::string produce_session(int fd, const SessionPlan& plan, const SinkServerOptions& opts,
                            std::uint64_t limit_ns) {
  std::string no_go;
  auto wait_go = [&] {
    try {
      read_message(fd, now_ns() + std::uint64_t(opts.idle_timeout_s * 1e9), "go");
      return true;
    } catch (const std::exception& e) {
      no_go = e.what();
      return false;
    }
  };
  auto idle_ns = std::uint64_t(opts.idle_timeout_s * 1e9);
  auto report = opts.produce(
      fd, plan.request, [fd] { send_message(fd, ready_message()); }, wait_go, now_ns() + limit_ns,
      idle_ns);
  if (!no_go.empty()) report.error = "no go: " + no_go;
  if (report.error.empty() && report.bytes != plan.size)
    report.error = "sent " + std::to_string(report.bytes) + " of the " + std::to_string(plan.size) +
                   " bytes asked for";
  // A report or an error message goes only where the peer expects a
  // message: after the whole stream, or before its first byte. After a
  // failed send mid-stream the peer is gone or would read it as data.
  if (report.error.empty())
    send_message(fd, {{"type", "report"}, {"report", report}});
  else if (report.bytes == 0)
    tell_error(fd, report.error);
  std::string hash = nlohmann::json(report).value("hash", "");
  return "produced, " + (report.error.empty() ? "hash " + hash : "failed: " + report.error);
}

// One peer, start to finish, on its own thread. Every failure is told to
// the peer (if it still listens) and logged; none stops the server.
void serve_connection(Connection& c, const SinkServerOptions& opts, Slots& slots,
                      RefusalLog& refusals) {
  std::string tag = "session " + std::to_string(c.id) + " from " + c.peer;
  int fd = c.fd.get();
  set_timeouts(fd, opts.idle_timeout_s);
  bool holds_slot = false;
  try {
    nlohmann::json hello;
    auto plan = authenticate(c, opts, slots, hello);
    holds_slot = true;
    std::string run = hello.value("run", "");
    auto limit_ns = session_time_limit_ns(opts, plan.size);
    auto verdict = plan.produce ? produce_session(fd, plan, opts, limit_ns)
                                : receive_session(fd, plan, hello, limit_ns);
    log_line(tag + ": " + format_size(plan.size) + " for '" + printable(run) + "' " + verdict);
  } catch (const ProtocolError& e) {
    refusals.refused(tag + " refused: " + e.what());
    tell_error(fd, e.what());
  } catch (const std::exception& e) {
    // Told to the peer too: a failure it cannot see the reason of looks
    // like a network fault.
    // Before its hello a connection's failure (a reset) is a refusal too,
    // and as bounded in the log.
    if (holds_slot)
      log_line(tag + " failed: " + e.what());
    else
      refusals.refused(tag + " failed: " + e.what());
    tell_error(fd, std::string("server failed: ") + e.what());
  }
  if (holds_slot) slots.give_back();
}

// The connections' threads that have finished, joined and forgotten.
void reap(std::list<Connection>& conns) {
  for (auto it = conns.begin(); it != conns.end();)
    if (it->done) {
      it->thread.join();
      it = conns.erase(it);
    } else {
      ++it;
    }
}

// The oldest connection still waiting to authenticate makes room for a new
// one: a flood of silent connections then cannot keep a real client (which
// sends its hello at once) out.
void evict_oldest_pending(std::list<Connection>& conns, unsigned max_pending) {
  std::size_t pending = 0;
  Connection* oldest = nullptr;
  for (auto& c : conns)
    if (c.pending()) {
      ++pending;
      if (!oldest) oldest = &c;
    }
  if (pending >= max_pending && oldest) oldest->evict();
}

// The accept loop's state: the open connections, the session slots, the
// refusals' log.
struct Server {
  const SinkServerOptions& opts;
  std::list<Connection> conns;
  Slots slots;
  RefusalLog refusals;
  unsigned next_id = 1, served = 0;

  explicit Server(const SinkServerOptions& o) : opts(o), slots(o.max_sessions) {}

  // One accepted connection: refused when the server has too many threads
  // already (sessions, pending connections, and dropped ones still telling
  // their peer why), else served on a thread of its own.
  void accepted(UniqueFd conn, const std::string& peer) {
    unsigned id = next_id++;
    ++served;
    evict_oldest_pending(conns, opts.max_pending);
    const std::size_t max_threads = opts.max_sessions + 2 * std::size_t(opts.max_pending);
    if (conns.size() >= max_threads) {
      std::string why = "busy: " + std::to_string(conns.size()) + " connections open";
      refusals.refused("session " + std::to_string(id) + " from " + peer + " refused: " + why);
      set_timeouts(conn.get(), 1);
      tell_error(conn.get(), why);
      return;
    }
    auto& c = conns.emplace_back();
    c.fd = std::move(conn);
    c.id = id;
    c.peer = peer;
    c.accepted_ns = now_ns();
    c.thread = std::thread([&c, this] {
      serve_connection(c, opts, slots, refusals);
      ::shutdown(c.fd.get(), SHUT_RDWR);
      c.done = true;
    });
  }
};

}  // namespace

int serve_sink(const SinkServerOptions& opts) {
  auto listener = listen_on(opts.listen);
  log_line("listening on " + bound_address(listener.get()) +
           (opts.token.empty() ? " (no token required)" : " (token required)") + ", at most " +
           std::to_string(opts.max_sessions) + " sessions at once, " +
           std::to_string(opts.max_pending) + " waiting to authenticate");
  Server server(opts);
  while (!interrupted() && (opts.session_limit == 0 || server.served < opts.session_limit)) {
    reap(server.conns);
    server.refusals.tick();
    pollfd p{listener.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    UniqueFd conn(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC));
    if (conn) server.accepted(std::move(conn), peer_name(ss));
  }
  // On a signal, unblock sessions still reading; after --sessions N, let
  // the running sessions finish (cutting them off failed the last client).
  if (interrupted())
    for (auto& c : server.conns) ::shutdown(c.fd.get(), SHUT_RDWR);
  for (auto& c : server.conns) c.thread.join();
  server.refusals.flush();
  log_line(interrupted() ? "stopped by signal"
                         : "served " + std::to_string(server.served) + " sessions");
  return 0;
}

}  // namespace zc
