// The peers of the ingest and broker workloads: producer and consumer processes (the
// zc-bench binary itself, `zc-bench produce` / `zc-bench consume`) on the
// far end of a connection, and the connections themselves (loopback TCP,
// a unix socket pair, TCP across a veth pair).
//
// A peer gets its end of the connection as fd 3 and speaks a line
// protocol on its stdout: "ready" once set up, "done" when its stream has
// ended, then one JSON line, its report (measure/receiver_report.hpp). A
// producer waits for "go" on its stdin before it sends, so the measured
// side starts its clock first. Options go on the command line: a peer gets
// no environment of its own.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/base/fd.hpp"
#include "harness/core/conditions.hpp"
#include "harness/measure/receiver_report.hpp"
#include "harness/sinks/tuning.hpp"

namespace zc {

class VethPair;

// A connection between this process and a peer process.
struct Connection {
  UniqueFd near;                         // this process's end
  UniqueFd far;                          // the peer's end (passed as its fd 3)
  std::vector<std::string> exec_prefix;  // how to start the peer (ip netns exec NAME), or empty
  std::shared_ptr<VethPair> veth;        // veth: the namespaces, alive as long as the connection
  nlohmann::json details;                // veth: namespaces and addresses; null otherwise
};

// Opens a connection of `kind` (tcp, unix, veth). `near_receives`: the
// near end reads (ingest) or writes (a consumer's feed); socket buffers are
// tuned the same way either way. Throws Unsupported for a kind this
// workload cannot open here (remote, veth without CAP_NET_ADMIN).
Connection open_connection(SinkKind kind, const Tuning& tuning, bool near_receives);

// The far end of a stream: a producer (or consumer) that reports like a
// receiver. A process started here (PeerProcess) or a producer on another
// host (remote_producer.hpp).
class Peer {
 public:
  virtual ~Peer() = default;
  virtual void go() = 0;  // tells a producer to start sending
  // Waits for the end of its stream (its "done"). Throws if the peer fails,
  // says something else or the deadline passes.
  virtual void await_done() = 0;
  // Its report; throws if it failed.
  virtual ReceiverReport report() = 0;
  // What happened to the peer, for an error message ("killed by signal 9").
  virtual std::string diagnose() = 0;
};

class PeerProcess : public Peer {
 public:
  // Starts `zc-bench ARGS...` with `conn.far` as its fd 3 and waits (until
  // `deadline_ns`) for "ready"; `role` names it in errors ("producer 2").
  // The watchdog kills it at the deadline, which unblocks a measured side
  // stuck on a peer that stopped.
  PeerProcess(const std::string& role, std::vector<std::string> args, Connection& conn,
              std::uint64_t deadline_ns);
  ~PeerProcess() override;
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  void go() override;
  void await_done() override;
  ReceiverReport report() override;
  std::string diagnose() override;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The zc-bench executable's argument for a CPU pin (-1: any CPU).
std::vector<std::string> pin_args(int cpu);

}  // namespace zc
