// The zcrx receiver mode: io_uring zero-copy receive. The NIC splits each
// packet's headers (kernel memory, TCP as usual) from its payload, which it
// writes by DMA into an area of the receiver's memory registered on one of
// its hardware queues (IORING_REGISTER_ZCRX_IFQ); RECV_ZC completions say
// where. Probed first: it needs a NIC with header split, a spare queue the
// flow is steered to, and CAP_NET_ADMIN. Loopback and veth have none of it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/sinks/receiver.hpp"

namespace zc {

struct ZcrxProbe {
  std::string device;
  unsigned queue = 0;
  unsigned rx_queues = 0;  // /sys/class/net/DEV/queues/rx-*
  // The register call: 0 when it registered (the probe then unregisters),
  // else its errno; -1 when it was never made (why: `setup`).
  int register_errno = -1;
  std::string setup;  // a step before the call that failed, or empty
  // `ethtool -g DEV`'s "TCP data split:" line ("on", "off", "n/a"), or why
  // it could not be read ("unknown: ...").
  std::string tcp_data_split;
  // One line when zcrx cannot run on the device, naming every missing
  // piece; nothing when it registered.
  std::optional<std::string> unsupported;

  nlohmann::json to_json() const;
};

// Probes `device` (in the calling thread's network namespace), queue `queue`.
ZcrxProbe probe_zcrx(const std::string& device, unsigned queue = 0);
std::optional<std::string> zcrx_unsupported_on(const std::string& device, unsigned queue = 0);

// The device a connected socket's packets arrive on (its local address's
// interface), or empty.
std::string device_of_socket(int fd);

// Reads `fd` to end of stream with RECV_ZC from the device the socket's
// packets arrive on, queue `opts.rx_queue`, and hashes every byte. Throws
// Unsupported (with the probe's reason) when the queue cannot be
// registered. Evidence: zcrx_bytes, zcrx_completions, zcrx_refills.
void receive_zcrx(int fd, const ReceiverOptions& opts, ReceiverReport& r);

// devmem TCP (a dmabuf's device memory bound to a NIC queue): what this
// machine lacks for it, or nothing when it has a dmabuf source and a
// header-split NIC. A probe only: zc-bench has no devmem receiver.
std::optional<std::string> devmem_tcp_unavailable();

// Every device of this namespace with its zcrx probe, for `zc-bench env`.
nlohmann::json zcrx_probe_report();

}  // namespace zc
