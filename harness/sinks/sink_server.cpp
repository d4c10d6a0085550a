#include "harness/sinks/sink_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <list>
#include <mutex>
#include <thread>

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

void log_line(const std::string& text) {
  static std::mutex m;
  std::lock_guard lock(m);
  std::fprintf(stderr, "zc-bench sink: %s\n", text.c_str());
  std::fflush(stderr);
}

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
  check_unix(::listen(fd.get(), 16), "listen");
  return fd;
}

std::string bound_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return peer_name(ss);
}

// Checks a hello and turns it into receiver options; throws ProtocolError
// with the reason the peer is told.
ReceiverOptions accept_hello(const nlohmann::json& hello, const SinkServerOptions& opts,
                             std::uint64_t& size) {
  if (hello.value("protocol", "") != kRemoteProtocol)
    throw ProtocolError("unsupported protocol (this server speaks " + std::string(kRemoteProtocol) +
                        ")");
  const auto* token = hello.contains("token") && hello["token"].is_string()
                          ? hello["token"].get_ptr<const std::string*>()
                          : nullptr;
  if (!opts.token.empty() && (!token || !same_secret(*token, opts.token)))
    throw ProtocolError(token ? "wrong token" : "this server requires a token (--token)");
  if (!hello.contains("size") || !hello["size"].is_number_unsigned())
    throw ProtocolError("hello without a size");
  size = hello["size"].get<std::uint64_t>();
  if (size == 0 || size > opts.max_size)
    throw ProtocolError("size " + std::to_string(size) + " is outside 1.." +
                        std::to_string(opts.max_size) + " bytes");
  ReceiverOptions r;
  r.thread_usage = true;
  r.max_bytes = size;
  auto mode = parse_receiver_mode(hello.value("receiver", "recv"));
  if (!mode || *mode == ReceiverMode::zerocopy_receive)
    throw ProtocolError("receiver mode '" + hello.value("receiver", "") +
                        "' is not served here (recv, truncate)");
  r.mode = *mode;
  auto buffer = hello.value("buffer", std::uint64_t(256 * 1024));
  if (buffer < kMinBuffer || buffer > kMaxBuffer)
    throw ProtocolError("buffer size " + std::to_string(buffer) + " is outside 4 KiB..64 MiB");
  r.buffer_size = std::size_t(buffer);
  r.kernel_counters = hello.value("kernel_counters", false) == true;
  return r;
}

void set_timeouts(int fd, double seconds) {
  timeval tv{time_t(seconds), suseconds_t((seconds - double(time_t(seconds))) * 1e6)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// One peer, start to finish, on its own thread. Every failure is told to
// the peer (if it still listens) and logged; none stops the server.
void serve_session(int fd, const std::string& peer, unsigned id, const SinkServerOptions& opts) {
  std::string tag = "session " + std::to_string(id) + " from " + peer;
  set_timeouts(fd, opts.idle_timeout_s);
  auto idle_ns = std::uint64_t(opts.idle_timeout_s * 1e9);
  try {
    std::uint64_t size = 0;
    auto hello = read_message(fd, now_ns() + idle_ns, "hello");
    auto ropts = accept_hello(hello, opts, size);
    std::string expected = hello.value("hash", "");
    ropts.on_ready = [fd] {
      send_message(fd, {{"type", "ready"},
                        {"server", {{"version", ZC_VERSION}, {"commit", ZC_GIT_COMMIT}}}});
    };
    // "done" stops the client's clock before the counters are read out.
    ropts.on_done = [fd] { send_message(fd, {{"type", "done"}}); };
    auto report = receive_stream(fd, ropts);
    if (report.error.empty() && report.bytes != size)
      report.error = "got " + std::to_string(report.bytes) + " of the " + std::to_string(size) +
                     " bytes announced";
    send_message(fd, {{"type", "report"}, {"report", report}});
    std::string hash = nlohmann::json(report).value("hash", "");
    std::string verdict = !report.error.empty() ? "failed: " + report.error
                          : !report.hash        ? "not verified (" + report.unverified_reason + ")"
                          : expected.empty()    ? "hash " + hash + " (no expected hash sent)"
                          : hash == expected    ? "verified (hash " + hash + ")"
                                             : "MISMATCH: hash " + hash + ", expected " + expected;
    log_line(tag + ": " + format_size(report.bytes) + " for '" + hello.value("run", "") + "' " +
             verdict);
  } catch (const ProtocolError& e) {
    log_line(tag + " refused: " + e.what());
    try {
      send_message(fd, {{"type", "error"}, {"error", e.what()}});
    } catch (const std::exception&) {
    }
  } catch (const std::exception& e) {
    log_line(tag + " failed: " + e.what());
  }
}

struct Session {
  UniqueFd fd;
  std::atomic<bool> done{false};
  std::thread thread;
};

}  // namespace

int serve_sink(const SinkServerOptions& opts) {
  auto listener = listen_on(opts.listen);
  log_line("listening on " + bound_address(listener.get()) +
           (opts.token.empty() ? " (no token required)" : " (token required)") + ", at most " +
           std::to_string(opts.max_sessions) + " sessions at once");
  std::list<Session> sessions;
  unsigned next_id = 1, served = 0;
  auto reap = [&] {
    for (auto it = sessions.begin(); it != sessions.end();)
      if (it->done) {
        it->thread.join();
        it = sessions.erase(it);
      } else {
        ++it;
      }
  };
  while (!interrupted() && (opts.session_limit == 0 || served < opts.session_limit)) {
    reap();
    pollfd p{listener.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    UniqueFd conn(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC));
    if (!conn) continue;
    auto peer = peer_name(ss);
    unsigned id = next_id++;
    ++served;
    if (sessions.size() >= opts.max_sessions) {
      std::string why = "busy: " + std::to_string(sessions.size()) + " sessions already running";
      log_line("session " + std::to_string(id) + " from " + peer + " refused: " + why);
      set_timeouts(conn.get(), 1);
      try {
        send_message(conn.get(), {{"type", "error"}, {"error", why}});
      } catch (const std::exception&) {
      }
      continue;
    }
    auto& s = sessions.emplace_back();
    s.fd = std::move(conn);
    s.thread = std::thread([&s, peer, id, &opts] {
      serve_session(s.fd.get(), peer, id, opts);
      ::shutdown(s.fd.get(), SHUT_RDWR);
      s.done = true;
    });
  }
  // On a signal, unblock sessions still reading; after --sessions N, let
  // the running sessions finish (cutting them off failed the last client).
  if (interrupted())
    for (auto& s : sessions) ::shutdown(s.fd.get(), SHUT_RDWR);
  for (auto& s : sessions) s.thread.join();
  log_line(interrupted() ? "stopped by signal" : "served " + std::to_string(served) + " sessions");
  return 0;
}

}  // namespace zc
