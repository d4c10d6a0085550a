#include "harness/measure/model_check.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace zc {
using nlohmann::json;

namespace {

constexpr std::uint64_t kPage = 4096;

std::uint64_t pages(std::uint64_t bytes) { return (bytes + kPage - 1) / kPage; }

json not_measured(json predicted, const std::string& why) {
  return {{"status", "not_measured"}, {"predicted", std::move(predicted)}, {"reason", why}};
}

json item(bool pass, json predicted, json measured, const std::string& method,
          const std::string& rule) {
  return {{"status", pass ? "pass" : "fail"},
          {"predicted", std::move(predicted)},
          {"measured", std::move(measured)},
          {"method", method},
          {"rule", rule}};
}

bool within(double measured, double predicted, double rel, double abs) {
  return std::fabs(measured - predicted) <= rel * predicted + abs;
}

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
  return item(within(traced, p, 0.05, 2.0 / double(m.chunks)), p, measured,
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
  return item(within(traced, p, 0.05, 0.01), p, measured,
              m.bookkeeping_syscalls ? "tracepoint raw_syscalls:sys_enter, bookkeeping calls apart"
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
    if (!m.traced_thread_syscalls.value)
      return not_measured(m.exact_syscalls, m.traced_thread_syscalls.why_not);
    auto traced = *m.traced_thread_syscalls.value;
    double slack = std::max(2.0, 0.005 * double(m.exact_syscalls));
    return item(std::fabs(double(traced) - double(m.exact_syscalls)) <= slack, m.exact_syscalls,
                traced,
                "tracepoint raw_syscalls:sys_enter on the data thread vs the program's count",
                "equal within max(2, 0.5%): any other syscall of that thread is unaccounted work");
  }
  if (!m.traced_syscalls.value) return not_measured(m.exact_syscalls, m.traced_syscalls.why_not);
  auto traced = *m.traced_syscalls.value;
  double slack = std::max(2.0, 0.005 * double(m.exact_syscalls));
  return item(std::fabs(double(traced) - double(m.exact_syscalls)) <= slack, m.exact_syscalls,
              traced, "tracepoint raw_syscalls:sys_enter vs exact call-site count",
              "equal within max(2, 0.5%): any other syscall in the window is unaccounted work");
}

// The strategy's own tally of the bytes it handed to its calls beside the
// ledger: a consistency check of the strategy, not evidence of a copy
// (both come from the strategy), so it can be "inconsistent" but never pass.
json bytes_item(int copies, std::uint64_t size, std::uint64_t measured, const char* what) {
  auto predicted = std::uint64_t(copies) * size;
  return {{"status", measured == predicted ? "consistent" : "inconsistent"},
          {"predicted", predicted},
          {"measured", measured},
          {"method", "the strategy's own tally (bytes its calls moved): not kernel evidence"},
          {"rule", std::string("ledger copies ") + what + " x bytes moved"}};
}

json receiver_item(const Ledger& l, const MeasuredCopies& m) {
  const int copies = l.cpu_copies(Side::receiver);
  // A transforming hop (TLS) makes the stream longer than the payload.
  const std::uint64_t stream = m.size + l.wire_overhead_bytes;
  json predicted = {{"cpu_copies", copies}, {"copy_bytes", std::uint64_t(copies) * stream}};
  if (!m.receiver_copies_traceable)
    return not_measured(predicted, "the receiver does not read a socket (no skb copies to trace)");
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
  return item(pass, predicted, measured, "tracepoint skb:skb_copy_datagram_iovec (receiver)", rule);
}

json page_cache_item(const Ledger& l, const Conditions& c, const MeasuredCopies& m) {
  // Source pages read from disk (cold: all; hot: those not resident), plus
  // the sink file's pages when the sink is a file.
  const std::uint64_t file_pages = pages(m.size);
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
  return item(pass, predicted, measured,
              "tracepoint filemap:mm_filemap_add_to_page_cache, 2^order pages per folio summed",
              "within 2% + 64 pages");
}

json faults_item(const Ledger& l, const MeasuredCopies& m) {
  // Faults should scale with the chunk (first touch of a user buffer), not
  // with the file, unless the file is mapped: then its pages fault in
  // (fault-around and large folios map several per fault), whether a CPU
  // copy reads them or the kernel pins them for a zero-copy send.
  const std::uint64_t chunk_pages = pages(m.chunk);
  const bool reads = reads_the_mapping(l), mapped = maps_the_file(l);
  const std::uint64_t lo = reads ? 1 : 0;
  const std::uint64_t hi = (mapped ? pages(m.size) : 0) + chunk_pages + 64;
  json predicted = {
      {"min", lo},
      {"max", hi},
      {"why", reads    ? "copies out of the mapping fault the file's pages in"
              : mapped ? "the file is mapped: pinning its pages for a send may fault them in"
                       : "the file is not mapped: at most the buffers' first touch"}};
  return item(m.sender_faults >= lo && m.sender_faults <= hi, predicted, m.sender_faults,
              m.faults_method + " (sender)", "min <= faults <= max");
}

// Where the ledger says whether the bytes leave the device in page frags
// (by reference) or linear buffers (software GSO copied them: no
// scatter-gather), the device's own transmits say which it was.
json transmit_item(const Ledger& l, const MeasuredCopies& m) {
  const bool linear = linearises_on_transmit(l);
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
  return item(
      pass, predicted, measured, "tracepoint net:net_dev_start_xmit, len and data_len",
      linear ? "paged bytes <= 5% of bytes transmitted" : "paged bytes >= 90% of the payload seen");
}

// Items that an independent kernel observation decides, and those that
// only accompany them (a fault count bounds, it does not verify a copy).
bool verifies(const std::string& name) {
  return name == "syscalls_per_chunk" || name == "syscall_count_cross_check" ||
         name == "receiver_copies" || name == "page_cache_insertions" || name == "transmit_payload";
}

}  // namespace

json check_model(const Ledger& l, const Conditions& c, const MeasuredCopies& m) {
  json items = {
      {"syscalls_per_chunk", syscalls_item(l, m)},
      {"syscall_count_cross_check", cross_check_item(m)},
      {"bytes_copied_to_user",
       bytes_item(l.copies_to_user(), m.size, m.bytes_to_user, "into user memory")},
      {"bytes_copied_from_user", bytes_item(l.copies_from_user(), m.size + l.wire_overhead_bytes,
                                            m.bytes_from_user, "out of user memory")},
      {"receiver_copies", receiver_item(l, m)},
      {"page_cache_insertions", page_cache_item(l, c, m)},
      {"page_faults", faults_item(l, m)},
      {"transmit_payload", transmit_item(l, m)}};
  bool failed = false, verified = false;
  std::vector<std::string> why;
  for (auto& [name, it] : items.items()) {
    if (it["status"] == "fail") failed = true;
    if (!verifies(name)) continue;
    if (it["status"] == "pass") verified = true;
    if (it["status"] == "not_measured" && why.size() < 2)
      why.push_back(name + ": " + it.value("reason", std::string("not measured")));
  }
  json out = {{"items", items}};
  if (failed) {
    out["status"] = "fail";
  } else if (verified) {
    out["status"] = "pass";
  } else {
    // No kernel observation: the ledger stands unverified, whatever the
    // strategy's own tallies say.
    std::string reason = "not verified: no kernel evidence";
    for (std::size_t i = 0; i < why.size(); ++i) reason += (i ? "; " : " (") + why[i];
    out["status"] = "not_measured";
    out["reason"] = reason + (why.empty() ? "" : ")");
  }
  return out;
}

json summarize_model_checks(const json& repetitions) {
  json last;
  int checked = 0, failed = 0;
  for (const auto& rep : repetitions) {
    if (!rep.contains("model_check")) continue;
    ++checked;
    if (rep["model_check"]["status"] == "fail") {
      if (failed++ == 0) last = rep["model_check"];
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

std::string copy_verdict(const json& ledger, const json& check) {
  auto plural = [](int n) { return std::to_string(n) + (n == 1 ? " CPU copy" : " CPU copies"); };
  int snd = ledger.value("cpu_copies_sender", 0), rcv = ledger.value("cpu_copies_receiver", 0);
  std::string claim = plural(snd) + " on send";
  if (rcv > 0) claim += ", " + std::to_string(rcv) + " on receive";
  const std::string status = check.value("status", "not_measured");
  if (status == "not_measured") {
    std::string why = check.value("reason", std::string("not verified: nothing measured"));
    if (why.rfind("not verified", 0) != 0) why = "not verified: " + why;
    return claim + "; " + why;
  }
  std::vector<std::string> failed, evidence;
  for (auto& [name, it] : check["items"].items()) {
    if (it["status"] == "fail")
      failed.push_back(name + " predicted " + it["predicted"].dump() + ", measured " +
                       it["measured"].dump());
    else if (it["status"] == "pass") {
      if (name == "syscall_count_cross_check")
        evidence.push_back("raw_syscalls = exact call counts");
      if (name == "syscalls_per_chunk" && it["measured"].contains("scope"))
        evidence.push_back("raw_syscalls by thread: " +
                           it["measured"]["scope"].get<std::string>().substr(
                               0, it["measured"]["scope"].get<std::string>().find(' ')) +
                           " per chunk as modelled");
      if (name == "receiver_copies") evidence.push_back("skb_copy_datagram_iovec");
      if (name == "page_cache_insertions") evidence.push_back("mm_filemap_add_to_page_cache");
      if (name == "transmit_payload") evidence.push_back("net_dev_start_xmit paged/linear bytes");
    }
  }
  return verdict_line(claim, failed, evidence);
}

}  // namespace zc
