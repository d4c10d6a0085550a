#include "harness/sinks/veth_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness/base/errors.hpp"
#include "harness/sinks/netns.hpp"
#include "harness/sinks/nic.hpp"
#include "harness/sinks/zcrx_receive.hpp"
#include "harness/sinks/zerocopy_receive.hpp"

namespace zc {
namespace {

constexpr unsigned kJumboMtu = 9000;

class VethSink : public SinkEndpoint {
 public:
  VethSink(const SinkOptions& opts, std::uint64_t deadline_ns)
      : pair_(std::make_unique<VethPair>()) {
    const auto& tx = pair_->sender();
    const auto& rx = pair_->receiver();
    // Offloads first: TCP reads the device's features into the socket's
    // route capabilities when it connects.
    auto ctl = pair_->socket_in(tx, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC);
    auto features = opts.nic.empty() ? read_nic_features(ctl.get(), tx.ifname)
                                     : apply_nic_request(ctl.get(), tx.ifname, opts.nic);
    details_ = {{"sender_netns", tx.netns},
                {"receiver_netns", rx.netns},
                {"sender_address", tx.address},
                {"receiver_address", rx.address},
                {"nic", nic_json(tx.ifname, opts.nic, features)}};

    if (opts.receiver == ReceiverMode::zcrx) {
      // The receiver's end, probed where it lives: its namespace.
      std::optional<std::string> why;
      pair_->run_in(rx, [&] { why = zcrx_unsupported_on(rx.ifname); });
      if (why) throw Unsupported(*why);
    }
    // Page-sized segments for a receiver that maps them need room for a
    // page of payload in a frame: a jumbo MTU, as a NIC would have it.
    const bool page_segments = opts.receiver == ReceiverMode::zerocopy_receive;
    if (page_segments) {
      pair_->set_mtu(kJumboMtu);
      details_["mtu"] = kJumboMtu;
    }
    auto listener = pair_->socket_in(rx, AF_INET, SOCK_STREAM | SOCK_CLOEXEC);
    auto addr = ipv4_address(rx.address, 0);
    check_unix(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
    check_unix(::listen(listener.get(), 1), "listen");
    socklen_t len = sizeof addr;
    check_unix(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len),
               "getsockname");
    auto client = pair_->socket_in(tx, AF_INET, SOCK_STREAM | SOCK_CLOEXEC);
    if (page_segments) page_sized_segments(client.get());
    check_unix(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr),
               "connect across the veth pair");
    if (page_segments) details_["segments"] = segment_details(client.get());
    UniqueFd server(
        check_unix(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC), "accept4"));
    inner_ = open_process_sink(opts, std::move(client), std::move(server),
                               netns_exec_prefix(rx.netns), deadline_ns);
  }

  ~VethSink() override {
    // The receiver (and its socket) go before the namespaces do.
    inner_.reset();
  }

  int fd() const override { return inner_->fd(); }
  void close_and_await(std::uint64_t deadline_ns) override { inner_->close_and_await(deadline_ns); }
  ReceiverReport collect() override { return inner_->collect(); }
  std::string diagnose() override { return inner_->diagnose(); }
  nlohmann::json details() const override { return details_; }

 private:
  std::unique_ptr<VethPair> pair_;  // first: outlives the receiver and sockets
  std::unique_ptr<SinkEndpoint> inner_;
  nlohmann::json details_;
};

}  // namespace

std::unique_ptr<SinkEndpoint> open_veth_sink(const SinkOptions& opts, std::uint64_t deadline_ns) {
  return std::make_unique<VethSink>(opts, deadline_ns);
}

}  // namespace zc
