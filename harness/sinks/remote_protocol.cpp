#include "harness/sinks/remote_protocol.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "harness/base/errors.hpp"
#include "harness/measure/meters.hpp"

namespace zc {
namespace {

// Reads exactly `n` bytes or throws: the peer closed, went quiet past the
// deadline, or failed.
void read_exact(int fd, char* p, std::size_t n, std::uint64_t deadline_ns, const char* what) {
  std::size_t got = 0;
  while (got < n) {
    auto now = now_ns();
    if (now >= deadline_ns) throw ProtocolError(std::string("timed out waiting for the ") + what);
    pollfd pfd{fd, POLLIN, 0};
    int wait_ms = int(std::min<std::uint64_t>((deadline_ns - now) / 1'000'000 + 1, 250));
    int r = ::poll(&pfd, 1, wait_ms);
    if (r < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "poll");
    if (r <= 0) continue;
    auto k = ::recv(fd, p + got, n - got, 0);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (k < 0) throw std::system_error(errno, std::generic_category(), what);
    if (k == 0)
      throw ProtocolError(std::string("the peer closed the connection before the ") + what);
    got += std::size_t(k);
  }
}

}  // namespace

void send_message(int fd, const nlohmann::json& message) {
  auto body = message.dump();
  if (body.size() > kMaxControlMessage) throw std::logic_error("control message too large");
  std::uint32_t len = htonl(std::uint32_t(body.size()));
  std::string frame(reinterpret_cast<const char*>(&len), 4);
  frame += body;
  for (std::size_t off = 0; off < frame.size();) {
    auto n = ::send(fd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    check_unix(n, "send control message");
    off += std::size_t(n);
  }
}

nlohmann::json read_message(int fd, std::uint64_t deadline_ns, std::string_view type) {
  std::string what = std::string(type) + " message";
  std::uint32_t len = 0;
  read_exact(fd, reinterpret_cast<char*>(&len), 4, deadline_ns, what.c_str());
  len = ntohl(len);
  if (len > kMaxControlMessage)
    throw ProtocolError("control message of " + std::to_string(len) +
                        " bytes exceeds the limit of " + std::to_string(kMaxControlMessage) +
                        " bytes (not a zc-bench peer?)");
  std::string body(len, '\0');
  read_exact(fd, body.data(), len, deadline_ns, what.c_str());
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw ProtocolError("the " + what + " is not a JSON object with a type (not a zc-bench peer?)");
  auto got = j["type"].get<std::string>();
  if (got == "error") {
    const auto& e = j.contains("error") ? j["error"] : nlohmann::json();
    throw ProtocolError(e.is_string() ? printable(e.get<std::string>(), 400)
                                      : "the peer reported an error");
  }
  if (got != type) throw ProtocolError("expected a " + what + ", got '" + printable(got) + "'");
  return j;
}

std::pair<std::string, std::string> split_host_port(const std::string& address) {
  auto colon = address.rfind(':');
  std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return {host, port};
}

std::string parse_remote_address(const std::string& text, const char* option) {
  auto colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  std::string port = colon == std::string::npos ? text : text.substr(colon + 1);
  bool digits = !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoul(port) > 65535)
    throw UsageError(std::string(option) + ": '" + text +
                     "' is not HOST:PORT (a port from 0 to 65535)");
  if (host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return host + ":" + port;
}

UniqueFd connect_remote(const std::string& address, std::uint64_t deadline_ns, const char* what) {
  auto [host, port] = split_host_port(address);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error(std::string(what) + " " + address + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
  std::string last = "no address";
  for (auto* ai = res; ai; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) continue;
    int rc = ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd.get(), POLLOUT, 0};
      auto now = now_ns();
      int wait_ms = deadline_ns > now ? int((deadline_ns - now) / 1'000'000) : 0;
      int err = ETIMEDOUT;
      if (::poll(&p, 1, wait_ms) == 1) {
        socklen_t len = sizeof err;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      }
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    last = errno_text(errno);
  }
  throw std::runtime_error(std::string(what) + " " + address + ": connect: " + last);
}

bool same_secret(std::string_view a, std::string_view b) {
  // Touch every byte of the longer one whatever the contents, so the time
  // taken says nothing about how much of a guess was right.
  std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() != b.size();
  for (std::size_t i = 0; i < n; ++i) {
    unsigned x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

std::vector<std::string> redact_secrets(const std::vector<std::string>& command_line) {
  std::vector<std::string> out = command_line;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == "--token" && i + 1 < out.size())
      out[++i] = "<redacted>";
    else if (out[i].rfind("--token=", 0) == 0)
      out[i] = "--token=<redacted>";
  }
  return out;
}

}  // namespace zc
