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
  zero_copy_send_ = true;
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
  receiver_hop(buffer);
}

void LedgerBuilder::receiver_hop(Place buffer) {
  switch (c_.receiver) {
    case ReceiverMode::truncate:
      l_.hops.push_back({buffer, Place::discarded, Mover::reference, Side::receiver,
                         "MSG_TRUNC: the receiver discards"});
      return;
    case ReceiverMode::zerocopy_receive:
      if (auto why = receive_unmappable(c_, zero_copy_send_)) {
        l_.hops.push_back({buffer, Place::receiver_buffer, Mover::cpu, Side::receiver,
                           "zerocopy-receive maps nothing, so read() copies every byte: " + *why});
      } else {
        l_.hops.push_back(
            {buffer, Place::receiver_buffer, Mover::reference, Side::receiver,
             std::string(kMappedOnReceive) +
                 ": TCP_ZEROCOPY_RECEIVE maps the payload's whole pages into the receiver; "
                 "what is not a whole, aligned page (a short tail) is copied by read(), "
                 "at most 1% + 64 KiB; the share is measured (receiver_zerocopy_mapped_fraction)"});
      }
      return;
    case ReceiverMode::zcrx:
      l_.hops.push_back({Place::nic, Place::receiver_buffer, Mover::dma, Side::receiver,
                         "zcrx: the receiving NIC splits headers from payload and writes the "
                         "payload by DMA into the receiver's registered area"});
      return;
    case ReceiverMode::recv: {
      const char* why = c_.sink == SinkKind::tcp ? "loopback receive always copies" : "";
      l_.hops.push_back({buffer, Place::receiver_buffer, Mover::cpu, Side::receiver, why});
      return;
    }
  }
}

std::optional<std::string> receive_unmappable(const Conditions& c, bool zero_copy_send) {
  if (c.sink == SinkKind::remote) return std::nullopt;
  if (!c.egress_scatter_gather)
    return std::string(
        "the segments arrive linear (the egress device does not gather, so software GSO "
        "copied them into skb heads): no whole pages are left to map");
  if (!zero_copy_send)
    return std::string(
        "the sender's pages are not mappable: use msg-zerocopy or io-uring-send-zc as the "
        "sender (write() and send() copy into the socket's compound pages; sendfile and "
        "splice hand over page-cache pages, which the kernel never maps into another "
        "process)");
  return std::nullopt;
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
  // zerocopy-receive where the pages map: the receiver's share by reference.
  if (std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) {
        return h.side == Side::receiver && h.by == Mover::reference &&
               h.note.rfind(kMappedOnReceive, 0) == 0;
      }))
    out["receive"] = kMappedOnReceive;
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
