// One broker repetition's parts, shared by its flow (broker_repetition.cpp:
// set-up, the producers' and consumers' threads, the final sync) and its
// figures (broker_figures.cpp: the values and the JSON read from them).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/base/fd.hpp"
#include "harness/core/ingest.hpp"
#include "harness/core/transfer.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/perf_counters.hpp"
#include "harness/measure/repetition.hpp"
#include "harness/sinks/peer_process.hpp"
#include "harness/workloads/broker/broker_params.hpp"
#include "harness/workloads/broker/memory_cgroup.hpp"

namespace zc {

struct Producer {
  Connection conn;
  std::unique_ptr<PeerProcess> process;
  std::unique_ptr<IngestSession> session;
  UniqueFd reader;  // the log, to read each appended record's send time
  CallCounters calls;
  Usage usage;
  std::uint64_t t_end = 0, acks = 0;
  std::vector<std::uint64_t> latencies;  // send time to append, per record
  ReceiverReport report;
};

struct Consumer {
  bool lagging = false;
  Connection conn;
  std::unique_ptr<PeerProcess> process;
  UniqueFd log;
  std::unique_ptr<TransferSession> session;
  CallCounters calls;
  Usage usage;
  std::uint64_t t_start = 0, t_end = 0, dropped_to = 0;
  std::optional<std::uint64_t> read0, read1;
  std::string read_why;
  ReceiverReport report;
  double seconds() const { return double(t_end - t_start) * 1e-9; }
  std::optional<double> read_bytes() const {
    if (!read0 || !read1) return std::nullopt;
    return double(*read1 - *read0);
  }
};

// The lagging consumer's start: the log behind it dropped from the cache.
struct LagStart {
  double resident = 0;
  std::uint64_t dropped = 0;
};

// One repetition's pipeline: its peers, its meters (the window runs from
// go until the last consumer had every byte), the cache bound, and what
// the threads counted.
struct Pipeline {
  Pipeline(const std::filesystem::path& work_dir, std::unique_ptr<PerfCounterSet> counters)
      : perf(std::move(counters)), window(MeterSet{false, work_dir, perf.get()}) {}
  std::vector<Producer> producers;
  std::vector<Consumer> consumers;
  std::unique_ptr<PerfCounterSet> perf;  // the log's pages in and out of the page cache; or null
  MeterWindow window;                    // the process's CPU and storage, the log's device, `perf`
  std::unique_ptr<MemoryCgroup> cgroup;
  std::string bound_why;
  std::optional<std::uint64_t> peak;
  LagStart lag;
  std::atomic<std::uint64_t> records{0}, syncs{0};
  std::uint64_t produced = 0, synced = 0;  // the last producer's end; the final sync's
  std::optional<StorageIo> written;        // storage from the window's start to the final sync
};

// The repetition's values: the producers' clock and CPU, the caught-up
// and the lagging consumers', the machine's over the window (`work_dir`:
// where the log is), the cache bound and the page-cache counts.
void add_broker_values(const Pipeline& pl, const BrokerParams& p,
                       const std::filesystem::path& work_dir, double bytes, Values& v,
                       Unavailable& u);

// The repetition's JSON: its values, verification and cache bound, each
// consumer's and producer's own figures, the lagging consumer's start.
nlohmann::json broker_repetition_json(const Pipeline& pl, const BrokerParams& p,
                                      const Values& values, const nlohmann::json& verification,
                                      const nlohmann::json& bound, double bytes);

// The log must be the producers' records, whole, and every consumer must
// have had all of it; throws where not.
nlohmann::json verify_broker_log(const Pipeline& pl, const std::filesystem::path& log_path,
                                 std::uint64_t size);

}  // namespace zc
