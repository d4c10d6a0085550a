// The ingest workload's contract: a producer process sends a stream of
// records over a socket, and a strategy receives them and writes them into
// a log file — the producer -> broker half of the story. The harness
// chooses where each record goes in the log (one log may take several
// producers' records), times every call, applies the sync policy and
// re-reads the log afterwards; the strategy makes the calls.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "harness/core/append_params.hpp"
#include "harness/core/ledger.hpp"
#include "harness/core/strategy.hpp"

namespace zc {

inline constexpr std::string_view kIngestWorkload = "ingest";

// What the harness hands an ingest strategy for one repetition.
struct IngestContext {
  int socket_fd = -1;  // the producer's connection, blocking; it sends `size` bytes, then EOF
  // Created empty by the harness; the strategy opens it its own way (and
  // may size it: a mapping needs the pages to exist).
  std::filesystem::path log_path;
  std::uint64_t size = 0;      // bytes this producer sends
  std::uint64_t log_size = 0;  // the log's final size (several producers: the sum)
  std::uint64_t record = 0;    // bytes per record; the stream's last record may be shorter
  unsigned queue_depth = 8;    // records in flight, for strategies that batch
  bool dsync = false;          // open the log with O_DSYNC (--sync dsync)
  SinkKind sink = SinkKind::tcp;
};

// One repetition's open log and connection. Created outside the timed region.
//
// As in append, the harness decides WHEN to sync (every N records, every MS
// milliseconds) and the strategy HOW (fdatasync, msync), since only it
// knows what holds the dirty data.
class IngestSession {
 public:
  virtual ~IngestSession() = default;
  // Receives the stream's next `len` bytes (whole records; the batch the
  // strategy asked for, or what is left) and writes them at `offset` of
  // the log. Throws if the producer's stream ends before `len` bytes.
  // Calls beyond the ledger's per-record count because a receive came
  // back short (a signal; a socket splice takes what has arrived) go in
  // counters.evidence["short_receive_calls"]: the model check sets them
  // apart.
  virtual void append(std::uint64_t offset, std::uint64_t len, CallCounters& counters) = 0;
  // Makes every byte written so far durable on storage.
  virtual void sync(CallCounters& counters) = 0;
  // After the last append, still timed (wait for outstanding work).
  virtual void finish(CallCounters&) {}
};

class IngestStrategy : public Strategy {
 public:
  std::string_view workload() const final { return kIngestWorkload; }
  // The producer's bytes arrive on a stream socket.
  bool accepts_sink(SinkKind s) const override {
    return s == SinkKind::tcp || s == SinkKind::unix_stream || s == SinkKind::veth ||
           s == SinkKind::remote;
  }
  // Records per append() call: 1, or more for a strategy that batches
  // (io_uring submits a queue depth's worth at once).
  virtual unsigned records_per_call(const Conditions&) const { return 1; }
  virtual std::unique_ptr<IngestSession> prepare(const IngestContext& ctx) const = 0;
};

// The ends every ingest ledger shares. The hops are the measured side's
// (Side::sender: the process that runs the strategy).
//
// Arrival: from another host the NIC puts the bytes in the socket buffer by
// DMA; on one host (tcp, unix, veth) the producer's send() copied them
// there, which is the producer's cost (its CPU is reported apart), and
// the receiving socket holds the very same skbs.
inline LedgerBuilder& ingest_arrival(LedgerBuilder& b, const Conditions& c) {
  if (c.sink == SinkKind::remote)
    b.hop(Place::nic, Place::socket_buffer, Mover::dma, "the NIC's receive DMA");
  return b;
}

// Departure: the log's dirty pages reach the disk by DMA, when the sync
// policy says or when the kernel writes them back.
inline LedgerBuilder& ingest_writeback(LedgerBuilder& b, const Conditions& c) {
  const auto& sync = c.append.sync;
  return b.hop(Place::sink_page_cache, Place::disk, Mover::dma,
               sync.opens_dsync()                    ? "O_DSYNC: before each write returns"
               : sync.kind == SyncPolicy::Kind::none ? "writeback by the kernel, later"
                                                     : "the sync policy's flush, or writeback");
}

}  // namespace zc
