// `zc-bench run --preset receive`: "the battle of the ZCs" on the receive
// side: one stream received by recv, by zerocopy-receive (from each sender
// whose pages it can map) and by io_uring zcrx where the NIC allows.
#pragma once

#include <vector>

#include "harness/workloads/workload.hpp"

namespace zc {

// Replaces the runs with the receive paths' rows, once for each distinct
// size, chunk, cache state and sink (tcp, veth or remote) of the runs the
// options asked for. Throws UsageError for a sink with no TCP receiver and
// Unsupported when a strategy it needs is not built in.
void apply_receive_preset(std::vector<RunSpec>& runs);

// It compares the receivers' own CPU per byte: a polling receiver's would
// track its wall time, so its receivers sleep at once (--receiver-poll 0)
// unless --receiver-poll says otherwise.
inline constexpr unsigned kReceivePresetPollUs = 0;

}  // namespace zc
