#include "harness/workloads/broker/broker_repetition.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <any>
#include <atomic>
#include <fstream>
#include <optional>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/file_system.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/temp_dir.hpp"
#include "harness/base/units.hpp"
#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/perf_counters.hpp"
#include "harness/measure/repetition.hpp"
#include "harness/sinks/peer_process.hpp"
#include "harness/sinks/record_stream.hpp"
#include "harness/workloads/broker/broker_pipeline.hpp"
#include "harness/workloads/broker/partition_log.hpp"

namespace zc {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A consumer fetches this much per call (Kafka's max.partition.fetch.bytes
// is 1 MiB; a smaller fetch follows the tail more closely).
constexpr std::uint64_t kFetch = 64 << 10;

// Bytes the calling thread caused to be read from storage.
std::optional<std::uint64_t> thread_read_bytes(std::string* why) {
  std::ifstream in("/proc/thread-self/io");
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value)
    if (key == "read_bytes:") return value;
  if (why) *why = "/proc/thread-self/io has no read_bytes (kernel without task I/O accounting)";
  return std::nullopt;
}

double resident_fraction(int fd, std::uint64_t len) {
  if (len == 0) return 0;
  auto map = map_readonly(fd, len);
  std::vector<unsigned char> vec(pages_of(len));
  check_unix(::mincore(map.data(), len, vec.data()), "mincore");
  std::size_t resident = 0;
  for (auto v : vec) resident += v & 1;
  return double(resident) / double(vec.size());
}

// The consume strategies whose sessions read through the fd they are
// given, so that an O_DIRECT fd makes their reads direct (a strategy that
// maps the log or reopens it would not).
bool reads_through_fd(std::string_view id) {
  return id == "read-write" || id == "sendfile" || id == "splice";
}

std::vector<PerfEventSpec> page_cache_specs(std::uint64_t inode) {
  const std::string filter = "i_ino == " + std::to_string(inode);
  return {
      {"insertions", "filemap/mm_filemap_add_to_page_cache", {"pages_of_order"}, 1024, filter},
      {"evictions", "filemap/mm_filemap_delete_from_page_cache", {"pages_of_order"}, 1024, filter}};
}

// A peer process's command line: its role, its socket as fd 3, the
// flags ("--flag value", or a lone "--flag" with an empty value), pinned
// as the receiver is.
std::vector<std::string> peer_args(const char* role,
                                   const std::vector<std::pair<const char*, std::string>>& flags,
                                   const RunSettings& settings) {
  std::vector<std::string> args = {role, "--fd", "3"};
  for (const auto& [flag, value] : flags) {
    args.push_back(flag);
    if (!value.empty()) args.push_back(value);
  }
  for (auto& a : pin_args(settings.tuning.receiver_cpu)) args.push_back(a);
  return args;
}

std::string str(std::uint64_t n) { return std::to_string(n); }

// Acknowledges to a producer that the log has taken `bytes` of its records.
void ack(Producer& p, std::uint64_t bytes) {
  auto n = ::send(p.conn.near.get(), &bytes, sizeof bytes, MSG_NOSIGNAL);
  if (n != sizeof bytes) throw std::system_error(errno, std::generic_category(), "send (ack)");
  ++p.acks;
}

// The lagging consumer starts once half the log is in, from its
// beginning, with that half dropped from the page cache.
LagStart fall_behind(const fs::path& log_path, std::uint64_t committed) {
  LagStart lag;
  UniqueFd fd(check_unix(::open(log_path.c_str(), O_RDONLY | O_CLOEXEC), "open log"));
  // Dirty pages cannot be dropped: write them back first.
  check_unix(::fdatasync(fd.get()), "fdatasync (lagging consumer)");
  lag.dropped = committed / kPageBytes * kPageBytes;
  int err = ::posix_fadvise(fd.get(), 0, off_t(lag.dropped), POSIX_FADV_DONTNEED);
  if (err != 0) throw std::system_error(err, std::generic_category(), "posix_fadvise(DONTNEED)");
  lag.resident = resident_fraction(fd.get(), lag.dropped);
  return lag;
}

// --lag-read dontneed: what the lagging consumer has read, a fetch behind
// it (a page still in a socket is skipped by the kernel), leaves the page
// cache.
void drop_behind(Consumer& k, std::uint64_t sent) {
  if (sent <= kFetch) return;
  auto behind = (sent - kFetch) / kPageBytes * kPageBytes;
  if (behind <= k.dropped_to) return;
  int err = ::posix_fadvise(k.log.get(), off_t(k.dropped_to), off_t(behind - k.dropped_to),
                            POSIX_FADV_DONTNEED);
  if (err != 0)
    throw std::system_error(err, std::generic_category(), "posix_fadvise(DONTNEED) behind");
  k.dropped_to = behind;
}

class BrokerRun : public RunMeasure {
 public:
  BrokerRun(const RunSpec& spec, const PlanContext& plan)
      : spec_(spec), plan_(plan), p_(std::any_cast<const BrokerParams&>(spec.params)) {
    if (p_.lag == Lag::none) return;
    const auto* s = Registry::instance().find(p_.consume);
    if (!s || s->workload() != kTransferWorkload)
      throw std::logic_error("broker: no transfer strategy " + p_.consume);
    consume_ = static_cast<const TransferStrategy*>(s);
  }

  json repetition(Values& values, Unavailable& unavailable, bool kernel_counters) override {
    const Conditions cc = consumer_conditions();
    RemovedOnExit log(plan_.work_dir / ("broker-" + std::string(spec_.strategy->id()) + ".log"));
    struct stat st {};
    check_unix(::fstat(log.create().get(), &st), "fstat log");
    deadline_ = Deadline(
        repetition_timeout_ns(plan_.settings, spec_.conditions.size * (1 + consumer_count())));
    std::unique_ptr<PerfCounterSet> counters;
    if (kernel_counters)
      counters =
          std::make_unique<PerfCounterSet>(PerfTarget::all_tasks(), page_cache_specs(st.st_ino));
    Pipeline pl(plan_.work_dir, std::move(counters));
    set_up(pl, log.path(), cc);
    bound_cache(pl);
    run(pl, log.path());
    settle(pl);
    auto verification = verify_broker_log(pl, log.path(), spec_.conditions.size);
    const double bytes = double(spec_.conditions.size);
    add_broker_values(pl, p_, plan_.work_dir, bytes, values, unavailable);
    return broker_repetition_json(pl, p_, values, verification, bound_, bytes);
  }

  void finish(json& record, const json&, std::vector<std::string>& warnings) override {
    record["model_check"] = {
        {"status", "not_measured"},
        {"reason",
         "a broker run measures the whole pipeline; each strategy's ledger is checked "
         "in its own workload (--workload ingest, --workload transfer)"}};
    record["copy_verdict"] = "model only: see --workload ingest and transfer for the checks";
    if (!bound_.is_null()) {
      record["cache_bound"] = bound_;
      if (bound_["method"] == "none")
        warnings.push_back("the page cache was not bounded (" +
                           bound_["reason"].get<std::string>() +
                           "): the lagging consumer reads cold pages, but nothing evicts the "
                           "tail for it");
    }
    double resident = metric_median(record, "lag_resident_fraction");
    if (p_.has_lagging() && resident > 0.5)
      warnings.push_back(
          "the lagging consumer found " + format_fixed(resident * 100, 0) +
          "% of the log behind it still in the page cache after POSIX_FADV_DONTNEED: " +
          (spec_.strategy->id() == "recv-mmap"
               ? std::string("recv-mmap keeps the log mapped, and mapped pages are not dropped")
               : std::string("the kernel kept them")) +
          "; its reads came from memory, not from the disk");
    // cpu in is the ingesting threads' own rusage; io_uring hands part of
    // the work to io-wq workers, other threads of this process.
    if (spec_.strategy->id().starts_with("io-uring"))
      warnings.push_back(
          "cpu in (ingest_cpu_ns_per_byte) counts the ingesting threads only: io_uring's io-wq "
          "workers do part of the ingest on other threads of the process, so it is a lower "
          "bound (the whole process, serving included: process_cpu_ns_per_byte)");
  }

 private:
  unsigned consumer_count() const { return p_.lag == Lag::none ? 0 : p_.consumer_processes(); }

  // The consumers' transfer: the log is their source, one fetch per call
  // (a consumer never reads past the committed end).
  Conditions consumer_conditions() const {
    Conditions cc = spec_.conditions;
    cc.chunk = kFetch;
    cc.queue_depth = 1;
    if (!consume_) return cc;
    if (auto support = consume_->probe(cc); !support)
      throw Unsupported("consumers with " + std::string(consume_->id()) + ": " + *support.missing);
    if (p_.has_lagging() && p_.lag_read == LagRead::direct && !reads_through_fd(consume_->id()))
      throw Unsupported("--lag-read direct with " + std::string(consume_->id()) +
                        ": it does not read through the file descriptor it is given (it maps "
                        "or reopens the log), so O_DIRECT would not reach its reads; direct "
                        "reads are wired for read-write, sendfile and splice");
    return cc;
  }

  void set_up(Pipeline& pl, const fs::path& log_path, const Conditions& cc) {
    pl.producers = std::vector<Producer>(p_.producers);
    pl.consumers = std::vector<Consumer>(consumer_count());
    if (p_.has_lagging()) pl.consumers.back().lagging = true;
    const auto& strategy = static_cast<const IngestStrategy&>(*spec_.strategy);
    batch_ = std::uint64_t(strategy.records_per_call(spec_.conditions)) * spec_.conditions.chunk;
    for (unsigned i = 0; i < pl.producers.size(); ++i)
      set_up_producer(i, pl.producers[i], strategy, log_path);
    for (unsigned j = 0; j < pl.consumers.size(); ++j)
      set_up_consumer(j, pl.consumers[j], log_path, cc);
  }

  // The memory cgroup the broker's page cache is bounded by, where one can
  // be made; how it was bounded goes into the record.
  void bound_cache(Pipeline& pl) {
    pl.cgroup = MemoryCgroup::create(p_.cache_limit, &pl.bound_why);
    // cgroup v1 does not write a cgroup's dirty pages back ahead of its
    // limit (v2 does, in balance_dirty_pages): reclaim then finds only
    // dirty pages and its OOM killer ends zc-bench (seen: 7.9M of 8M
    // dirty). The producers start writeback themselves, without waiting.
    kick_every_ = pl.cgroup && pl.cgroup->needs_writeback_kicks() ? p_.cache_limit / 8 : 0;
    bound_ = pl.cgroup
                 ? json{{"method", pl.cgroup->method()}, {"limit", p_.cache_limit}}
                 : json{{"method", "none"}, {"limit", p_.cache_limit}, {"reason", pl.bound_why}};
  }

  void set_up_producer(unsigned i, Producer& p, const IngestStrategy& strategy,
                       const fs::path& log_path) {
    const auto& c = spec_.conditions;
    const std::uint64_t per = c.size / p_.producers;
    p.conn = open_connection(c.sink, plan_.settings.tuning, true);
    auto args = peer_args("produce",
                          {{"--size", str(per)},
                           {"--record", str(c.chunk)},
                           {"--seed", str(plan_.settings.seed + i)},
                           {"--producer", str(i)},
                           {"--timestamps", ""},
                           {"--window", str(window())}},
                          plan_.settings);
    p.process = std::make_unique<PeerProcess>("producer " + std::to_string(i), args, p.conn,
                                              deadline_.at_ns());
    IngestContext ctx{p.conn.near.get(),           log_path, per, c.size, c.chunk, c.queue_depth,
                      c.append.sync.opens_dsync(), c.sink};
    p.session = strategy.prepare(ctx);
    p.reader.reset(check_unix(::open(log_path.c_str(), O_RDONLY | O_CLOEXEC), "open log"));
    p.latencies.reserve(per / c.chunk);
  }

  void set_up_consumer(unsigned j, Consumer& k, const fs::path& log_path, const Conditions& cc) {
    const auto& c = spec_.conditions;
    k.conn = open_connection(c.sink, plan_.settings.tuning, false);
    auto args = peer_args("consume",
                          {{"--size", str(c.size)},
                           {"--record", str(c.chunk)},
                           {"--producers", str(p_.producers)},
                           {"--buffer", str(plan_.settings.tuning.receiver_buffer)}},
                          plan_.settings);
    k.process = std::make_unique<PeerProcess>(
        (k.lagging ? "lagging consumer " : "consumer ") + std::to_string(j), args, k.conn,
        deadline_.at_ns());
    const bool direct = k.lagging && p_.lag_read == LagRead::direct;
    int fd = ::open(log_path.c_str(), O_RDONLY | O_CLOEXEC | (direct ? O_DIRECT : 0));
    if (fd < 0 && direct && errno == EINVAL)
      throw Unsupported("--lag-read direct: the log's file system (" +
                        filesystem_name(plan_.work_dir) + ") refuses O_DIRECT");
    k.log.reset(check_unix(fd, "open log"));
    TransferContext ctx{k.log.get(),    log_path,          cc.size, cc.chunk,
                        cc.queue_depth, k.conn.near.get(), cc.sink};
    k.session = consume_->prepare(ctx);
  }

  // Producers and consumers, each a stream of the skeleton on a thread of
  // its own, all let go at once, under the memory cgroup; the window (the
  // page-cache counts with it) from then until every consumer has had
  // every byte. A failed thread fails the log, so that no consumer waits
  // on; the first failure, producers' first, is rethrown.
  void run(Pipeline& pl, const fs::path& log_path) {
    PartitionLog log(p_.producers);
    const unsigned np = p_.producers;
    if (pl.cgroup) pl.cgroup->enter();
    run_streams(np + unsigned(pl.consumers.size()), /*fresh_threads=*/true, pl.window,
                [&](unsigned i, StreamGate& gate) {
                  try {
                    if (i < np)
                      produce(i, pl, log, gate);
                    else
                      serve(i - np, pl, log, gate, log_path);
                  } catch (...) {
                    log.fail();
                    throw;
                  }
                });
    if (pl.cgroup) {
      pl.cgroup->leave();
      pl.peak = pl.cgroup->peak_bytes();
    }
  }

  // After the window: the final sync, timed (what the page cache still
  // owed the device), then the peers' ends and reports.
  void settle(Pipeline& pl) {
    for (auto& p : pl.producers) pl.produced = std::max(pl.produced, p.t_end);
    CallCounters final_calls;
    pl.producers[0].session->sync(final_calls);
    pl.synced = now_ns();
    pl.written = pl.window.storage_to_now();
    for (auto& p : pl.producers) {
      p.session.reset();
      p.process->await_done();
      p.report = p.process->report();
    }
    for (auto& k : pl.consumers) k.report = k.process->report();
  }

  // How far a producer may run ahead of its acknowledgements: a mebibyte
  // (Kafka's producer keeps 5 requests of up to 1 MiB in flight by
  // default), and at least a sync period's worth, or it would wait for an
  // acknowledgement that waits for it.
  std::uint64_t window() const {
    const auto& sync = spec_.conditions.append.sync;
    std::uint64_t w = std::max<std::uint64_t>(1 << 20, 2 * batch_);
    if (sync.kind == SyncPolicy::Kind::every) w = std::max(w, (sync.n + 1) * batch_);
    return w;
  }

  // The send time of each record in [offset, offset + len), all appended
  // by `appended`: the producer's append latency.
  void note_latencies(Producer& p, std::uint64_t offset, std::uint64_t len,
                      std::uint64_t appended) {
    const auto record = spec_.conditions.chunk;
    for (auto at = offset; at < offset + len; at += record) {
      RecordHeader h;
      auto n =
          check_unix(::pread(p.reader.get(), &h, sizeof h, off_t(at)), "pread (record header)");
      if (std::size_t(n) != sizeof h || h.sent_ns == 0)
        throw std::runtime_error("no stamped record header at byte " + std::to_string(at) +
                                 " of the log");
      p.latencies.push_back(appended > h.sent_ns ? appended - h.sent_ns : 0);
    }
  }

  // A producer's stream: let go with the others, its records into the log.
  void produce(unsigned i, Pipeline& pl, PartitionLog& log, StreamGate& gate) {
    auto& p = pl.producers[i];
    gate.start();
    p.process->go();
    ingest(i, p, log, pl);
    gate.end();
  }

  // One producer's records into the log, each at the next free offset. The
  // thread acknowledges what it has taken: after each append without a
  // sync policy (acks before the flush), after each of its syncs with one
  // (acks after the flush: every:N counts this producer's records).
  void ingest(unsigned i, Producer& p, PartitionLog& log, Pipeline& pl) {
    const auto& c = spec_.conditions;
    const auto& policy = c.append.sync;
    const bool syncing =
        policy.kind == SyncPolicy::Kind::every || policy.kind == SyncPolicy::Kind::interval;
    const std::uint64_t per = c.size / p_.producers;
    auto u0 = Usage::of_thread();
    std::uint64_t taken = 0, last_sync = now_ns(), acked = 0, unkicked = 0;
    for (std::uint64_t done = 0; done < per;) {
      auto len = std::min(batch_, per - done);
      auto offset = log.reserve(i, len);
      p.session->append(offset, len, p.calls);
      log.complete(i);
      const auto appended = now_ns();
      done += len;
      auto n = len / c.chunk;
      pl.records += n;
      // interval:MS acknowledges only after a sync, and a producer a window
      // ahead of its acknowledgements sends nothing more until one comes:
      // sync then too, or each would wait for the other (the producer gave
      // up after its timeout: "the peer ended its stream ... early").
      const bool window_full = syncing && done - acked >= window();
      const bool sync_now = sync_due(policy, taken, taken + n, last_sync) || window_full;
      taken += n;
      if (sync_now) {
        p.session->sync(p.calls);
        ++pl.syncs;
        last_sync = now_ns();
      }
      if (!syncing || sync_now) ack(p, acked = done);
      if (kick_every_ && (unkicked += len) >= kick_every_) {
        unkicked = 0;
        check_unix(::sync_file_range(p.reader.get(), 0, 0, SYNC_FILE_RANGE_WRITE),
                   "sync_file_range (writeback under cgroup v1)");
      }
      // After the acknowledgement: reading the headers delays no producer.
      note_latencies(p, offset, len, appended);
      deadline_.check(now_ns(), done);
    }
    if (acked < per) {  // the tail since the last sync
      p.session->sync(p.calls);
      ++pl.syncs;
      ack(p, per);
    }
    p.session->finish(p.calls);
    p.t_end = now_ns();
    p.usage = Usage::of_thread() - u0;
  }

  // A consumer's stream: fed the log by offset, never past the committed
  // end; the lagging one first falls behind.
  void serve(unsigned j, Pipeline& pl, PartitionLog& log, StreamGate& gate,
             const fs::path& log_path) {
    auto& k = pl.consumers[j];
    const std::uint64_t size = spec_.conditions.size;
    gate.start();
    if (k.lagging) pl.lag = fall_behind(log_path, log.wait_for(size / 2, deadline_));
    k.t_start = now_ns();
    k.read0 = thread_read_bytes(&k.read_why);
    auto u0 = Usage::of_thread();
    std::uint64_t sent = 0;
    try {
      feed(k, log, sent);
    } catch (const std::exception& e) {
      // A consumer that died shows as a failed send ("sendfile: Broken
      // pipe"); its process's fate is the real problem.
      if (interrupted()) throw;
      auto why = k.process->diagnose();
      if (why == "is still running") throw;
      throw std::runtime_error(std::string(k.lagging ? "lagging consumer " : "consumer ") +
                               std::to_string(j) + ": consumer process exited (" + why +
                               ") after " + std::to_string(sent) + " of " + std::to_string(size) +
                               " bytes (" + e.what() + ")");
    }
    ::shutdown(k.conn.near.get(), SHUT_WR);
    k.process->await_done();
    k.t_end = now_ns();
    k.usage = Usage::of_thread() - u0;
    k.read1 = thread_read_bytes(&k.read_why);
    gate.end();
  }

  // Fetches until the consumer has the log (`sent` counts its bytes).
  void feed(Consumer& k, PartitionLog& log, std::uint64_t& sent) {
    const std::uint64_t size = spec_.conditions.size;
    const bool dontneed = k.lagging && p_.lag_read == LagRead::dontneed;
    while (sent < size) {
      log.wait_for(std::min(size, sent + kFetch), deadline_);
      auto n = k.session->step(k.calls);
      if (n == 0) break;
      sent += n;
      if (dontneed) drop_behind(k, sent);
    }
    k.session->finish(k.calls);
  }

  RunSpec spec_;
  const PlanContext& plan_;
  BrokerParams p_;
  const TransferStrategy* consume_ = nullptr;
  Deadline deadline_;
  std::uint64_t batch_ = 0;
  std::uint64_t kick_every_ = 0;  // bytes a producer appends between writeback kicks; 0: none
  json bound_;                    // how the page cache was bounded, the last repetition's
};

}  // namespace

std::unique_ptr<RunMeasure> make_broker_run(const RunSpec& spec, const PlanContext& plan) {
  return std::make_unique<BrokerRun>(spec, plan);
}

}  // namespace zc
