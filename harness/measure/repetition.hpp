// The skeleton every workload's repetition runs in, written once (Google
// Benchmark's BenchmarkRunner and fio's backend.c: the harness owns the
// clock, the deadline, the meters and the fan-out; the workload owns the
// loop). The deadline and the stop signal, checked between steps; the
// meter window (the process's CPU, its storage I/O, the block device
// under a log, the system's CPU) read at both ends of a timed region; and
// --streams N: N bodies on threads, started and ended together, with the
// aggregate window taken once, when the last stream arrives, and the
// streams' spread. A workload supplies the body: its set-up, its timed
// loop and its verification.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/append_params.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/metrics.hpp"
#include "harness/measure/perf_counters.hpp"
#include "harness/measure/system_cpu.hpp"

namespace zc {

// The harness's own end of a repetition (a stop signal, the deadline),
// told apart from a failure of the strategy's calls.
struct RepetitionStopped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// When a repetition must end: set as its set-up begins, checked between
// the timed region's steps (a call blocked past it is the sink's or the
// peer's watchdog's to end).
class Deadline {
 public:
  Deadline() = default;  // none: only a stop signal ends the repetition early
  explicit Deadline(std::uint64_t timeout_ns) : at_ns_(now_ns() + timeout_ns) {}
  std::uint64_t at_ns() const { return at_ns_; }
  // Between two steps, at `now`, `bytes` moved so far: throws
  // RepetitionStopped on a stop signal (Ctrl-C, SIGTERM) or past the deadline.
  void check(std::uint64_t now, std::uint64_t bytes) const;

 private:
  std::uint64_t at_ns_ = std::numeric_limits<std::uint64_t>::max();
};

// What a meter window reads besides the clock, the process's rusage and
// its storage I/O.
struct MeterSet {
  bool system_cpu = false;             // /proc/stat: every CPU's busy and softirq time
  std::filesystem::path device_under;  // the block device under this path; empty: none
  // Kernel counters taken over the window too (counters of every task, as
  // the broker's page-cache tracepoints; a stream's own counters are the
  // stream's to start and stop); null: none.
  PerfCounterSet* evidence = nullptr;
};

// The process-wide figures over a timed window: every thread of the
// process (io_uring's io-wq workers included, which RUSAGE_THREAD misses),
// what it caused storage to read and write, and, as asked, the device
// under the log (journal and metadata too, system-wide) and the system's
// CPU (softirq work is charged to no process).
class MeterWindow {
 public:
  explicit MeterWindow(MeterSet set = {}) : set_(std::move(set)) {}
  // The clock is read last at the start and first at the end: the meters'
  // own reads stay outside the window's time.
  void start() noexcept;
  void stop() noexcept;
  std::uint64_t t0() const { return t0_; }
  std::uint64_t t1() const { return t1_; }
  Usage process() const { return process1_ - process0_; }
  // Each meter's difference over the window, or nullopt (the *_why() says
  // why) when it was not read at both ends.
  std::optional<StorageIo> storage() const;
  const std::string& storage_why() const { return io_why_; }
  // The storage meter read again now, after stop(), less its start: what
  // the process caused storage to write by now (a final sync after the
  // window included); nullopt where it was not read at both ends.
  std::optional<StorageIo> storage_to_now() const;
  std::optional<DeviceIo> device() const;
  const std::string& device_why() const { return dev_why_; }
  std::optional<SystemCpu> cpu() const;
  const std::string& cpu_why() const { return cpu_why_; }

 private:
  MeterSet set_;
  std::uint64_t t0_ = 0, t1_ = 0;
  Usage process0_, process1_;
  std::optional<StorageIo> io0_, io1_;
  std::optional<DeviceIo> dev0_, dev1_;
  std::optional<SystemCpu> cpu0_, cpu1_;
  std::string io_why_, dev_why_, cpu_why_;
};

// A log's storage figures over `w`: what the process wrote to storage
// (storage_write_bytes, storage_write_amplification: per byte logged) and
// what the device under the log wrote (device_write_bytes,
// device_write_amplification); unavailable, with why, on tmpfs (no storage
// behind its page cache) or where a meter could not be read.
void add_log_storage_values(const MeterWindow& w, const std::string& fs_name, double bytes,
                            Values& values, Unavailable& unavailable);

// Whether a log's writer syncs now by its --sync policy, having taken
// `records_now` records (`records_before` at its last step) and last synced
// at `last_sync_ns`: every:N when the count passes a multiple of N,
// interval:MS when MS have passed; never for none and dsync.
bool sync_due(const SyncPolicy& policy, std::uint64_t records_before, std::uint64_t records_now,
              std::uint64_t last_sync_ns);

// Where each stream of a repetition waits for the others: just before its
// clock starts and just after it stops.
class StreamGate {
 public:
  void start();
  void end();

 private:
  friend void run_streams(unsigned, bool, MeterWindow&,
                          const std::function<void(unsigned, StreamGate&)>&);
  struct Barriers;
  explicit StreamGate(Barriers& b) : b_(&b) {}
  void leave();  // a stream that failed: the others must not wait for it
  Barriers* b_;
  bool started_ = false, ended_ = false;
};

// Runs `body(i, gate)` for the streams i = 0..streams-1, each on a thread
// of its own, and `window` over them: started when the last stream passes
// gate.start(), stopped when the last passes gate.end(). One stream runs on
// the calling thread unless `fresh_threads` (a fresh thread has a fresh
// io_uring task context: the io-wq workers its ring starts are created
// after its counters open, which follow them). Once every stream has ended
// (a failed one leaves both gates, so the others go on), the first failure,
// by stream, is rethrown.
void run_streams(unsigned streams, bool fresh_threads, MeterWindow& window,
                 const std::function<void(unsigned stream, StreamGate& gate)>& body);

// The streams' own figures as the run's: a metric every stream has is
// their sum where it adds up (counts, bytes, seconds, pages) and their mean
// where it does not (per-byte, per-chunk and fraction figures: every stream
// moves the same bytes); one missing in any stream is missing in the run,
// with that stream's reason.
void merge_stream_values(std::span<const MetricDef> metrics, const std::vector<Values>& streams,
                         const std::vector<Unavailable>& unavailable_in, Values& values,
                         Unavailable& unavailable);

// The streams' spread, from each stream's own throughput: "streams",
// "stream_throughput_min_bytes_per_s", "_max_" and "stream_throughput_cv"
// (standard deviation over mean).
void add_stream_spread(const std::vector<double>& throughputs, Values& values);

// The warning for N busy streams on fewer than 2N cores (`each`: what
// keeps each stream busy, "a busy sender and receiver"); empty when none.
std::string streams_share_cores(unsigned streams, std::string_view each);

// A metric's median in a run record; 0 when it has none.
double metric_median(const nlohmann::json& record, std::string_view key);

}  // namespace zc
