// The zerocopy-receive receiver mode: TCP_ZEROCOPY_RECEIVE maps whole pages
// of the socket's receive queue into the receiver instead of copying them.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/core/conditions.hpp"
#include "harness/sinks/receiver.hpp"

namespace zc {

// Reads `fd` (a TCP socket) to end of stream: maps what the kernel can map,
// reads the rest, hashes both. Fills bytes, hash, read_calls and evidence
// (zerocopy_receive_mapped_bytes / _copied_bytes / _getsockopt_calls ...).
void receive_zerocopy(int fd, const ReceiverOptions& opts, ReceiverReport& r);

// Page-sized segments for a receiver that maps: TCP_MAXSEG on the sender's
// socket before it connects, so that each segment's payload is one page
// (4096 bytes plus the 12 of the timestamp option where
// net.ipv4.tcp_timestamps has them on). Measured here on 6.18, 64 MiB from
// MSG_ZEROCOPY over loopback: 93.6% mapped at the default MSS, 99.9% at
// 4096. Throws std::system_error.
void page_sized_segments(int sender_fd);
// What the connected socket says about it: {"tcp_maxseg_set",
// "tcp_maxseg_in_effect" (getsockopt), "why"}.
nlohmann::json segment_details(int sender_fd);

// Why `mode` cannot receive from `sink`, or nothing when it can.
std::optional<std::string> receiver_mode_refuses(ReceiverMode mode, SinkKind sink);

}  // namespace zc
