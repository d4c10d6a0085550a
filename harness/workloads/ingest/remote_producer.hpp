// The ingest workload's producer on another host: a produce session of
// `zc-bench sink --listen` (harness/sinks/remote_protocol.hpp). The
// connection it opens is the one the strategy receives the stream on; the
// server's report (its bytes, hash and CPU) follows the stream's last byte
// on the same connection.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/sinks/peer_process.hpp"
#include "harness/sinks/tuning.hpp"

namespace zc {

struct RemoteProduceRequest {
  std::string address;  // checked HOST:PORT
  std::string token;    // the server's shared secret, if it wants one
  std::string run;      // the run's name, for the server's log
  std::uint64_t size = 0, record = 0, seed = 0;
};

class RemoteProducer : public Peer {
 public:
  // Connects, sends the hello and waits for "ready" (15 s at most, and
  // not past `deadline_ns`). Throws with the server's reason if it refuses.
  // At the deadline the connection is shut down, which ends a strategy's
  // receive however it waits (recv, splice, io_uring).
  RemoteProducer(const RemoteProduceRequest& request, const Tuning& tuning,
                 std::uint64_t deadline_ns);
  ~RemoteProducer() override;
  RemoteProducer(const RemoteProducer&) = delete;
  RemoteProducer& operator=(const RemoteProducer&) = delete;

  int fd() const;
  nlohmann::json details() const;  // {"remote": address, "server": its version}

  void go() override;
  void await_done() override;  // reads the report that follows the stream
  ReceiverReport report() override;
  std::string diagnose() override;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace zc
