// The veth sink: TCP across a veth pair between two network namespaces
// that zc-bench creates for the repetition and always removes; the
// receiver process runs in the peer namespace.
#pragma once

#include <memory>

#include "harness/sinks/sink.hpp"

namespace zc {

std::unique_ptr<SinkEndpoint> open_veth_sink(const SinkOptions& opts, std::uint64_t deadline_ns);

}  // namespace zc
