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

struct perf_event_attr;

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

// Whose work a set counts.
struct PerfTarget {
  pid_t tid = 0;  // 0 = the calling thread
  // Also every thread the task creates from now on (perf inherit_thread):
  // io_uring's io-wq workers, which the kernel creates inside the process.
  // Processes it forks are not followed.
  bool follow_threads = false;
  // Every task on every CPU (perf per-CPU events, pid -1): softirq work in
  // ksoftirqd or in whichever task the kernel interrupted. Needs root or
  // CAP_PERFMON; tid is ignored. Pair it with a tracepoint filter.
  bool system_wide = false;

  static PerfTarget thread(pid_t tid = 0) { return {tid, false, false}; }
  static PerfTarget threads_of_caller() { return {0, true, false}; }
  static PerfTarget all_tasks() { return {-1, false, true}; }
};

struct PerfEventSpec {
  std::string key;     // "syscalls"
  std::string source;  // "software/task-clock" or a tracepoint "raw_syscalls/sys_enter"
  // Fields to sum over every record (sampling with PERF_SAMPLE_RAW). The
  // pseudo-field "pages_of_order" sums 1 << order (a folio's pages).
  std::vector<std::string> sum_fields = {};
  // Ring buffer data pages (a power of two) when fields are summed.
  std::size_t ring_pages = 512;
  // A tracepoint filter (PERF_EVENT_IOC_SET_FILTER), e.g. name == "veth0".
  std::string filter = {};
  // Fields whose values split the records into groups, each with its own
  // count, field sums and maxima: raw_syscalls by ("common_pid", "id") is
  // what each thread called, syscall by syscall. Samples like sum_fields.
  std::vector<std::string> group_by = {};
  bool samples() const { return !sum_fields.empty() || !group_by.empty(); }
};

// The records of one group (PerfEventSpec::group_by).
struct PerfEventGroup {
  std::uint64_t count = 0;
  std::map<std::string, std::uint64_t> sums, maxima;
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
  bool sums_partial = false;  // sums kept, but some records are missing: lower bounds
  // By the values of group_by's fields, in its order; kept when the sums
  // are (complete, or partial and marked so).
  std::map<std::vector<std::uint64_t>, PerfEventGroup> groups;
};

class PerfCounterSet {
 public:
  // Never throws: failures become reasons.
  PerfCounterSet(PerfTarget target, const std::vector<PerfEventSpec>& specs);
  ~PerfCounterSet();
  PerfCounterSet(const PerfCounterSet&) = delete;
  PerfCounterSet& operator=(const PerfCounterSet&) = delete;

  bool available() const { return opened_; }
  const std::string& reason() const { return reason_; }
  const PerfTarget& target() const { return target_; }

  void start();  // snapshot: counts and ring heads
  void stop();   // snapshot; this read's own sys_enter is counted (see kStopSyscalls)
  // The window's counts and field sums. A set can be started again for
  // the next repetition.
  std::map<std::string, PerfEventResult> read();

  // The raw_syscalls:sys_enter difference includes the read() that takes
  // the stop snapshot (its entry fires before it reads); the start's
  // entry falls before the start snapshot.
  static constexpr std::uint64_t kStopSyscalls = 1;

 private:
  struct Channel;
  struct Event;
  PerfTarget target_;
  std::vector<std::unique_ptr<Event>> events_;
  bool opened_ = false;
  int leader_ = -1;  // the group of per-task counting events, if any
  std::string reason_;
  std::vector<std::uint64_t> at_start_, at_stop_;  // PERF_FORMAT_GROUP: nr, then values
  bool started_ok_ = false, stopped_ok_ = false;
  std::size_t group_size_ = 0;

  void open_event(const PerfEventSpec& spec, const std::vector<int>& cpus);
  bool open_channel(Event& ev, const perf_event_attr& attr, int cpu, bool grouped);
  bool map_ring(Event& ev, Channel& ch);
  bool snapshot(std::vector<std::uint64_t>& into);
  void consume(Event& ev, Channel& ch, std::uint64_t head);
  void drain_loop();
  void start_drainer();
  // Sample rings are emptied by a thread while a window is open. It is
  // started before any event opens, so an event that follows the
  // caller's new threads does not follow it.
  std::mutex ring_mutex_;
  bool window_open_ = false;
  bool rings_ready_ = false;  // under ring_mutex_: the drainer may poll the rings
  int wake_fd_ = -1;          // eventfd: tells the drainer to look again (or to end)
  bool quit_ = false;
  std::thread drainer_;
};

// The results as JSON: {available, reason?, events: {key: {...}}}.
nlohmann::json to_json(const PerfCounterSet& set, const std::map<std::string, PerfEventResult>& r);

// The sets the harness uses: the sender process (every thread), the
// receiver process, and device transmits on one device from every context.
std::vector<PerfEventSpec> sender_event_specs();
std::vector<PerfEventSpec> device_transmit_specs(const std::string& device);
std::vector<PerfEventSpec> receiver_event_specs();
// An external strategy's program: the sender's events, and what each of
// its threads called ("syscalls_by_thread": raw_syscalls:sys_enter by
// common_pid and id; "syscall_returns": sys_exit's ret summed the same way).
std::vector<PerfEventSpec> worker_event_specs();

}  // namespace zc
