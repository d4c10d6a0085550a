// The model check: what a run's ledger predicts (syscalls per chunk, bytes
// copied across the user/kernel boundary, receiver copies, page-cache
// insertions, page faults) beside what the run and the kernel measured.
// Every item is pass, fail or not_measured (with why); a failure means the
// model, or the kernel's behaviour, is not what the articles say, and is
// reported, never hidden. Only an independent kernel observation can pass
// an item: the strategy's own tallies (bytes it handed to its calls) are
// shown beside the ledger as "consistent"/"inconsistent", never as a pass,
// and a check with no kernel evidence is "not verified: why".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/conditions.hpp"
#include "harness/core/ledger.hpp"
#include "harness/core/strategy.hpp"

namespace zc {

// A figure that may be missing, and why.
template <typename T>
struct Maybe {
  std::optional<T> value;
  std::string why_not;
};

struct MeasuredCopies {
  std::uint64_t size = 0, chunk = 0, chunks = 0;
  std::uint64_t exact_syscalls = 0;                      // counted at the strategy's call sites
  std::uint64_t bookkeeping_syscalls = 0;                // of which outside the per-chunk data path
  Maybe<std::uint64_t> traced_syscalls;                  // raw_syscalls:sys_enter, strategy window
  std::uint64_t bytes_to_user = 0, bytes_from_user = 0;  // exact, from the calls made
  bool receiver_copies_traceable = false;                // the receiver reads a socket
  Maybe<std::uint64_t> receiver_copy_calls;              // skb:skb_copy_datagram_iovec
  Maybe<std::uint64_t> receiver_copy_bytes;              // its len, summed
  // --receiver zerocopy-receive: the bytes the kernel's TCP_ZEROCOPY_RECEIVE
  // results (the length it mapped, call by call) said it mapped.
  bool receiver_maps = false;
  Maybe<std::uint64_t> receiver_mapped_bytes;
  Maybe<std::uint64_t> page_cache_pages;  // filemap:mm_filemap_add_to_page_cache
  double cache_resident_fraction = 1;     // of the source, before the repetition
  std::uint64_t sender_faults = 0;
  std::string faults_method;  // "software-event" or "rusage"
  // net:net_dev_start_xmit: bytes leaving in linear buffers and in page
  // frags, counted on the egress device from every context or only in
  // the sender's and receiver's tasks (scope says which).
  bool transmit_applicable = false;  // the bytes leave through a network device
  Maybe<std::uint64_t> transmit_linear_bytes, transmit_paged_bytes;
  bool transmit_every_context = false;
  std::string transmit_scope;
  // An external strategy's program (a JVM has twenty threads that call
  // futex and nanosleep while one moves the bytes): the syscalls item
  // counts its data syscalls on its data thread, less the protocol's own
  // lines (traced by thread and number); the cross-check sets every syscall
  // of that thread beside the program's own count, when it keeps one.
  bool external = false;
  bool exact_known = true;  // the strategy counted its syscalls (a JVM program cannot)
  Maybe<std::uint64_t> traced_data_syscalls, traced_thread_syscalls;
  std::string data_syscall_scope;
  nlohmann::json other_thread_calls;  // name -> calls of the program's other threads
  // The bytes the sender's calls moved across the user boundary, from the
  // kernel's own record of them (raw_syscalls:sys_exit's return values by
  // syscall number, on the data thread(s)): read/recv/pread-like calls
  // copy into user memory, write/send/pwrite-like calls out of it (none
  // into /dev/null), sendfile/splice/copy_file_range/vmsplice across
  // neither. Zero-copy sends are counted as copied for what their
  // completions marked copied. Missing (with why) when the calls were not
  // traced, or when calls whose bytes the record does not show (io_uring's
  // ops, recvmmsg) moved the data.
  Maybe<std::uint64_t> kernel_to_user, kernel_from_user;
  nlohmann::json boundary_calls;  // syscall name -> {calls, returned, crosses}
  // What the kernel's zero-copy completions said (MSG_ZEROCOPY's error
  // queue, io_uring's SEND_ZC notifications).
  ZeroCopyCompletions zerocopy;
  std::string boundary_scope;
  // The receiver reading a pipe: what its read()s returned (raw_syscalls:sys_exit).
  bool receiver_reads_pipe = false;
  Maybe<std::uint64_t> receiver_read_bytes;
};

// One repetition's check: {"status", "items": {name: {...}}, "unchecked":
// [hops no kernel evidence sees, with why]}. A failing item fails the
// check; it passes only when an item of kernel evidence checked a hop, and
// is not_measured when every hop went unchecked.
nlohmann::json check_model(const Ledger& l, const Conditions& c, const MeasuredCopies& m);

// A hop's name in verdicts: "page cache -> user buffer (cpu, sender)".
std::string hop_name(const Hop& h);

// For tests only (the mutation suite, tests/strategies): called with each
// repetition's ledger, conditions and evidence just before the check, so
// a test can check mutated ledgers against the same kernel evidence.
// zc-bench never sets it; a test binary linking the harness does.
using ModelCheckObserver = void (*)(const Ledger&, const Conditions&, const MeasuredCopies&);
void set_model_check_observer_for_tests(ModelCheckObserver observer);
ModelCheckObserver model_check_observer();

// A run's check from its repetitions': failed if any failed (of the failing
// repetitions, the one with the most kernel evidence is kept), else the last one's.
nlohmann::json summarize_model_checks(const nlohmann::json& repetitions);

// The verdict's sentence from a workload's claim: "MODEL CHECK FAILED: <the
// first failure> (+N more)", or "<claim>, verified by <evidence + ...>".
std::string verdict_line(const std::string& claim, const std::vector<std::string>& failed,
                         const std::vector<std::string>& evidence);

// "; UNCHECKED: <hop>, <hop>" for the hops no kernel evidence saw, or "".
std::string unchecked_note(const nlohmann::json& check);

// One line for the table: "0 CPU copies on send, 1 on receive; verified by ...".
std::string copy_verdict(const nlohmann::json& ledger, const nlohmann::json& check);

}  // namespace zc
