// The copy ledger: the hops a strategy's bytes take, as data. It is the
// model that the harness sets beside the measured evidence.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/conditions.hpp"

namespace zc {

enum class Place {
  disk,
  page_cache,         // the source file's pages
  mapped_page_cache,  // the same pages seen through the sender's mmap
  user_buffer,        // the sender's own memory
  // A language runtime's managed heap (a JVM byte[]): the runtime copies
  // between it and native memory in user space, out of the kernel's sight.
  runtime_heap,
  socket_buffer,
  pipe_buffer,
  sink_page_cache,  // the destination file's pages
  nic,              // the egress device (or its stand-in, veth)
  receiver_buffer,  // the receiving process's memory
  discarded,        // /dev/null, MSG_TRUNC
};

// cpu_transform: a CPU pass that writes different bytes than it reads
// (encryption, decryption): it costs like a copy, crosses no user/kernel
// boundary, and is counted apart from copies (Ledger::cpu_transforms).
enum class Mover { dma, cpu, reference, cpu_transform };
enum class Side { sender, receiver };

std::string_view to_string(Place p);
std::string_view to_string(Mover m);
std::string_view to_string(Side s);

struct Hop {
  Place from;
  Place to;
  Mover by;
  Side side = Side::sender;
  std::string note = {};  // why the hop is what it is, when not obvious
};

struct Ledger {
  std::vector<Hop> hops;
  double syscalls_per_chunk = 0;  // sender side, steady state
  // Bytes a transforming hop adds to the stream over the whole transfer
  // (TLS record headers and tags, the closing alert): the stream carries
  // size + this, and copies of it move that many bytes.
  std::uint64_t wire_overhead_bytes = 0;

  int cpu_copies() const;
  int cpu_copies(Side side) const;
  int dma_copies() const;
  // CPU passes that transform the bytes (encryption, decryption).
  int cpu_transforms() const;
  int cpu_transforms(Side side) const;
  // The articles count a user/kernel mode switch on entry and on exit.
  double mode_switches_per_chunk() const { return 2 * syscalls_per_chunk; }
  // Copies the sender's syscalls make across the user/kernel boundary,
  // per byte moved: copy_to_user (into user memory), copy_from_user. A
  // runtime's copies between its heap and native memory cross nothing.
  int copies_to_user() const;
  int copies_from_user() const;
};

// Builds a ledger from the run's conditions so that the sink, the cache
// state and the egress device shape the hops, not the strategy's name.
class LedgerBuilder {
 public:
  explicit LedgerBuilder(const Conditions& c) : c_(c) {}

  // disk -> page cache by DMA, when the cache is cold.
  LedgerBuilder& source_into_page_cache();
  LedgerBuilder& hop(Place from, Place to, Mover by, std::string note = {});
  // A CPU pass that transforms the bytes on `side` (encryption, decryption).
  LedgerBuilder& transform(Place from, Place to, Side side, std::string note);
  // What the transforms add to the stream (Ledger::wire_overhead_bytes).
  LedgerBuilder& wire_overhead(std::uint64_t bytes);
  // Bytes the sender hands over from `from` by a CPU copy (write, send):
  // into the sink's buffer, then the sink's own hops.
  LedgerBuilder& sink_copy_from(Place from);
  // Pages handed over by reference (sendfile, splice, zero-copy send): the
  // sink takes references where it can and copies where it must.
  LedgerBuilder& sink_by_reference_from(Place from);
  // A zero-copy send (MSG_ZEROCOPY, io_uring SEND_ZC) from `from`: the
  // socket pins the pages until a completion hands them back. `how` names
  // the call, `copied_flag` the completion flag by which the kernel says it
  // copied after all. Socket sinks only.
  LedgerBuilder& zero_copy_send_from(Place from, const std::string& how,
                                     const std::string& copied_flag);
  // The file sink's pages to its disk: made real by a sync after the timed
  // region, where the device's writes are measured.
  LedgerBuilder& file_sink_writeback();
  Ledger done(double syscalls_per_chunk);

 private:
  void sink_tail(Place buffer);
  void receiver_hop(Place buffer);
  // Egress without scatter-gather: TCP still builds paged skbs (GSO is
  // always on for TCP) and software segmentation copies them linear.
  bool linearised_on_transmit() const;
  const Conditions& c_;
  Ledger l_;
  bool zero_copy_send_ = false;  // zero_copy_send_from() was called
};

// The note that opens a receiver hop whose bytes TCP_ZEROCOPY_RECEIVE maps.
inline constexpr std::string_view kMappedOnReceive = "by reference (mapped)";

// Why TCP_ZEROCOPY_RECEIVE can map none of a stream's pages under `c`, or
// nothing when it can: whole, page-aligned payload pages arrive only from a
// zero-copy send (MSG_ZEROCOPY, SEND_ZC) delivered locally, whose pinned
// pages local delivery copies into fresh whole pages, in segments of whole
// pages (the sink sets the MSS), through a device that gathers. A remote
// receiver's NIC decides for itself (header split): nothing is predicted.
std::optional<std::string> receive_unmappable(const Conditions& c, bool zero_copy_send);

// The ledger and its derived counts as JSON (runs and `zc-bench list`).
nlohmann::json ledger_json(const Ledger& l);

}  // namespace zc
