// The zerocopy-receive receiver mode: TCP_ZEROCOPY_RECEIVE maps whole pages
// of the socket's receive queue into the receiver instead of copying them.
#pragma once

#include <optional>
#include <string>

#include "harness/core/conditions.hpp"
#include "harness/sinks/receiver.hpp"

namespace zc {

// Reads `fd` (a TCP socket) to end of stream: maps what the kernel can map,
// reads the rest, hashes both. Fills bytes, hash, read_calls and evidence
// (zerocopy_receive_mapped_bytes / _copied_bytes / _getsockopt_calls ...).
void receive_zerocopy(int fd, const ReceiverOptions& opts, ReceiverReport& r);

// Why `mode` cannot receive from `sink`, or nothing when it can.
std::optional<std::string> receiver_mode_refuses(ReceiverMode mode, SinkKind sink);

}  // namespace zc
