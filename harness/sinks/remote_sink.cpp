#include "harness/sinks/remote_sink.hpp"

#include <sys/socket.h>

#include <cstdio>

#include "harness/base/errors.hpp"
#include "harness/measure/meters.hpp"
#include "harness/sinks/remote_protocol.hpp"

namespace zc {
namespace {

timeval to_timeval(std::uint64_t ns) {
  return timeval{time_t(ns / 1'000'000'000ull), suseconds_t(ns % 1'000'000'000ull / 1000)};
}

class RemoteSink : public SinkEndpoint {
 public:
  RemoteSink(const SinkOptions& opts, std::uint64_t deadline_ns) : address_(opts.remote) {
    auto handshake = std::min(deadline_ns, now_ns() + kRemoteHandshakeNs);
    fd_ = connect_remote(address_, handshake, "remote sink");
    nlohmann::json hello = {{"type", "hello"},
                            {"protocol", kRemoteProtocol},
                            {"size", opts.expected_size},
                            {"receiver", to_string(opts.receiver)},
                            {"buffer", opts.tuning.receiver_buffer},
                            {"run", opts.run_name},
                            {"kernel_counters", opts.kernel_counters}};
    if (opts.expected_hash) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx",
                    static_cast<unsigned long long>(*opts.expected_hash));
      hello["hash"] = hex;
    }
    if (!opts.token.empty()) hello["token"] = opts.token;
    try {
      send_message(fd_.get(), hello);
      auto ready = read_message(fd_.get(), handshake, "ready");
      server_ = ready.value("server", nlohmann::json::object());
    } catch (const std::exception& e) {
      throw std::runtime_error("remote sink " + address_ + " refused the run: " + e.what());
    }
    // A receiver that stops reading turns into an EAGAIN from send() at
    // the deadline instead of a hang (SO_SNDTIMEO bounds sendfile too).
    auto now = now_ns();
    auto tv = to_timeval(deadline_ns > now ? deadline_ns - now : 1000);
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  int fd() const override { return fd_.get(); }

  void close_and_await(std::uint64_t deadline_ns) override {
    check_unix(::shutdown(fd_.get(), SHUT_WR), "shutdown");
    try {
      // "done": the stream has ended there (the report follows, after the
      // server has read out its counters, untimed).
      read_message(fd_.get(), deadline_ns, "done");
    } catch (const ProtocolError& e) {
      throw std::runtime_error("remote receiver " + address_ + ": " + e.what());
    }
    deadline_ns_ = deadline_ns;
  }

  ReceiverReport collect() override {
    try {
      auto report = read_message(fd_.get(), deadline_ns_, "report");
      auto r = report.at("report").get<ReceiverReport>();
      if (!r.error.empty()) throw std::runtime_error(r.error);
      return r;
    } catch (const std::exception& e) {
      throw std::runtime_error("remote receiver " + address_ + " failed: " + e.what());
    }
  }

  std::string diagnose() override {
    // The server says why it stopped, if it can still say anything: an
    // error message, or "done" and a report that carries the error.
    auto deadline = now_ns() + 2'000'000'000ull;
    try {
      read_message(fd_.get(), deadline, "done");
      auto report = read_message(fd_.get(), deadline, "report");
      return report.value("report", nlohmann::json::object()).value("error", std::string());
    } catch (const std::exception& e) {
      return std::string("at ") + address_ + ": " + e.what();
    }
  }

  nlohmann::json details() const override { return {{"remote", address_}, {"server", server_}}; }

 private:
  std::string address_;
  UniqueFd fd_;
  nlohmann::json server_;
  std::uint64_t deadline_ns_ = 0;  // the repetition's, for the report after "done"
};

}  // namespace

std::unique_ptr<SinkEndpoint> open_remote_sink(const SinkOptions& opts, std::uint64_t deadline_ns) {
  return std::make_unique<RemoteSink>(opts, deadline_ns);
}

}  // namespace zc
