// memcpy bandwidth of this machine, measured at the start of a run: the
// yardstick for each run's copy-bound limit (bandwidth / CPU copies on the
// critical path) and its efficiency (throughput / limit).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/core/ledger.hpp"

namespace zc {

struct CopyBandwidth {
  std::uint64_t buffer_bytes = 0;  // each of source and destination
  double bytes_per_s = 0;          // bytes copied (not read + written) per second, best round
  int rounds = 0;                  // timed rounds, of which the best counts
  double seconds = 0;              // time the measurement took
  // DRAM: measurements repeated until two in a row agree within 5% (at most
  // kMaxMeasurements); each is the best of `rounds` rounds. bytes_per_s is
  // the larger of the last two; spread = (max - min) / max over all.
  std::vector<double> measurements;
  double spread = 0;
  bool settled = true;
};

struct Calibration {
  CopyBandwidth cache;  // source + destination resident in the L2 cache
  CopyBandwidth dram;   // buffers larger than the last-level cache (or capped, see note)
  std::string note;     // caveats, e.g. a last-level cache larger than the cap
};

// About half a second, more on a busy machine: 7 rounds cache-resident;
// DRAM-sized, best-of-3 measurements until two in a row agree within 5%
// (at most 6), after an untimed pass that faults the buffers in.
Calibration calibrate_memcpy();
// Measured once per process (the first call), so that a test binary that
// runs many plans pays for it once.
const Calibration& process_calibration();

nlohmann::json to_json(const Calibration& c);

// CPU copies on a run's critical path. Sender and receiver are separate
// processes that run concurrently on separate cores, so with two or more
// online CPUs their copies overlap (a pipeline): the slower side bounds
// throughput, i.e. max(sender copies, receiver copies). With one CPU they
// take turns: the sum.
int critical_path_copies(const Ledger& l, unsigned online_cpus);

// The copy-bound throughput limit, or nullopt (with why) when the run makes
// no CPU copy on its critical path and so is not bound by copying.
struct CopyBound {
  int copies = 0;
  double limit_bytes_per_s = 0;  // 0 when not copy-bound
  std::string basis;             // which bandwidth and why
};
CopyBound copy_bound(const Ledger& l, const Calibration& cal, unsigned online_cpus);

// The calibrated CPU cost of copying one byte (ns), at DRAM bandwidth: the
// paths' copies read a file larger than the cache.
double copy_ns_per_byte(const Calibration& cal);

}  // namespace zc
