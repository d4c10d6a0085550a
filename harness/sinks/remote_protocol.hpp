// The control protocol between `zc-bench run --sink remote:HOST:PORT` and
// `zc-bench sink --listen`: length-prefixed JSON messages on the same TCP
// connection that carries the data. A session either receives (the
// transfer workload sends to the server) or produces (the ingest workload's
// producer runs on the server):
//
//   receive (mode absent or "receive"):
//   client -> server  hello  {protocol, token?, size, hash, receiver, buffer, run}
//   server -> client  ready  | error {error}
//   client -> server  exactly `size` raw bytes, then shutdown(SHUT_WR)
//   server -> client  done, then report {report: ReceiverReport} | error {error}
//
//   produce:
//   client -> server  hello  {protocol, token?, mode: "produce", size, record, seed, run}
//   server -> client  ready  | error {error}
//   client -> server  go
//   server -> client  exactly `size` raw bytes of the seeded record stream
//                     (sinks/record_stream.hpp), then
//                     report {report: ReceiverReport} | error {error}
//
// Every message is a 4-byte big-endian length and that many bytes of JSON
// (an object with a "type"); a length over kMaxControlMessage is refused
// before a byte of the body is read.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/fd.hpp"
#include "harness/base/text.hpp"

namespace zc {

inline constexpr const char* kRemoteProtocol = "zc-bench-remote/1";
inline constexpr std::uint32_t kMaxControlMessage = 64 * 1024;
// A client's bound on connecting and the hello/ready exchange: the
// handshake must not take a whole repetition's budget.
inline constexpr std::uint64_t kRemoteHandshakeNs = 15'000'000'000ull;

// A peer broke the protocol (oversized, truncated, not JSON, wrong type)
// or went quiet; the message says which.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes one message; throws std::system_error when the peer is gone.
void send_message(int fd, const nlohmann::json& message);

// Reads one message of the expected `type` (or "error", which is thrown as
// a ProtocolError carrying the peer's text) before `deadline_ns`.
nlohmann::json read_message(int fd, std::uint64_t deadline_ns, std::string_view type);

// A peer's text made safe for a log line or a message: printable(), in
// harness/base/text.hpp (shared with every message that quotes outside text).

// "HOST:PORT", "[V6]:PORT" -> the same, checked; throws UsageError naming
// `option`. A missing host means 127.0.0.1.
std::string parse_remote_address(const std::string& text, const char* option);
// Splits a checked address into host and port.
std::pair<std::string, std::string> split_host_port(const std::string& address);

// Connects to a checked address, waiting until `deadline_ns` at most (a
// host that drops packets would otherwise hold the run for the kernel's
// two-minute SYN retry). Returns a blocking socket; `what` names the peer
// in errors ("remote sink").
UniqueFd connect_remote(const std::string& address, std::uint64_t deadline_ns, const char* what);

// Compares secrets in time that depends on their lengths only, not on
// where they first differ.
bool same_secret(std::string_view a, std::string_view b);

// The command line with the value of --token replaced, for the results.
std::vector<std::string> redact_secrets(const std::vector<std::string>& command_line);

}  // namespace zc
