#include "harness/sinks/peer_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/io.hpp>
#include <boost/process/posix.hpp>
#include <optional>

#include "harness/base/deadline_watchdog.hpp"
#include "harness/base/errors.hpp"
#include "harness/kit/launch_lock.hpp"
#include "harness/kit/probes.hpp"
#include "harness/measure/meters.hpp"
#include "harness/sinks/child_report.hpp"
#include "harness/sinks/netns.hpp"
#include "harness/sinks/sink.hpp"

namespace zc {
namespace bp = boost::process;

namespace {

// A TCP connection: `client` dials `server_listener`. Returns {client, server}.
std::pair<UniqueFd, UniqueFd> dial(UniqueFd listener, UniqueFd client, sockaddr_in addr) {
  check_unix(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
  check_unix(::listen(listener.get(), 1), "listen");
  socklen_t len = sizeof addr;
  check_unix(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len),
             "getsockname");
  check_unix(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "connect");
  UniqueFd server(check_unix(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC), "accept4"));
  return {std::move(client), std::move(server)};
}

}  // namespace

Connection open_connection(SinkKind kind, const Tuning& tuning, bool near_receives) {
  Connection c;
  switch (kind) {
    case SinkKind::tcp: {
      UniqueFd listener(check_unix(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
      UniqueFd client(check_unix(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
      auto [a, b] = dial(std::move(listener), std::move(client), ipv4_address("127.0.0.1", 0));
      c.far = std::move(a);  // the peer dials in, as a producer or consumer would
      c.near = std::move(b);
      break;
    }
    case SinkKind::unix_stream: {
      int sv[2];
      check_unix(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), "socketpair");
      c.near.reset(sv[0]);
      c.far.reset(sv[1]);
      break;
    }
    case SinkKind::veth: {
      if (auto s = probe_net_admin(); !s)
        throw Unsupported("the veth sink creates network namespaces: " + *s.missing);
      // The peer runs in one namespace; this process keeps its socket in
      // the other (a socket stays in the namespace it was made in).
      c.veth = std::make_shared<VethPair>();
      const auto& peer = c.veth->sender();
      const auto& self = c.veth->receiver();
      auto listener = c.veth->socket_in(self, AF_INET, SOCK_STREAM | SOCK_CLOEXEC);
      auto client = c.veth->socket_in(peer, AF_INET, SOCK_STREAM | SOCK_CLOEXEC);
      auto [a, b] = dial(std::move(listener), std::move(client), ipv4_address(self.address, 0));
      c.far = std::move(a);
      c.near = std::move(b);
      c.exec_prefix = netns_exec_prefix(peer.netns);
      c.details = {{"peer_netns", peer.netns},
                   {"netns", self.netns},
                   {"peer_address", peer.address},
                   {"address", self.address}};
      break;
    }
    default:
      throw Unsupported("the " + std::string(to_string(kind)) +
                        " sink cannot carry a producer's or consumer's stream");
  }
  if (near_receives)
    apply_socket_buffers(c.far.get(), c.near.get(), tuning);
  else
    apply_socket_buffers(c.near.get(), c.far.get(), tuning);
  return c;
}

std::vector<std::string> pin_args(int cpu) { return {"--cpu", std::to_string(cpu)}; }

struct PeerProcess::State {
  std::string role;
  bp::child child;
  UniqueFd lines;  // the peer's stdout
  UniqueFd go;     // the peer's stdin
  std::string pending;
  std::uint64_t deadline_ns = 0;
  // Kills the peer at the deadline.
  std::optional<DeadlineWatchdog> watchdog;

  std::string read_line(const char* waiting_for) {
    return read_report_line(lines.get(), pending, deadline_ns, role, waiting_for,
                            [this] { return diagnose(); });
  }

  // Ends and reaps the peer. Boost 1.74's terminate() reaps with WNOHANG
  // right after its SIGKILL, before the peer is dead (and a later wait()
  // does nothing): reaped here, or a SIGTERM'd run left it a zombie.
  void end() {
    watchdog.reset();  // joins before the child goes
    std::error_code ec;
    if (child.valid() && child.running(ec)) {
      const pid_t pid = child.id();
      child.terminate(ec);
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    if (child.valid()) child.wait(ec);
  }

  std::string diagnose() { return how_child_ended(child, watchdog); }
};

PeerProcess::PeerProcess(const std::string& role, std::vector<std::string> args, Connection& conn,
                         std::uint64_t deadline_ns)
    : s_(std::make_unique<State>()) {
  s_->role = role;
  s_->deadline_ns = deadline_ns;
  int out[2], in[2];
  check_unix(::pipe2(out, O_CLOEXEC), "pipe2");
  s_->lines.reset(out[0]);
  UniqueFd out_write(out[1]);
  check_unix(::pipe2(in, O_CLOEXEC), "pipe2");
  s_->go.reset(in[1]);
  UniqueFd in_read(in[0]);
  try {
    std::string program = self_executable().string();
    if (!conn.exec_prefix.empty()) {
      args.insert(args.begin(), program);
      args.insert(args.begin(), conn.exec_prefix.begin() + 1, conn.exec_prefix.end());
      program = conn.exec_prefix.front();
    }
    std::lock_guard launch(launch_mutex());  // see launch_lock.hpp
    s_->child =
        bp::child(program, bp::args(args), bp::posix::fd.bind(0, in_read.get()),
                  bp::posix::fd.bind(3, conn.far.get()), bp::posix::fd.bind(1, out_write.get()));
  } catch (const std::exception& e) {
    throw std::runtime_error("starting " + role + ": " + e.what());
  }
  conn.far.reset();  // the peer has it; a closed peer must mean end of stream here
  auto pid = s_->child.id();
  s_->watchdog.emplace(deadline_ns, [pid] { ::kill(pid, SIGKILL); });
  try {
    auto ready = s_->read_line("ready");
    if (ready != "ready") throw std::runtime_error(role + " said '" + ready + "' instead of ready");
  } catch (...) {
    s_->end();  // the destructor does not run for a constructor that throws
    throw;
  }
}

PeerProcess::~PeerProcess() { s_->end(); }

void PeerProcess::go() {
  static constexpr char kGo[] = "go\n";
  // The peer may have died already: the report will say how.
  if (::write(s_->go.get(), kGo, sizeof kGo - 1) != sizeof kGo - 1)
    throw std::runtime_error(s_->role + " " + s_->diagnose() + " before it was told to go");
}

void PeerProcess::await_done() {
  auto done = s_->read_line("done");
  if (done != "done") throw std::runtime_error(s_->role + " said '" + done + "' instead of done");
}

ReceiverReport PeerProcess::report() {
  auto line = s_->read_line("reporting");
  ReceiverReport r;
  try {
    r = nlohmann::json::parse(line).get<ReceiverReport>();
  } catch (const std::exception& e) {
    throw std::runtime_error("unreadable report from " + s_->role + ": " + e.what());
  }
  std::error_code ec;
  s_->child.wait(ec);
  if (!r.error.empty()) throw std::runtime_error(s_->role + " failed: " + r.error);
  return r;
}

std::string PeerProcess::diagnose() { return s_->diagnose(); }

}  // namespace zc
