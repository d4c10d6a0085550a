// Copy and CPU accounting around one repetition: the sender's kernel
// counters, system-wide CPU from /proc/stat, the receiver's counters from
// its report, service demand, the model check and the copy-bound limit.
// The runner calls it at four points and it fills in metrics and the
// repetition's "kernel", "model_check" and "copy_bound" sections.
#pragma once

#include <sys/types.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/conditions.hpp"
#include "harness/core/ledger.hpp"
#include "harness/core/strategy.hpp"
#include "harness/measure/calibration.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/model_check.hpp"
#include "harness/measure/perf_counters.hpp"
#include "harness/measure/receiver_report.hpp"
#include "harness/measure/system_cpu.hpp"

namespace zc {

// What the harness knows of an external strategy's program beyond its
// counters: which syscalls are its data path, which thread moves the bytes,
// whether it counted its own syscalls.
struct WorkerFacts {
  pid_t pid = -1;
  std::optional<pid_t> data_tid;    // the thread the program says moves the bytes
  bool data_thread_seen = false;    // alive at both ends: RepetitionFacts::sender is its usage
  std::vector<long> data_syscalls;  // numbers, from the description file
  bool reported_syscalls = false;   // the program counted its own (CallCounters::syscalls)
  // Protocol lines the program wrote in the window with a data syscall
  // (the "done" line's write, when write is one): not the data path.
  std::uint64_t protocol_calls = 0;
  std::uint64_t protocol_bytes = 0;  // what that line's write returned
};

struct RepetitionFacts {
  const Conditions& conditions;
  const Ledger& ledger;
  const CallCounters& calls;
  std::uint64_t chunks = 0;
  std::uint64_t bytes_from_user = 0;  // as the runner reports it (0 for /dev/null)
  double wall_s = 0;
  double throughput = 0;
  double cache_resident_fraction = 1;
  const Usage& sender;  // the sender thread (RUSAGE_THREAD)
  // The whole sender process (RUSAGE_SELF): every thread, io_uring's io-wq
  // workers included; null to use the thread's figure.
  const Usage* sender_process = nullptr;
  const ReceiverReport* receiver = nullptr;  // null without a receiver process
  const Calibration* calibration = nullptr;
  const WorkerFacts* worker = nullptr;  // an external strategy's program, else null
};

// A repetition's figures: the metric values and, for each one that could
// not be taken, why.
struct Figures {
  std::map<std::string, double>& values;
  std::map<std::string, std::string>& unavailable;
  void put(const std::string& key, const Maybe<std::uint64_t>& m, double scale = 1);
  void missing(std::initializer_list<const char*> keys, const std::string& why);
};

class Accounting {
 public:
  // With kernel_counters, opens the sender's counters on the calling
  // thread, following every thread it creates from now on (io_uring's
  // io-wq workers), and, when `egress_device` names a device only this run
  // transmits on (the veth pair's sender end), that device's transmits in
  // every context; without, closes them: the repetition is measured by
  // clock and rusage alone.
  void begin(bool kernel_counters, const std::string& egress_device = {});
  // An external strategy's program does the sender's work: with
  // kernel_counters, opens the sender's counters (and what each thread
  // called, syscall by syscall) on `pid` now, before the program has
  // started its threads, following every thread it creates; the next
  // begin() keeps them. Call it while the program waits behind its gate.
  void attach_worker(pid_t pid, bool kernel_counters);
  void end_strategy();  // after the strategy's last call, before the harness waits for the sink
  void end();           // just after the timed region
  // Fills `values` and `unavailable`; returns the repetition's sections.
  nlohmann::json record(const RepetitionFacts& f, std::map<std::string, double>& values,
                        std::map<std::string, std::string>& unavailable);

 private:
  struct Counts;
  nlohmann::json sender_counts(Counts& k, const RepetitionFacts& f, Figures& out);
  nlohmann::json receiver_counts(Counts& k, const RepetitionFacts& f, Figures& out);
  nlohmann::json transmits(Counts& k, const RepetitionFacts& f, Figures& out);
  void service_demand(const RepetitionFacts& f, Figures& out);
  nlohmann::json copy_bound_and_share(const RepetitionFacts& f, Figures& out);

  nlohmann::json worker_syscalls(Counts& k, const RepetitionFacts& f, Figures& out);
  static MeasuredCopies measured_copies(const Counts& k, const RepetitionFacts& f);

  std::unique_ptr<PerfCounterSet> sender_;
  pid_t worker_ = -1;                       // the sender's counters follow this program, not us
  bool worker_attached_ = false;            // attach_worker() since the last begin()
  std::unique_ptr<PerfCounterSet> device_;  // system-wide transmits on the egress device
  std::string device_name_;
  std::optional<SystemCpu> cpu0_, cpu1_;
  std::string cpu_why_;
};

// The receiver's side, run inside the receiver process around its loop.
class ReceiverAccounting {
 public:
  explicit ReceiverAccounting(bool kernel_counters);
  void begin() {
    if (set_) set_->start();
  }
  void end() {
    if (set_) set_->stop();
  }
  nlohmann::json report();  // goes into ReceiverReport::kernel

 private:
  std::unique_ptr<PerfCounterSet> set_;  // null: counters off for this repetition
};

// Kernel counters cost a run in proportion to its syscalls and skbs: the
// raw_syscalls tracepoint puts every syscall on the slow path (read-write
// to /dev/null in 4K chunks: about 4.0 GB/s with them, 6.4-6.8 without, on
// the project's VM; 16K chunks over tcp: about 8%; 1M chunks: inside the
// run-to-run spread). So the runner turns them on in one untimed evidence
// repetition, the last warm-up, and off in the timed ones; this is what it
// says where a timed repetition has none.
inline constexpr const char* kCountersInEvidenceOnly =
    "kernel counters run in the untimed evidence repetition only";

// What the results record about kernel counters on this machine; the
// reason they are refused is printed to stderr once per process (unless
// quiet), and the runs go on without them.
nlohmann::json describe_kernel_counters(bool quiet);

// The bytes a task's calls moved across the user boundary, from what they
// returned ("syscall_returns": raw_syscalls:sys_exit grouped by thread and
// syscall number; on `tid` only when given): read/recv-like calls into user
// memory, write/send-like out of it (none into /dev/null), zero-copy sends
// less what their completions did not mark copied. Missing, with why, when
// the records are (or when io_uring_enter moved bytes the returns do not show).
struct BoundaryBytes {
  Maybe<std::uint64_t> to_user, from_user;
  nlohmann::json calls = nlohmann::json::object();  // by syscall name
  std::string scope;
};
BoundaryBytes boundary_bytes(const std::map<std::string, PerfEventResult>* results,
                             const std::string& why_missing, std::optional<pid_t> tid,
                             SinkKind sink, const ZeroCopyCompletions& zc);

// For `zc-bench env`: each accounting measurement, available here or why not.
nlohmann::json describe_measurements();

}  // namespace zc
