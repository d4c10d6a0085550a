#include "harness/measure/model_check.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/base/units.hpp"
#include "harness/measure/check_items.hpp"

namespace zc {
using nlohmann::json;

namespace {

// The sender touches the mapped file only where a CPU copy reads it
// (write() to /dev/null never does).
bool reads_the_mapping(const Ledger& l) {
  return std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.from == Place::mapped_page_cache && h.by == Mover::cpu;
  });
}

// The file is mapped at all: its pages may fault in without a CPU copy
// (MSG_ZEROCOPY pins them, and pinning faults them in).
bool maps_the_file(const Ledger& l) {
  return std::any_of(l.hops.begin(), l.hops.end(),
                     [](const Hop& h) { return h.to == Place::mapped_page_cache; });
}

// The source is read through the page cache at all (O_DIRECT is not).
bool uses_the_page_cache(const Ledger& l) {
  return std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.from == Place::page_cache || h.to == Place::page_cache;
  });
}

// Software GSO copying every segment linear: a CPU copy from the socket
// buffer to itself whose note says so.
bool linearises_on_transmit(const Ledger& l) {
  return std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.from == Place::socket_buffer && h.to == Place::socket_buffer && h.by == Mover::cpu &&
           h.note.find("scatter-gather") != std::string::npos;
  });
}

// Local delivery copying the pages a zero-copy send pinned: the kernel
// reads the sender's memory, and the completions say so.
bool deferred_copy(const Hop& h) {
  return h.from == Place::socket_buffer && h.to == Place::socket_buffer &&
         h.note.rfind("deferred copy", 0) == 0;
}

bool gso_copy(const Hop& h) {
  return h.from == Place::socket_buffer && h.to == Place::socket_buffer &&
         h.note.find("scatter-gather") != std::string::npos;
}

enum class Crossing { none, to_user, from_user };

Crossing crossing(const Hop& h) {
  if (h.side != Side::sender) return Crossing::none;
  if (deferred_copy(h)) return Crossing::from_user;
  const bool from = in_user_memory(h.from), to = in_user_memory(h.to);
  if (from == to) return Crossing::none;
  return to ? Crossing::to_user : Crossing::from_user;
}

// Copies per byte the ledger makes across the boundary, each way.
int boundary_copies(const Ledger& l, Crossing way) {
  return int(std::count_if(l.hops.begin(), l.hops.end(),
                           [&](const Hop& h) { return h.by == Mover::cpu && crossing(h) == way; }));
}

int boundary_dma(const Ledger& l, Crossing way) {
  return int(std::count_if(l.hops.begin(), l.hops.end(),
                           [&](const Hop& h) { return h.by == Mover::dma && crossing(h) == way; }));
}

// The sender's copies into the sink file's pages, from anywhere.
int sink_file_copies(const Ledger& l) {
  return int(std::count_if(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.side == Side::sender && h.by == Mover::cpu && h.to == Place::sink_page_cache;
  }));
}

// An external program's data syscalls per chunk, from the calls traced by
// thread and number.
json external_syscalls_item(const Ledger& l, const MeasuredCopies& m) {
  const double p = l.syscalls_per_chunk;
  json measured = json::object();
  if (m.exact_known) measured["exact_per_chunk"] = double(m.exact_syscalls) / double(m.chunks);
  if (!m.traced_data_syscalls.value)
    return not_measured(p, "not verified: " + m.traced_data_syscalls.why_not);
  double traced = double(*m.traced_data_syscalls.value) / double(m.chunks);
  measured["tracepoint_per_chunk"] = traced;
  measured["scope"] = m.data_syscall_scope;
  if (!m.other_thread_calls.is_null() && !m.other_thread_calls.empty())
    measured["other_threads_calls"] = m.other_thread_calls;
  // A runtime makes a few data-syscall-like calls once per transfer, not
  // per chunk (the JDK stats a channel on its first use, a program reads
  // to EOF): two such calls are allowed over the whole transfer.
  return check_item(
      within(traced, p, 0.05, 2.0 / double(m.chunks)), p, measured,
      "tracepoint raw_syscalls:sys_enter by thread and number",
      "the data syscalls per chunk within 5% of the model, plus 2 calls per transfer");
}

json syscalls_item(const Ledger& l, const MeasuredCopies& m) {
  const double p = l.syscalls_per_chunk;
  if (m.chunks == 0) return not_measured(p, "no chunks were moved");
  if (m.external) return external_syscalls_item(l, m);
  // Bookkeeping calls are left out on both sides: the ledger models the
  // data path's calls per chunk; completion polling is timing, and
  // teardown happens once per run.
  const auto data_calls = m.exact_syscalls - std::min(m.bookkeeping_syscalls, m.exact_syscalls);
  const double exact = double(data_calls) / double(m.chunks);
  json measured = {{"exact_per_chunk", exact}};
  if (m.bookkeeping_syscalls) {
    measured["bookkeeping_calls"] = m.bookkeeping_syscalls;
    measured["bookkeeping_calls_per_chunk"] = double(m.bookkeeping_syscalls) / double(m.chunks);
  }
  // The strategy's own count cannot verify the ledger it declared; the
  // kernel's raw_syscalls count can.
  if (!m.traced_syscalls.value) {
    auto j = not_measured(p, "not verified: " + m.traced_syscalls.why_not +
                                 " (the strategy's own count is not kernel evidence)");
    j["measured"] = measured;
    return j;
  }
  auto traced_data =
      *m.traced_syscalls.value - std::min(m.bookkeeping_syscalls, *m.traced_syscalls.value);
  double traced = double(traced_data) / double(m.chunks);
  measured["tracepoint_per_chunk"] = traced;
  return check_item(within(traced, p, 0.05, 0.01), p, measured,
                    m.bookkeeping_syscalls
                        ? "tracepoint raw_syscalls:sys_enter, bookkeeping calls apart"
                        : "tracepoint raw_syscalls:sys_enter",
                    "traced calls per chunk within 5% of the model");
}

// The strategy's own count against the kernel's: the window holds the
// strategy's steps and finish() only, so they should agree to the call.
json cross_check_item(const MeasuredCopies& m) {
  if (m.external) {
    // The program's own count beside every syscall its data thread made.
    if (!m.exact_known)
      return not_measured(nullptr,
                          "the program did not count its syscalls (a JVM cannot see the calls "
                          "the JDK makes for it): the traced calls stand alone");
    return syscall_cross_check_item(
        m.exact_syscalls, m.traced_thread_syscalls,
        "tracepoint raw_syscalls:sys_enter on the data thread vs the program's count",
        "equal within max(2, 0.5%): any other syscall of that thread is unaccounted work");
  }
  return syscall_cross_check_item(m.exact_syscalls, m.traced_syscalls);
}

// The strategy's own tally of the bytes it handed to its calls beside the
// ledger: a consistency check of the strategy, not evidence of a copy
// (both come from the strategy), so it never passes; "inconsistent" fails
// the check (the ledger or the strategy's calls are wrong).
json bytes_item(int copies, std::uint64_t size, std::uint64_t measured, const char* what) {
  auto predicted = std::uint64_t(copies) * size;
  return {{"status", measured == predicted ? "consistent" : "inconsistent"},
          {"predicted", predicted},
          {"measured", measured},
          {"method", "the strategy's own tally (bytes its calls moved): not kernel evidence"},
          {"rule", std::string("ledger copies ") + what + " x bytes moved"}};
}

json receiver_pipe_item(const Ledger& l, const MeasuredCopies& m);

// The receiver's hop that TCP_ZEROCOPY_RECEIVE maps (ledger.hpp), if any.
bool mapped_on_receive(const Ledger& l) {
  return std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.side == Side::receiver && h.by == Mover::reference &&
           h.note.rfind(kMappedOnReceive, 0) == 0;
  });
}

// zerocopy-receive: the bytes the kernel mapped (its TCP_ZEROCOPY_RECEIVE
// results) and the bytes it copied (skb_copy_datagram_iovec) are the whole
// stream; where the ledger maps, the copies are at most the tail's share,
// and where it does not, every byte is copied and none mapped.
json receiver_mapping_item(const Ledger& l, const MeasuredCopies& m, std::uint64_t stream) {
  const bool maps = mapped_on_receive(l);
  const int copies = l.cpu_copies(Side::receiver);
  const std::uint64_t most = maps ? one_off_bytes(stream) : stream;
  json predicted = {{"receive", maps ? "by reference (mapped)" : "copied"},
                    {"cpu_copies", copies},
                    {"copy_bytes_at_most", most},
                    {"mapped_plus_copied", stream}};
  if (!m.receiver_copy_calls.value) return not_measured(predicted, m.receiver_copy_calls.why_not);
  if (!m.receiver_copy_bytes.value) return not_measured(predicted, m.receiver_copy_bytes.why_not);
  if (!m.receiver_mapped_bytes.value)
    return not_measured(predicted, m.receiver_mapped_bytes.why_not);
  const auto copied = *m.receiver_copy_bytes.value, mapped = *m.receiver_mapped_bytes.value;
  json measured = {{"copy_calls", *m.receiver_copy_calls.value},
                   {"copy_bytes", copied},
                   {"mapped_bytes", mapped},
                   {"mapped_fraction", stream ? double(mapped) / double(stream) : 0.0}};
  const bool whole = mapped + copied == stream;
  const bool pass = whole && (maps ? copies == 0 && copied <= most
                                   : copies == 1 && copied == stream && mapped == 0);
  return check_item(
      pass, predicted, measured,
      "TCP_ZEROCOPY_RECEIVE result fields (bytes mapped, as the kernel returned them) + "
      "tracepoint skb:skb_copy_datagram_iovec (bytes copied, receiver)",
      maps ? "mapped + copied = the stream, copied <= 1% + 64 KiB"
           : "nothing mapped, every byte copied");
}

json receiver_item(const Ledger& l, const MeasuredCopies& m) {
  if (m.receiver_reads_pipe) return receiver_pipe_item(l, m);
  const int copies = l.cpu_copies(Side::receiver);
  // A transforming hop (TLS) makes the stream longer than the payload.
  const std::uint64_t stream = m.size + l.wire_overhead_bytes;
  json predicted = {{"cpu_copies", copies}, {"copy_bytes", std::uint64_t(copies) * stream}};
  if (!m.receiver_copies_traceable)
    return not_measured(predicted, "the receiver does not read a socket (no skb copies to trace)");
  if (m.receiver_maps) return receiver_mapping_item(l, m, stream);
  if (!m.receiver_copy_calls.value) return not_measured(predicted, m.receiver_copy_calls.why_not);
  auto calls = *m.receiver_copy_calls.value;
  json measured = {{"copy_calls", calls}};
  bool pass = copies > 0 ? calls > 0 : calls == 0;
  std::string rule = copies > 0 ? "copy calls > 0" : "no copy calls";
  if (m.receiver_copy_bytes.value) {
    measured["copy_bytes"] = *m.receiver_copy_bytes.value;
    pass = pass && *m.receiver_copy_bytes.value == std::uint64_t(copies) * stream;
    rule += l.wire_overhead_bytes
                ? ", copied bytes = cpu copies x (bytes moved + the ledger's wire overhead)"
                : ", copied bytes = cpu copies x bytes moved";
  } else {
    measured["copy_bytes_reason"] = m.receiver_copy_bytes.why_not;
  }
  return check_item(pass, predicted, measured, "tracepoint skb:skb_copy_datagram_iovec (receiver)",
                    rule);
}

json page_cache_item(const Ledger& l, const Conditions& c, const MeasuredCopies& m) {
  // Source pages read from disk (cold: all; hot: those not resident), plus
  // the sink file's pages when the sink is a file.
  const std::uint64_t file_pages = pages_of(m.size);
  // What was resident before the repetition (mincore) decides, not what was
  // asked: a cold cache the kernel could not fully drop (a large folio
  // still mapped or pinned elsewhere) leaves those pages in, and the run
  // warns that the cache was not as asked.
  std::uint64_t source =
      !uses_the_page_cache(l)
          ? 0
          : std::uint64_t(std::llround((1 - m.cache_resident_fraction) * double(file_pages)));
  std::uint64_t sink = c.sink == SinkKind::file ? file_pages : 0;
  json predicted = {{"pages", source + sink}, {"source_pages", source}, {"sink_pages", sink}};
  if (!m.page_cache_pages.value) return not_measured(predicted, m.page_cache_pages.why_not);
  auto measured = *m.page_cache_pages.value;
  // Readahead may round a cold read up by a window; a hot cache should add nothing.
  bool pass = within(double(measured), double(source + sink), 0.02, 64);
  return check_item(
      pass, predicted, measured,
      "tracepoint filemap:mm_filemap_add_to_page_cache, 2^order pages per folio summed",
      "within 2% + 64 pages");
}

json faults_item(const Ledger& l, const MeasuredCopies& m) {
  // Faults should scale with the chunk (first touch of a user buffer), not
  // with the file, unless the file is mapped: then its pages fault in
  // (fault-around and large folios map several per fault), whether a CPU
  // copy reads them or the kernel pins them for a zero-copy send.
  const std::uint64_t chunk_pages = pages_of(m.chunk);
  const bool reads = reads_the_mapping(l), mapped = maps_the_file(l);
  const std::uint64_t lo = reads ? 1 : 0;
  const std::uint64_t hi = (mapped ? pages_of(m.size) : 0) + chunk_pages + 64;
  json predicted = {
      {"min", lo},
      {"max", hi},
      {"why", reads    ? "copies out of the mapping fault the file's pages in"
              : mapped ? "the file is mapped: pinning its pages for a send may fault them in"
                       : "the file is not mapped: at most the buffers' first touch"}};
  return check_item(m.sender_faults >= lo && m.sender_faults <= hi, predicted, m.sender_faults,
                    m.faults_method + " (sender)", "min <= faults <= max");
}

// Where the ledger says whether the bytes leave the device in page frags
// (by reference) or linear buffers (software GSO copied them: no
// scatter-gather), the device's own transmits say which it was.
// Evidence of the device's scatter-gather and of software GSO only: TCP
// puts a write()'s bytes in page frags too, so paged transmits say
// nothing about zero copy.
json transmit_item(const Ledger& l, const MeasuredCopies& m) {
  const bool linear = linearises_on_transmit(l);
  const auto gso = std::count_if(l.hops.begin(), l.hops.end(),
                                 [](const Hop& h) { return h.by == Mover::cpu && gso_copy(h); });
  if (gso > 1)
    return check_item(false, {{"payload", "linear"}, {"gso_copies", gso}}, "at most one",
                      "the ledger", "software segmentation copies a segment once");
  json predicted = {{"payload", linear ? "linear (copied by software segmentation)"
                                       : "paged (skb frags point at pages)"}};
  if (!m.transmit_applicable)
    return not_measured(predicted, "the bytes leave through no network device");
  if (!m.transmit_linear_bytes.value || !m.transmit_paged_bytes.value)
    return not_measured(predicted, m.transmit_linear_bytes.value ? m.transmit_paged_bytes.why_not
                                                                 : m.transmit_linear_bytes.why_not);
  const double lin = double(*m.transmit_linear_bytes.value),
               paged = double(*m.transmit_paged_bytes.value), seen = lin + paged;
  json measured = {{"linear_bytes", *m.transmit_linear_bytes.value},
                   {"paged_bytes", *m.transmit_paged_bytes.value},
                   {"seen_fraction_of_payload", seen / double(m.size)},
                   {"scope", m.transmit_scope}};
  // Only our own tasks' contexts are counted off a private device: judge
  // only when they saw most of the payload leave.
  if (!m.transmit_every_context && seen < 0.5 * double(m.size))
    return not_measured(predicted, "only " + std::to_string(int(100 * seen / double(m.size))) +
                                       "% of the payload's transmits were seen (" +
                                       m.transmit_scope + ")");
  // Headers and ACKs are linear in both cases: a few percent of the bytes.
  bool pass = linear ? paged <= 0.05 * seen
                     : paged >= 0.9 * double(m.size) * std::min(1.0, seen / double(m.size));
  return check_item(
      pass, predicted, measured, "tracepoint net:net_dev_start_xmit, len and data_len",
      linear ? "paged bytes <= 5% of bytes transmitted" : "paged bytes >= 90% of the payload seen");
}

// The sender's copies across the user boundary against the bytes its calls
// returned, each way, from the kernel's record of the calls.
json boundary_item(const Ledger& l, const MeasuredCopies& m) {
  const auto to = boundary_copies(l, Crossing::to_user),
             from = boundary_copies(l, Crossing::from_user);
  // O_DIRECT: the device's DMA fills or drains user memory, and the call
  // returns those bytes too, though no CPU copied them.
  const auto dma_to = boundary_dma(l, Crossing::to_user),
             dma_from = boundary_dma(l, Crossing::from_user);
  json predicted = {{"copies_to_user", to},
                    {"copies_from_user", from},
                    {"bytes_to_user", std::uint64_t(to + dma_to) * m.size},
                    {"bytes_from_user", std::uint64_t(from + dma_from) * m.size}};
  if (dma_to || dma_from) predicted["dma_to_user"] = dma_to, predicted["dma_from_user"] = dma_from;
  if (!m.kernel_to_user.value || !m.kernel_from_user.value)
    return not_measured(
        predicted, m.kernel_to_user.value ? m.kernel_from_user.why_not : m.kernel_to_user.why_not);
  const auto kto = *m.kernel_to_user.value, kfrom = *m.kernel_from_user.value;
  auto slack = one_off_bytes(m.size);
  // A zero-copy send the kernel could not pin for (its optmem limit, a
  // route without scatter-gather at send time) is copied at once and
  // marked copied: counted above as copied out of user memory. Where the
  // ledger has no deferred copy, up to half the bytes may fall back so
  // (reported as zero_copy_fallback_bytes); a ledger claiming a copy of
  // every byte is still told apart.
  const bool deferred = std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.by == Mover::cpu && deferred_copy(h);
  });
  std::uint64_t fallback = 0;
  // Without scatter-gather a byte is copied once either way: at send time
  // (marked copied) or by software GSO (the ledger's linearising copy).
  if (m.zerocopy.requested && !deferred)
    fallback = std::min(m.zerocopy.bytes_copied, linearises_on_transmit(l) ? m.size : m.size / 2);
  auto near = [&](std::uint64_t k, int copies, std::uint64_t extra) {
    const auto p = std::uint64_t(copies) * m.size;
    return k >= p ? k - p <= slack + extra : p - k <= slack;
  };
  json measured = {{"bytes_to_user", kto},
                   {"bytes_from_user", kfrom},
                   {"copies_to_user", double(kto) / double(m.size)},
                   {"copies_from_user", double(kfrom) / double(m.size)},
                   {"calls", m.boundary_calls},
                   {"scope", m.boundary_scope}};
  if (fallback) measured["zero_copy_fallback_bytes"] = fallback;
  return check_item(
      near(kto, to + dma_to, 0) && near(kfrom, from + dma_from, fallback), predicted, measured,
      "tracepoint raw_syscalls:sys_exit, return values by syscall number (read/recv/"
      "pread-like into user memory, write/send/pwrite-like out of it, none for "
      "sendfile/splice/copy_file_range/vmsplice or into /dev/null; zero-copy sends as "
      "their completions say)",
      "each way, ledger copies x bytes moved within 1% + 64 KiB (one-off calls)");
}

// Zero-copy sends: the deferred copy (local delivery copying the pinned
// pages) against the share of the bytes the completions marked copied.
json zerocopy_item(const Ledger& l, const MeasuredCopies& m) {
  const auto deferred = std::count_if(l.hops.begin(), l.hops.end(), [](const Hop& h) {
    return h.by == Mover::cpu && deferred_copy(h);
  });
  json predicted = {{"deferred_copies", deferred}};
  if (!m.zerocopy.requested) return not_measured(predicted, "no zero-copy sends");
  if (!m.zerocopy.copy_reported)
    return not_measured(predicted, "the completions do not say whether the kernel copied");
  if (m.zerocopy.bytes_covered < m.size / 2)
    return not_measured(predicted, "completions covered under half of the bytes");
  if (linearises_on_transmit(l))
    return not_measured(predicted,
                        "software GSO linearises the segments whatever the completions say");
  const double copied = double(m.zerocopy.bytes_copied) / double(m.zerocopy.bytes_covered);
  json measured = {{"copied_fraction", copied},
                   {"bytes_copied", m.zerocopy.bytes_copied},
                   {"bytes_covered", m.zerocopy.bytes_covered}};
  // Delivery copies the pinned pages once: a ledger with two such copies is wrong.
  return check_item(deferred == 1 ? copied >= 0.95 : deferred == 0 && copied <= 0.5, predicted,
                    measured, std::string("zero-copy completions (") + m.zerocopy.copied_flag + ")",
                    "a deferred copy: >= 95% of the bytes marked copied; none: <= 50% (fallback "
                    "copies at send time)");
}

// The sink file's new pages are filled by exactly one copy each: from the
// program's memory (write) or inside the kernel (sendfile, splice,
// copy_file_range: a file cannot share another file's pages).
json sink_file_item(const Ledger& l, const Conditions& c, const MeasuredCopies& m) {
  const int copies = sink_file_copies(l);
  if (c.sink != SinkKind::file) return not_measured(copies, "the sink is not a file");
  if (!m.page_cache_pages.value) return not_measured(copies, m.page_cache_pages.why_not);
  const auto sink_pages = pages_of(m.size), seen = *m.page_cache_pages.value;
  json measured = {{"page_cache_insertion_pages", seen}, {"sink_file_pages", sink_pages}};
  if (double(seen) < 0.98 * double(sink_pages))
    return not_measured(copies, "fewer pages entered the page cache than the sink file has");
  return check_item(
      copies == 1, copies, measured,
      "tracepoint filemap:mm_filemap_add_to_page_cache (the sink file's pages are new)",
      "new sink file pages: one CPU copy into them per byte");
}

// The receiver reading a pipe: the bytes its read()s returned.
json receiver_pipe_item(const Ledger& l, const MeasuredCopies& m) {
  const int copies = l.cpu_copies(Side::receiver);
  json predicted = {{"cpu_copies", copies}, {"copy_bytes", std::uint64_t(copies) * m.size}};
  if (!m.receiver_read_bytes.value) return not_measured(predicted, m.receiver_read_bytes.why_not);
  const auto got = *m.receiver_read_bytes.value, p = std::uint64_t(copies) * m.size;
  return check_item(
      (got > p ? got - p : p - got) <= one_off_bytes(m.size), predicted, {{"copy_bytes", got}},
      "tracepoint raw_syscalls:sys_exit in the receiver: what its read()s of the pipe "
      "returned",
      "copied bytes = cpu copies x bytes moved, within 1% + 64 KiB");
}

// Items that an independent kernel observation decides, and those that
// only accompany them (a fault count bounds, it does not verify a copy).
bool verifies(const std::string& name) {
  return name == "syscalls_per_chunk" || name == "syscall_count_cross_check" ||
         name == "receiver_copies" || name == "page_cache_insertions" ||
         name == "boundary_copies" || name == "sink_file_copies" || name == "zerocopy_completions";
}

Coverage coverage(const Hop& h, const Conditions& c) {
  if (h.by == Mover::dma) return {"", "DMA: no CPU copy to check"};
  if (h.side == Side::receiver) {
    if (is_socket_sink(c.sink)) return {"receiver_copies", ""};
    if (c.sink == SinkKind::pipe) return {"receiver_copies", ""};
    return {"", "no receiver evidence for this sink"};
  }
  if (deferred_copy(h)) return {"zerocopy_completions", ""};
  if (crossing(h) != Crossing::none) return {"boundary_copies", ""};
  if (gso_copy(h)) return {"transmit_payload", ""};
  if (h.to == Place::sink_page_cache) return {"sink_file_copies", ""};
  if (in_user_memory(h.from) && in_user_memory(h.to))
    return {"", "a copy inside the program's own memory: no syscall or tracepoint sees it"};
  return {"",
          "inside the kernel: no tracepoint says whether the call filled it by reference or "
          "by copy"};
}

// Every hop's `from` is a place the bytes reached: the source, or an
// earlier hop's destination. A ledger missing a hop is wrong before any
// evidence is read.
json path_item(const Ledger& l) {
  std::vector<Place> reached = {Place::disk, Place::page_cache};
  if (!l.hops.empty()) reached.push_back(l.hops.front().from);
  for (std::size_t i = 0; i < l.hops.size(); ++i) {
    const auto& h = l.hops[i];
    if (std::find(reached.begin(), reached.end(), h.from) == reached.end())
      return check_item(false, "every hop starts where an earlier one ended",
                        "hop " + std::to_string(i + 1) + " (" + hop_name(h) +
                            ") starts where no earlier hop brought the bytes",
                        "the ledger's hops as a path", "each hop's source was reached");
    reached.push_back(h.to);
  }
  return {{"status", "consistent"},
          {"predicted", "every hop starts where an earlier one ended"},
          {"method", "the ledger's hops as a path (not evidence)"}};
}

// Every item of the transfer check, by name.
json model_items(const Ledger& l, const Conditions& c, const MeasuredCopies& m) {
  return {
      {"syscalls_per_chunk", syscalls_item(l, m)},
      {"syscall_count_cross_check", cross_check_item(m)},
      {"boundary_copies", boundary_item(l, m)},
      {"bytes_copied_to_user",
       bytes_item(l.copies_to_user(), m.size, m.bytes_to_user, "into user memory")},
      {"bytes_copied_from_user", bytes_item(l.copies_from_user(), m.size + l.wire_overhead_bytes,
                                            m.bytes_from_user, "out of user memory")},
      {"receiver_copies", receiver_item(l, m)},
      {"page_cache_insertions", page_cache_item(l, c, m)},
      {"sink_file_copies", sink_file_item(l, c, m)},
      {"zerocopy_completions", zerocopy_item(l, m)},
      {"page_faults", faults_item(l, m)},
      {"transmit_payload", transmit_item(l, m)},
      {"ledger_path", path_item(l)}};
}

// No hop seen by the kernel: the ledger stands unverified, whatever the
// strategy's own tallies say. The reason names the first two items of
// evidence that were not measured, or says that none could see a hop.
std::string unverified_reason(const json& items) {
  bool verified = false;
  std::vector<std::string> why;
  for (auto& [name, it] : items.items()) {
    if (!verifies(name)) continue;
    if (it["status"] == "pass") verified = true;
    if (it["status"] == "not_measured" && why.size() < 2)
      why.push_back(name + ": " + it.value("reason", std::string("not measured")));
  }
  if (verified) return "not verified: no kernel evidence can see any of its hops (UNCHECKED)";
  std::string reason = "not verified: no kernel evidence";
  for (std::size_t i = 0; i < why.size(); ++i) reason += (i ? "; " : " (") + why[i];
  return reason + (why.empty() ? "" : ")");
}

// An item of kernel evidence passed.
bool any_verified(const json& items) {
  for (auto& [name, it] : items.items())
    if (verifies(name) && it["status"] == "pass") return true;
  return false;
}

}  // namespace

json check_model(const Ledger& l, const Conditions& c, const MeasuredCopies& m) {
  if (auto observe = model_check_observer()) observe(l, c, m);
  json items = model_items(l, c, m);
  const bool failed =
      std::any_of(items.begin(), items.end(), [](const json& it) { return item_fails(it); });
  // Hops no item of kernel evidence checked, by name.
  int checked = 0;
  json unchecked = unchecked_hops(l, c, items, coverage, checked);
  const bool movers =
      std::any_of(l.hops.begin(), l.hops.end(), [](const Hop& h) { return h.by != Mover::dma; });
  json out = {{"items", items}, {"unchecked", unchecked}};
  if (failed) {
    out["status"] = "fail";
  } else if (checked > 0 || (!movers && any_verified(items))) {
    out["status"] = "pass";
  } else {
    out["status"] = "not_measured";
    out["reason"] = unverified_reason(items);
  }
  return out;
}

std::string hop_name(const Hop& h) {
  return std::string(to_string(h.from)) + " -> " + std::string(to_string(h.to)) + " (" +
         std::string(to_string(h.by)) + ", " + std::string(to_string(h.side)) + ")";
}

namespace {
ModelCheckObserver g_observer = nullptr;
}
void set_model_check_observer_for_tests(ModelCheckObserver observer) { g_observer = observer; }
ModelCheckObserver model_check_observer() { return g_observer; }

json summarize_model_checks(const json& repetitions) {
  json last;
  int checked = 0, failed = 0;
  // Of the failing repetitions, the one with the most kernel evidence (a
  // timed repetition without counters fails a wrong ledger too, but says less).
  auto unmeasured = [](const json& check) {
    int n = 0;
    if (check.contains("items"))
      for (const auto& [name, it] : check["items"].items()) n += it["status"] == "not_measured";
    return n;
  };
  for (const auto& rep : repetitions) {
    if (!rep.contains("model_check")) continue;
    ++checked;
    if (rep["model_check"]["status"] == "fail") {
      if (failed++ == 0 || unmeasured(rep["model_check"]) < unmeasured(last))
        last = rep["model_check"];
    } else if (failed == 0) {
      last = rep["model_check"];
    }
  }
  if (checked == 0) return {{"status", "not_measured"}, {"reason", "no repetition completed"}};
  last["repetitions_checked"] = checked;
  last["repetitions_failed"] = failed;
  return last;
}

std::string verdict_line(const std::string& claim, const std::vector<std::string>& failed,
                         const std::vector<std::string>& evidence) {
  if (!failed.empty()) {
    std::string s = "MODEL CHECK FAILED: " + failed[0];
    if (failed.size() > 1) s += " (+" + std::to_string(failed.size() - 1) + " more)";
    return s;
  }
  std::string s = claim + ", verified by ";
  for (std::size_t i = 0; i < evidence.size(); ++i) s += (i ? " + " : "") + evidence[i];
  return s;
}

std::string unchecked_note(const json& check) {
  if (!check.contains("unchecked") || check["unchecked"].empty()) return "";
  std::string s = "; UNCHECKED: ";
  bool first = true;
  for (const auto& u : check["unchecked"]) {
    s += (first ? "" : ", ") + u.value("hop", std::string("?"));
    first = false;
  }
  return s;
}

std::string copy_verdict(const json& ledger, const json& check) {
  auto plural = [](int n) { return std::to_string(n) + (n == 1 ? " CPU copy" : " CPU copies"); };
  int snd = ledger.value("cpu_copies_sender", 0), rcv = ledger.value("cpu_copies_receiver", 0);
  std::string claim = plural(snd) + " on send";
  if (rcv > 0) claim += ", " + std::to_string(rcv) + " on receive";
  if (ledger.contains("receive")) claim += ", receive " + ledger["receive"].get<std::string>();
  const std::string status = check.value("status", "not_measured");
  if (status == "not_measured") {
    std::string why = check.value("reason", std::string("not verified: nothing measured"));
    if (why.rfind("not verified", 0) != 0) why = "not verified: " + why;
    return claim + "; " + why + unchecked_note(check);
  }
  std::vector<std::string> evidence;
  for (auto& [name, it] : check["items"].items()) {
    if (it["status"] == "pass") {
      if (name == "syscall_count_cross_check")
        evidence.push_back("raw_syscalls = exact call counts");
      if (name == "syscalls_per_chunk" && it["measured"].contains("scope"))
        evidence.push_back("raw_syscalls by thread: " +
                           it["measured"]["scope"].get<std::string>().substr(
                               0, it["measured"]["scope"].get<std::string>().find(' ')) +
                           " per chunk as modelled");
      if (name == "receiver_copies")
        evidence.push_back(it.value("method", std::string()).rfind("TCP_ZEROCOPY_RECEIVE", 0) == 0
                               ? "TCP_ZEROCOPY_RECEIVE results + skb_copy_datagram_iovec"
                               : "skb_copy_datagram_iovec");
      if (name == "page_cache_insertions") evidence.push_back("mm_filemap_add_to_page_cache");
      if (name == "boundary_copies")
        evidence.push_back("raw_syscalls return values (bytes across the user boundary)");
      if (name == "sink_file_copies") evidence.push_back("new sink file pages");
      if (name == "zerocopy_completions") evidence.push_back("zero-copy completions");
    }
  }
  return verdict_line(claim, failed_items(check), evidence) + unchecked_note(check);
}

}  // namespace zc
