#include "harness/workloads/ingest/remote_producer.hpp"

#include <sys/socket.h>

#include <optional>

#include "harness/base/deadline_watchdog.hpp"
#include "harness/base/errors.hpp"
#include "harness/measure/meters.hpp"
#include "harness/sinks/remote_protocol.hpp"

namespace zc {

struct RemoteProducer::State {
  std::string address;
  UniqueFd fd;
  nlohmann::json server;
  std::uint64_t deadline_ns = 0;
  std::optional<ReceiverReport> report;
  std::optional<DeadlineWatchdog> watchdog;

  std::string where() const { return "remote producer " + address; }
};

RemoteProducer::RemoteProducer(const RemoteProduceRequest& request, const Tuning& tuning,
                               std::uint64_t deadline_ns)
    : s_(std::make_unique<State>()) {
  s_->address = request.address;
  s_->deadline_ns = deadline_ns;
  auto handshake = std::min(deadline_ns, now_ns() + kRemoteHandshakeNs);
  s_->fd = connect_remote(request.address, handshake, "remote producer");
  if (tuning.rcvbuf > 0)
    check_unix(
        ::setsockopt(s_->fd.get(), SOL_SOCKET, SO_RCVBUF, &tuning.rcvbuf, sizeof tuning.rcvbuf),
        "setsockopt(SO_RCVBUF)");
  nlohmann::json hello = {{"type", "hello"},          {"protocol", kRemoteProtocol},
                          {"mode", "produce"},        {"size", request.size},
                          {"record", request.record}, {"seed", request.seed},
                          {"run", request.run}};
  if (!request.token.empty()) hello["token"] = request.token;
  try {
    send_message(s_->fd.get(), hello);
    auto ready = read_message(s_->fd.get(), handshake, "ready");
    s_->server = ready.value("server", nlohmann::json::object());
  } catch (const std::exception& e) {
    throw std::runtime_error(s_->where() + " refused the run: " + e.what());
  }
  // Like a local producer killed at the deadline: shutting the connection
  // down wakes the strategy's receive, whichever call it waits in.
  s_->watchdog.emplace(deadline_ns, [fd = s_->fd.get()] { ::shutdown(fd, SHUT_RDWR); });
}

RemoteProducer::~RemoteProducer() { s_->watchdog.reset(); }

int RemoteProducer::fd() const { return s_->fd.get(); }

nlohmann::json RemoteProducer::details() const {
  return {{"remote", s_->address}, {"server", s_->server}};
}

void RemoteProducer::go() {
  try {
    send_message(s_->fd.get(), {{"type", "go"}});
  } catch (const std::exception& e) {
    throw std::runtime_error(s_->where() + ": " + e.what() + " before it was told to go");
  }
}

void RemoteProducer::await_done() {
  try {
    auto message = read_message(s_->fd.get(), s_->deadline_ns, "report");
    s_->report = message.at("report").get<ReceiverReport>();
  } catch (const std::exception& e) {
    throw std::runtime_error(s_->where() + ": " + e.what());
  }
}

ReceiverReport RemoteProducer::report() {
  if (!s_->report) await_done();
  if (!s_->report->error.empty())
    throw std::runtime_error(s_->where() + " failed: " + s_->report->error);
  return *s_->report;
}

std::string RemoteProducer::diagnose() {
  std::string at = "at " + s_->address;
  if (s_->watchdog && s_->watchdog->fired())
    return at + ": cut off by zc-bench at the repetition's deadline";
  // Only a look: mid-stream, what is unread is the stream's bytes.
  char byte;
  auto n = ::recv(s_->fd.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return at + ": closed the connection";
  if (n > 0) return at + ": still sending";
  if (errno == EAGAIN || errno == EWOULDBLOCK) return at + ": connected, sending nothing now";
  return at + ": " + errno_text(errno);
}

}  // namespace zc
