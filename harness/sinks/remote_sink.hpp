// The remote sink: the bytes go over TCP to a `zc-bench sink --listen`
// on another host, which checks them and sends its measurements back.
#pragma once

#include <memory>

#include "harness/sinks/sink.hpp"

namespace zc {

std::unique_ptr<SinkEndpoint> open_remote_sink(const SinkOptions& opts, std::uint64_t deadline_ns);

}  // namespace zc
