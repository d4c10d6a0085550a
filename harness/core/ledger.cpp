#include "harness/core/ledger.hpp"

#include <algorithm>

namespace zc {

std::string_view to_string(Place p) {
  switch (p) {
    case Place::disk:
      return "disk";
    case Place::page_cache:
      return "page cache";
    case Place::mapped_page_cache:
      return "mapped page cache";
    case Place::user_buffer:
      return "user buffer";
    case Place::runtime_heap:
      return "runtime heap";
    case Place::socket_buffer:
      return "socket buffer";
    case Place::pipe_buffer:
      return "pipe buffer";
    case Place::sink_page_cache:
      return "sink page cache";
    case Place::nic:
      return "nic";
    case Place::receiver_buffer:
      return "receiver buffer";
    case Place::discarded:
      return "discarded";
  }
  return "?";
}

std::string_view to_string(Mover m) {
  switch (m) {
    case Mover::dma:
      return "dma";
    case Mover::cpu:
      return "cpu";
    case Mover::reference:
      return "reference";
    case Mover::cpu_transform:
      return "cpu-transform";
  }
  return "?";
}

std::string_view to_string(Side s) { return s == Side::sender ? "sender" : "receiver"; }

int Ledger::cpu_copies() const {
  return int(std::count_if(hops.begin(), hops.end(), [](auto& h) { return h.by == Mover::cpu; }));
}

int Ledger::cpu_copies(Side side) const {
  return int(std::count_if(hops.begin(), hops.end(),
                           [&](auto& h) { return h.by == Mover::cpu && h.side == side; }));
}

int Ledger::dma_copies() const {
  return int(std::count_if(hops.begin(), hops.end(), [](auto& h) { return h.by == Mover::dma; }));
}

int Ledger::cpu_transforms() const {
  return int(std::count_if(hops.begin(), hops.end(),
                           [](auto& h) { return h.by == Mover::cpu_transform; }));
}

int Ledger::cpu_transforms(Side side) const {
  return int(std::count_if(hops.begin(), hops.end(), [&](auto& h) {
    return h.by == Mover::cpu_transform && h.side == side;
  }));
}

int Ledger::copies_to_user() const {
  return int(std::count_if(hops.begin(), hops.end(), [](auto& h) {
    return h.by == Mover::cpu && h.side == Side::sender && h.to == Place::user_buffer &&
           h.from != Place::runtime_heap;
  }));
}

int Ledger::copies_from_user() const {
  return int(std::count_if(hops.begin(), hops.end(), [](auto& h) {
    return h.by == Mover::cpu && h.side == Side::sender &&
           (h.from == Place::user_buffer || h.from == Place::mapped_page_cache) &&
           h.to != Place::runtime_heap;
  }));
}

LedgerBuilder& LedgerBuilder::source_into_page_cache() {
  if (c_.cache == CacheState::cold) hop(Place::disk, Place::page_cache, Mover::dma);
  return *this;
}

LedgerBuilder& LedgerBuilder::hop(Place from, Place to, Mover by, std::string note) {
  l_.hops.push_back(Hop{from, to, by, Side::sender, std::move(note)});
  return *this;
}

LedgerBuilder& LedgerBuilder::transform(Place from, Place to, Side side, std::string note) {
  l_.hops.push_back(Hop{from, to, Mover::cpu_transform, side, std::move(note)});
  return *this;
}

LedgerBuilder& LedgerBuilder::wire_overhead(std::uint64_t bytes) {
  l_.wire_overhead_bytes += bytes;
  return *this;
}

LedgerBuilder& LedgerBuilder::sink_copy_from(Place from) {
  switch (c_.sink) {
    case SinkKind::null:
      hop(from, Place::discarded, Mover::reference, "/dev/null accepts writes without copying");
      return *this;
    case SinkKind::file:
      hop(from, Place::sink_page_cache, Mover::cpu);
      sink_tail(Place::sink_page_cache);
      return *this;
    case SinkKind::pipe:
      hop(from, Place::pipe_buffer, Mover::cpu);
      sink_tail(Place::pipe_buffer);
      return *this;
    default:
      hop(from, Place::socket_buffer, Mover::cpu);
      sink_tail(Place::socket_buffer);
      return *this;
  }
}

LedgerBuilder& LedgerBuilder::sink_by_reference_from(Place from) {
  switch (c_.sink) {
    case SinkKind::null:
      hop(from, Place::discarded, Mover::reference, "/dev/null accepts pages without copying");
      return *this;
    case SinkKind::file:
      hop(from, Place::sink_page_cache, Mover::cpu, "a file cannot share the source's pages");
      sink_tail(Place::sink_page_cache);
      return *this;
    case SinkKind::pipe:
      hop(from, Place::pipe_buffer, Mover::reference);
      sink_tail(Place::pipe_buffer);
      return *this;
    case SinkKind::unix_stream:
      // AF_UNIX takes page references for spliced data (MSG_SPLICE_PAGES)
      // and has no device, so scatter-gather does not apply.
      hop(from, Place::socket_buffer, Mover::reference, "AF_UNIX skb frags point at the pages");
      sink_tail(Place::socket_buffer);
      return *this;
    default:
      hop(from, Place::socket_buffer, Mover::reference,
          linearised_on_transmit() ? "skb frags point at the pages until segmentation"
                                   : "skb frags point at the pages");
      sink_tail(Place::socket_buffer);
      return *this;
  }
}

LedgerBuilder& LedgerBuilder::zero_copy_send_from(Place from, const std::string& how,
                                                  const std::string& copied_flag) {
  hop(from, Place::socket_buffer, Mover::reference,
      how + ": skb frags pin the pages until the completion");
  // A socket in this kernel (loopback tcp, a veth peer) must not keep pages
  // a sender may reuse: delivery copies the pinned frags
  // (skb_orphan_frags_rx) and the completion comes back marked copied.
  // Without scatter-gather the segments are already linear copies
  // (sink_tail), so there is nothing left to copy on delivery.
  const bool local_delivery = c_.sink == SinkKind::tcp || c_.sink == SinkKind::veth;
  if (local_delivery && !linearised_on_transmit())
    hop(Place::socket_buffer, Place::socket_buffer, Mover::cpu,
        "deferred copy: local delivery copies the pinned pages into new ones (completions "
        "marked " +
            copied_flag + ")");
  sink_tail(Place::socket_buffer);
  return *this;
}

bool LedgerBuilder::linearised_on_transmit() const {
  // Loopback always gathers; a caller that says otherwise is obeyed.
  return (c_.sink == SinkKind::tcp || c_.sink == SinkKind::veth || c_.sink == SinkKind::remote) &&
         !c_.egress_scatter_gather;
}

void LedgerBuilder::sink_tail(Place buffer) {
  if (buffer == Place::socket_buffer && linearised_on_transmit())
    l_.hops.push_back(
        {Place::socket_buffer, Place::socket_buffer, Mover::cpu, Side::sender,
         "egress device lacks scatter-gather: software GSO copies every segment into a linear "
         "skb (skb_segment -> skb_copy_bits), whatever zero-copy completions say. It runs "
         "wherever the send queue is pushed: in the sender's sends, or in ACK processing in "
         "the receiver's softirq (charged to the receiver process or ksoftirqd on a veth)"});
  switch (c_.sink) {
    case SinkKind::file:
      file_sink_writeback();
      return;
    case SinkKind::remote:
      l_.hops.push_back({buffer, Place::nic, Mover::dma, Side::sender});
      break;
    case SinkKind::null:
      return;
    default:
      break;  // loopback, unix, pipe and veth never reach a DMA engine
  }
  if (!has_receiver_process(c_.sink)) return;
  if (c_.receiver == ReceiverMode::truncate) {
    l_.hops.push_back({buffer, Place::discarded, Mover::reference, Side::receiver,
                       "MSG_TRUNC: the receiver discards"});
  } else if (c_.receiver == ReceiverMode::zerocopy_receive) {
    l_.hops.push_back(
        {buffer, Place::receiver_buffer, Mover::reference, Side::receiver,
         "TCP_ZEROCOPY_RECEIVE maps whole, page-aligned payload pages and the rest is copied; "
         "the share is measured (receiver_zerocopy_mapped_fraction)"});
  } else {
    const char* why = c_.sink == SinkKind::tcp ? "loopback receive always copies" : "";
    l_.hops.push_back({buffer, Place::receiver_buffer, Mover::cpu, Side::receiver, why});
  }
}

LedgerBuilder& LedgerBuilder::file_sink_writeback() {
  return hop(Place::sink_page_cache, Place::disk, Mover::dma,
             "writeback: forced by fdatasync after the timed region and measured at the device "
             "(sink_device_write_bytes)");
}

Ledger LedgerBuilder::done(double syscalls_per_chunk) {
  l_.syscalls_per_chunk = syscalls_per_chunk;
  return std::move(l_);
}

nlohmann::json ledger_json(const Ledger& l) {
  nlohmann::json hops = nlohmann::json::array();
  for (auto& h : l.hops) {
    nlohmann::json hop = {{"from", to_string(h.from)},
                          {"to", to_string(h.to)},
                          {"by", to_string(h.by)},
                          {"side", to_string(h.side)}};
    if (!h.note.empty()) hop["note"] = h.note;
    hops.push_back(hop);
  }
  nlohmann::json out = {{"hops", hops},
                        {"copies", l.cpu_copies() + l.dma_copies()},
                        {"cpu_copies", l.cpu_copies()},
                        {"cpu_copies_sender", l.cpu_copies(Side::sender)},
                        {"cpu_copies_receiver", l.cpu_copies(Side::receiver)},
                        {"dma_copies", l.dma_copies()},
                        {"copies_to_user", l.copies_to_user()},
                        {"copies_from_user", l.copies_from_user()},
                        {"syscalls_per_chunk", l.syscalls_per_chunk},
                        {"mode_switches_per_chunk", l.mode_switches_per_chunk()},
                        {"method", "model"}};
  // Only ledgers with transforming passes carry these (TLS strategies).
  if (l.cpu_transforms() > 0) {
    out["cpu_transforms"] = l.cpu_transforms();
    out["cpu_transforms_sender"] = l.cpu_transforms(Side::sender);
    out["cpu_transforms_receiver"] = l.cpu_transforms(Side::receiver);
    out["cpu_passes_sender"] = l.cpu_copies(Side::sender) + l.cpu_transforms(Side::sender);
    out["wire_overhead_bytes"] = l.wire_overhead_bytes;
  }
  return out;
}

}  // namespace zc
