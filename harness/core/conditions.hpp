// The conditions of one run: what a strategy's ledger and probe may depend on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/append_params.hpp"
#include "harness/core/nic_request.hpp"

namespace zc {

// The TLS strategies' suite when --tls-cipher is not given: the one default,
// here in core because Conditions carries it (kit/tls.hpp names the suites).
inline constexpr std::string_view kDefaultTlsCipher = "aes-128-gcm";

enum class SinkKind { tcp, unix_stream, pipe, null, file, veth, remote };
enum class CacheState { hot, cold };
// zcrx: io_uring zero-copy receive (IORING_REGISTER_ZCRX_IFQ, RECV_ZC):
// the NIC writes payload straight into the receiver's memory.
enum class ReceiverMode { recv, zerocopy_receive, truncate, zcrx };

std::string_view to_string(SinkKind s);
std::string_view to_string(CacheState c);
std::string_view to_string(ReceiverMode m);
std::optional<SinkKind> parse_sink_kind(std::string_view text);
std::optional<ReceiverMode> parse_receiver_mode(std::string_view text);

// True when a receiver process reads the stream (and so checks its bytes).
bool has_receiver_process(SinkKind s);
// True for sinks that are sockets the sender writes with send().
bool is_socket_sink(SinkKind s);

struct Conditions {
  SinkKind sink = SinkKind::tcp;
  CacheState cache = CacheState::hot;
  ReceiverMode receiver = ReceiverMode::recv;
  std::uint64_t size = 0;
  std::uint64_t chunk = 0;
  unsigned queue_depth = 8;
  // Whether the egress device gathers pages (scatter-gather DMA). Loopback
  // and veth with sg=on do; with sg=off the kernel linearises every skb.
  bool egress_scatter_gather = true;
  // veth: the offloads asked of the egress device (drives the flag above).
  NicRequest nic;
  // remote: HOST:PORT of a `zc-bench sink --listen`.
  std::string remote;
  // Where the source file lives (O_DIRECT and other file-system probes).
  std::filesystem::path source_dir;
  // Append runs only: the record size is `chunk`, the log size `size`, and
  // the log lives in `source_dir`.
  AppendParameters append;
  // TLS strategies: the TLS 1.3 suite (--tls-cipher; kit/tls.hpp).
  std::string tls_cipher{kDefaultTlsCipher};
};

}  // namespace zc
