// Kernel counters for one task through perf_event_open: software events
// (task clock, context switches, page faults) and tracepoints (syscalls,
// socket-to-user copies, page-cache insertions, device transmits). They
// are the kernel's own evidence, set beside the ledger's model.
//
// A set is opened outside the timed region and counts from then on; start()
// and stop() each read the group once (one read() syscall: only the stop's
// falls inside the window) and note where each sample ring's head is, and
// the window's figures are the differences. (Disabling and re-enabling the
// group with ioctls was tried first: on this 6.18 kernel a task's events
// re-enabled that way stay idle until the task is next scheduled in, so
// short windows counted nothing.) Where perf events are refused, the set
// says why and every figure is unavailable; the run goes on.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/core/strategy.hpp"

namespace zc {

// A field of a tracepoint record, from tracefs's format file.
struct TraceField {
  std::size_t offset = 0, size = 0;
  bool is_signed = false;
};

struct Tracepoint {
  int id = -1;
  std::map<std::string, TraceField> fields;
};

// Looks a tracepoint ("skb/skb_copy_datagram_iovec") up in tracefs. When
// tracefs is not mounted and we may mount it, it is mounted in a private
// mount namespace of a short-lived helper thread, read, and gone with the
// thread: nothing is left mounted on the machine. Results are cached.
std::optional<Tracepoint> find_tracepoint(const std::string& name, std::string* why_not);

// How tracefs was reached ("/sys/kernel/tracing", "private tracefs mount"),
// or why it could not be.
Support tracefs_support(std::string* how = nullptr);

// Whether perf events may be opened for this process at all; honours
// ZC_NO_PERF=1, which simulates a refusal (for tests and for users who
// want the run without them).
Support perf_events_support();

struct PerfEventSpec {
  std::string key;     // "syscalls"
  std::string source;  // "software/task-clock" or a tracepoint "raw_syscalls/sys_enter"
  // Fields to sum over every record (sampling with PERF_SAMPLE_RAW). The
  // pseudo-field "pages_of_order" sums 1 << order (a folio's pages).
  std::vector<std::string> sum_fields = {};
  // Ring buffer data pages (a power of two) when fields are summed.
  std::size_t ring_pages = 512;
};

struct PerfEventResult {
  bool available = false;
  std::string reason;  // when not available
  std::string method;  // "software-event" | "tracepoint"
  std::uint64_t count = 0;
  // Field sums; absent (with sums_reason) when records were lost or the
  // ring buffer could not be mapped.
  std::map<std::string, std::uint64_t> sums;
  std::string sums_reason;
};

class PerfCounterSet {
 public:
  // tid 0 = the calling thread. Never throws: failures become reasons.
  PerfCounterSet(pid_t tid, const std::vector<PerfEventSpec>& specs);
  ~PerfCounterSet();
  PerfCounterSet(const PerfCounterSet&) = delete;
  PerfCounterSet& operator=(const PerfCounterSet&) = delete;

  bool available() const { return leader_ >= 0; }
  const std::string& reason() const { return reason_; }

  void start();  // snapshot: counts and ring heads
  void stop();   // snapshot; this read's own sys_enter is counted (see kStopSyscalls)
  // The window's counts and field sums. A set can be started again for
  // the next repetition (closing tracepoint events costs tens of
  // milliseconds each: the harness keeps a set for a whole run).
  std::map<std::string, PerfEventResult> read();

  // The raw_syscalls:sys_enter difference includes the read() that takes
  // the stop snapshot (its entry fires before it reads); the start's
  // entry falls before the start snapshot.
  static constexpr std::uint64_t kStopSyscalls = 1;

 private:
  struct Event;
  std::vector<std::unique_ptr<Event>> events_;
  int leader_ = -1;
  std::string reason_;
  std::vector<std::uint64_t> at_start_, at_stop_;  // PERF_FORMAT_GROUP: nr, then values
  bool started_ok_ = false, stopped_ok_ = false;
  bool snapshot(std::vector<std::uint64_t>& into);
  void consume(Event& ev, std::uint64_t head);
  void drain_loop();
  // Sample rings are emptied by a thread while a window is open.
  std::mutex ring_mutex_;
  bool window_open_ = false;
  int wake_fd_ = -1;  // eventfd: tells the drainer to end
  std::thread drainer_;
};

// The results as JSON: {available, reason?, events: {key: {...}}}.
nlohmann::json to_json(const PerfCounterSet& set, const std::map<std::string, PerfEventResult>& r);

// The sets the harness uses: the sender thread and the receiver process.
std::vector<PerfEventSpec> sender_event_specs();
std::vector<PerfEventSpec> receiver_event_specs();

}  // namespace zc
