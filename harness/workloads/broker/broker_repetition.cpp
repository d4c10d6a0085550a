#include "harness/workloads/broker/broker_repetition.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <any>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/file_system.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/percentile.hpp"
#include "harness/base/units.hpp"
#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/perf_counters.hpp"
#include "harness/sinks/peer_process.hpp"
#include "harness/sinks/record_stream.hpp"
#include "harness/workloads/broker/broker_params.hpp"
#include "harness/workloads/broker/memory_cgroup.hpp"

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

// The partition log's ends: writers reserve the next bytes and fill them in
// any order; `committed` is the end below which every byte is written,
// which is as far as a consumer may fetch.
class PartitionLog {
 public:
  explicit PartitionLog(unsigned writers) : in_flight_(writers, kNone) {}

  std::uint64_t reserve(unsigned writer, std::uint64_t len) {
    std::lock_guard lock(m_);
    in_flight_[writer] = reserved_;
    reserved_ += len;
    return in_flight_[writer];
  }

  void complete(unsigned writer) {
    {
      std::lock_guard lock(m_);
      in_flight_[writer] = kNone;
      committed_ = std::min(reserved_, *std::min_element(in_flight_.begin(), in_flight_.end()));
    }
    cv_.notify_all();
  }

  // Waits until `want` bytes are committed; throws if a writer failed or
  // the deadline passes.
  std::uint64_t wait_for(std::uint64_t want, std::uint64_t deadline_ns) {
    std::unique_lock lock(m_);
    while (committed_ < want) {
      if (failed_) throw std::runtime_error("the log's writers stopped");
      if (interrupted()) throw std::runtime_error("interrupted");
      if (now_ns() > deadline_ns)
        throw std::runtime_error("a consumer waited past the deadline at " +
                                 std::to_string(committed_) + " bytes");
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
    return committed_;
  }

  void fail() {
    {
      std::lock_guard lock(m_);
      failed_ = true;
    }
    cv_.notify_all();
  }

 private:
  static constexpr std::uint64_t kNone = ~std::uint64_t(0);
  std::mutex m_;
  std::condition_variable cv_;
  std::uint64_t reserved_ = 0, committed_ = 0;
  std::vector<std::uint64_t> in_flight_;
  bool failed_ = false;
};

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
};

// The lagging consumer's start: the log behind it dropped from the cache.
struct LagStart {
  double resident = 0;
  std::uint64_t dropped = 0;
};

// What the machine did in the window (from go until the last consumer had
// every byte): the process's CPU and storage reads, the device's reads,
// the log's pages in and out of the page cache.
struct Window {
  Usage usage;
  std::optional<StorageIo> io;
  std::optional<DeviceIo> device;
  std::string io_why, device_why;
};

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
    const auto& c = spec_.conditions;
    Conditions cc = c;  // the consumers' transfer: the log is their source
    cc.chunk = kFetch;
    cc.queue_depth = 1;  // one fetch per call: a consumer never reads past the committed end
    if (consume_) check_consume(cc);
    fs::path log_path = plan_.work_dir / ("broker-" + std::string(spec_.strategy->id()) + ".log");
    struct Remove {
      fs::path p;
      ~Remove() {
        std::error_code ec;
        fs::remove(p, ec);
      }
    } remove{log_path};
    struct stat st {};
    {
      UniqueFd fd(check_unix(
          ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), "create log"));
      check_unix(::fstat(fd.get(), &st), "fstat log");
    }
    deadline_ = now_ns() + repetition_timeout_ns(plan_.settings, c.size * (1 + consumer_count()));
    std::vector<Producer> producers(p_.producers);
    std::vector<Consumer> consumers(consumer_count());
    if (p_.has_lagging()) consumers.back().lagging = true;
    set_up_producers(producers, log_path);
    set_up_consumers(consumers, log_path, cc);
    std::unique_ptr<PerfCounterSet> perf;
    if (kernel_counters)
      perf = std::make_unique<PerfCounterSet>(PerfTarget::all_tasks(), page_cache_specs(st.st_ino));
    std::string bound_why;
    auto cgroup = MemoryCgroup::create(p_.cache_limit, &bound_why);
    // cgroup v1 does not write a cgroup's dirty pages back ahead of its
    // limit (v2 does, in balance_dirty_pages): reclaim then finds only
    // dirty pages and its OOM killer ends zc-bench (seen: 7.9M of 8M
    // dirty). The producers start writeback themselves, without waiting.
    kick_every_ = cgroup && cgroup->needs_writeback_kicks() ? p_.cache_limit / 8 : 0;
    bound_ = cgroup ? json{{"method", cgroup->method()}, {"limit", p_.cache_limit}}
                    : json{{"method", "none"}, {"limit", p_.cache_limit}, {"reason", bound_why}};

    Window w0 = window_now(), w1;
    if (perf) perf->start();
    if (cgroup) cgroup->enter();
    LagStart lag;
    std::atomic<std::uint64_t> records{0}, syncs{0};
    std::uint64_t t0 = 0;
    run_threads(producers, consumers, log_path, lag, records, syncs, t0);
    w1 = window_now();
    if (perf) perf->stop();
    std::optional<std::uint64_t> peak;
    if (cgroup) {
      cgroup->leave();
      peak = cgroup->peak_bytes();
    }
    std::uint64_t produced = 0;
    for (auto& p : producers) produced = std::max(produced, p.t_end);
    CallCounters final_calls;
    producers[0].session->sync(final_calls);
    auto synced = now_ns();
    auto io_end = StorageIo::of_process();

    for (auto& p : producers) {
      p.session.reset();
      p.process->await_done();
      p.report = p.process->report();
    }
    for (auto& k : consumers) k.report = k.process->report();
    auto verification = verify(producers, consumers, log_path);

    const double bytes = double(c.size);
    double wall = double(produced - t0) * 1e-9;
    values["wall_s"] = wall;
    values["throughput_bytes_per_s"] = bytes / wall;
    values["records"] = double(records.load());
    values["records_per_s"] = double(records.load()) / wall;
    values["syncs"] = double(syncs.load());
    values["final_sync_s"] = double(synced - produced) * 1e-9;
    values["durable_throughput_bytes_per_s"] = bytes / (double(synced - t0) * 1e-9);
    values["producers"] = p_.producers;
    values["consumers"] = p_.consumers;
    producer_values(producers, bytes, values);
    consumer_values(consumers, bytes, values, unavailable);
    lag_values(consumers, lag, bytes, values, unavailable);
    window_values(w0, w1, io_end, producers, consumers, bytes, values, unavailable);
    if (peak)
      values["cache_peak_bytes"] = double(*peak);
    else
      unavailable["cache_peak_bytes"] =
          cgroup ? "the memory cgroup does not say its peak" : "no memory cgroup: " + bound_why;
    if (perf) perf_values(*perf, values, unavailable);

    json rep = {{"values", values}, {"verification", verification}, {"cache_bound", bound_}};
    rep["consumers"] = consumer_json(consumers);
    rep["producers"] = json::array();
    for (auto& p : producers) rep["producers"].push_back(p.report);
    if (p_.has_lagging())
      rep["lag"] = {{"dropped_bytes", lag.dropped}, {"resident_fraction", lag.resident}};
    return rep;
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
    auto it = record["metrics"].find("lag_resident_fraction");
    if (p_.has_lagging() && it != record["metrics"].end() && it->contains("median") &&
        (*it)["median"].get<double>() > 0.5)
      warnings.push_back(
          "the lagging consumer found " + format_fixed((*it)["median"].get<double>() * 100, 0) +
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

  void check_consume(const Conditions& cc) const {
    if (auto support = consume_->probe(cc); !support)
      throw Unsupported("consumers with " + std::string(consume_->id()) + ": " + *support.missing);
    if (p_.has_lagging() && p_.lag_read == LagRead::direct && !reads_through_fd(consume_->id()))
      throw Unsupported("--lag-read direct with " + std::string(consume_->id()) +
                        ": it does not read through the file descriptor it is given (it maps "
                        "or reopens the log), so O_DIRECT would not reach its reads; direct "
                        "reads are wired for read-write, sendfile and splice");
  }

  Window window_now() const {
    Window w;
    w.usage = Usage::of_process();
    w.io = StorageIo::of_process(&w.io_why);
    w.device = DeviceIo::under(plan_.work_dir, &w.device_why);
    return w;
  }

  // Producers and consumers, each on a thread of its own, from go until
  // every consumer has had every byte. Rethrows the first failure.
  void run_threads(std::vector<Producer>& producers, std::vector<Consumer>& consumers,
                   const fs::path& log_path, LagStart& lag, std::atomic<std::uint64_t>& records,
                   std::atomic<std::uint64_t>& syncs, std::uint64_t& t0) {
    PartitionLog log(p_.producers);
    std::latch go(1);
    std::vector<std::exception_ptr> errors(producers.size() + consumers.size());
    std::atomic<bool> abort{false};
    std::exception_ptr go_error;
    {
      std::vector<std::jthread> threads;
      for (unsigned i = 0; i < producers.size(); ++i)
        threads.emplace_back([&, i] {
          go.wait();
          if (abort) return;
          try {
            ingest(i, producers[i], log, records, syncs);
          } catch (...) {
            errors[i] = std::current_exception();
            log.fail();
          }
        });
      for (unsigned j = 0; j < consumers.size(); ++j)
        threads.emplace_back([&, j] {
          go.wait();
          if (abort) return;
          try {
            serve(j, consumers[j], log, lag, log_path);
          } catch (...) {
            errors[producers.size() + j] = std::current_exception();
            log.fail();
          }
        });
      t0 = now_ns();
      try {
        for (auto& p : producers) p.process->go();
      } catch (...) {
        go_error = std::current_exception();
        abort = true;
      }
      go.count_down();
    }
    if (go_error) std::rethrow_exception(go_error);
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  }

  void set_up_producers(std::vector<Producer>& producers, const fs::path& log_path) {
    const auto& c = spec_.conditions;
    const auto& strategy = static_cast<const IngestStrategy&>(*spec_.strategy);
    const std::uint64_t per = c.size / p_.producers;
    batch_ = std::uint64_t(strategy.records_per_call(c)) * c.chunk;
    for (unsigned i = 0; i < p_.producers; ++i) {
      auto& p = producers[i];
      p.conn = open_connection(c.sink, plan_.settings.tuning, true);
      std::vector<std::string> args = {"produce",
                                       "--fd",
                                       "3",
                                       "--size",
                                       std::to_string(per),
                                       "--record",
                                       std::to_string(c.chunk),
                                       "--seed",
                                       std::to_string(plan_.settings.seed + i),
                                       "--producer",
                                       std::to_string(i),
                                       "--timestamps",
                                       "--window",
                                       std::to_string(window())};
      for (auto& a : pin_args(plan_.settings.tuning.receiver_cpu)) args.push_back(a);
      p.process =
          std::make_unique<PeerProcess>("producer " + std::to_string(i), args, p.conn, deadline_);
      IngestContext ctx{p.conn.near.get(),           log_path, per, c.size, c.chunk, c.queue_depth,
                        c.append.sync.opens_dsync(), c.sink};
      p.session = strategy.prepare(ctx);
      p.reader.reset(check_unix(::open(log_path.c_str(), O_RDONLY | O_CLOEXEC), "open log"));
      p.latencies.reserve(per / c.chunk);
    }
  }

  void set_up_consumers(std::vector<Consumer>& consumers, const fs::path& log_path,
                        const Conditions& cc) {
    const auto& c = spec_.conditions;
    for (unsigned j = 0; j < consumers.size(); ++j) {
      auto& k = consumers[j];
      k.conn = open_connection(c.sink, plan_.settings.tuning, false);
      std::vector<std::string> args = {"consume",
                                       "--fd",
                                       "3",
                                       "--size",
                                       std::to_string(c.size),
                                       "--record",
                                       std::to_string(c.chunk),
                                       "--producers",
                                       std::to_string(p_.producers),
                                       "--buffer",
                                       std::to_string(plan_.settings.tuning.receiver_buffer)};
      for (auto& a : pin_args(plan_.settings.tuning.receiver_cpu)) args.push_back(a);
      k.process = std::make_unique<PeerProcess>(
          (k.lagging ? "lagging consumer " : "consumer ") + std::to_string(j), args, k.conn,
          deadline_);
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

  // One producer's records into the log, each at the next free offset. The
  // thread acknowledges what it has taken: after each append without a
  // sync policy (acks before the flush), after each of its syncs with one
  // (acks after the flush: every:N counts this producer's records).
  void ingest(unsigned i, Producer& p, PartitionLog& log, std::atomic<std::uint64_t>& records,
              std::atomic<std::uint64_t>& syncs) {
    const auto& c = spec_.conditions;
    const auto& policy = c.append.sync;
    const bool syncing =
        policy.kind == SyncPolicy::Kind::every || policy.kind == SyncPolicy::Kind::interval;
    const std::uint64_t per = c.size / p_.producers;
    const int fd = p.conn.near.get();
    std::uint64_t unkicked = 0;
    auto ack = [&](std::uint64_t bytes) {
      auto n = ::send(fd, &bytes, sizeof bytes, MSG_NOSIGNAL);
      if (n != sizeof bytes) throw std::system_error(errno, std::generic_category(), "send (ack)");
      ++p.acks;
    };
    auto u0 = Usage::of_thread();
    std::uint64_t own_records = 0, last_sync = now_ns(), acked = 0;
    for (std::uint64_t done = 0; done < per;) {
      auto len = std::min(batch_, per - done);
      auto offset = log.reserve(i, len);
      p.session->append(offset, len, p.calls);
      log.complete(i);
      const auto appended = now_ns();
      done += len;
      auto n = len / c.chunk;
      records += n;
      bool sync_now = policy.kind == SyncPolicy::Kind::every
                          ? (own_records + n) / policy.n > own_records / policy.n
                      : policy.kind == SyncPolicy::Kind::interval
                          ? now_ns() - last_sync >= policy.n * 1'000'000ull
                          : false;
      own_records += n;
      if (sync_now) {
        p.session->sync(p.calls);
        ++syncs;
        last_sync = now_ns();
      }
      if (!syncing || sync_now) ack(acked = done);
      if (kick_every_ && (unkicked += len) >= kick_every_) {
        unkicked = 0;
        check_unix(::sync_file_range(p.reader.get(), 0, 0, SYNC_FILE_RANGE_WRITE),
                   "sync_file_range (writeback under cgroup v1)");
      }
      // After the acknowledgement: reading the headers delays no producer.
      note_latencies(p, offset, len, appended);
      if (interrupted()) throw std::runtime_error("interrupted");
      if (now_ns() > deadline_)
        throw std::runtime_error("the repetition passed its deadline (--timeout)");
    }
    if (acked < per) {  // the tail since the last sync
      p.session->sync(p.calls);
      ++syncs;
      ack(per);
    }
    p.session->finish(p.calls);
    p.t_end = now_ns();
    p.usage = Usage::of_thread() - u0;
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

  // --lag-read dontneed: what the lagging consumer has read, a fetch
  // behind it (a page still in a socket is skipped by the kernel), leaves
  // the page cache.
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

  // One consumer fed the log by offset, never past the committed end.
  void serve(unsigned j, Consumer& k, PartitionLog& log, LagStart& lag, const fs::path& log_path) {
    const std::uint64_t size = spec_.conditions.size;
    if (k.lagging) lag = fall_behind(log_path, log.wait_for(size / 2, deadline_));
    const bool dontneed = k.lagging && p_.lag_read == LagRead::dontneed;
    k.t_start = now_ns();
    k.read0 = thread_read_bytes(&k.read_why);
    auto u0 = Usage::of_thread();
    std::uint64_t sent = 0;
    try {
      while (sent < size) {
        log.wait_for(std::min(size, sent + kFetch), deadline_);
        auto n = k.session->step(k.calls);
        if (n == 0) break;
        sent += n;
        if (dontneed) drop_behind(k, sent);
      }
      k.session->finish(k.calls);
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
  }

  json verify(const std::vector<Producer>& producers, const std::vector<Consumer>& consumers,
              const fs::path& log_path) {
    const auto size = spec_.conditions.size;
    struct stat st {};
    check_unix(::stat(log_path.c_str(), &st), "stat log");
    if (std::uint64_t(st.st_size) != size)
      throw std::runtime_error("log is " + std::to_string(st.st_size) + " bytes, expected " +
                               std::to_string(size));
    auto log_hash = hash_file(log_path, size);
    for (unsigned j = 0; j < consumers.size(); ++j) {
      const auto& r = consumers[j].report;
      std::string who = "consumer " + std::to_string(j);
      if (r.bytes != size || !r.hash || *r.hash != log_hash)
        throw std::runtime_error(who + " got " + std::to_string(r.bytes) + " bytes hashing " +
                                 (r.hash ? hex64(*r.hash) : "(none)") + "; the log is " +
                                 std::to_string(size) + " bytes hashing " + hex64(log_hash));
      for (unsigned i = 0; i < producers.size(); ++i) {
        auto key = "producer_" + std::to_string(i) + "_hash";
        auto it = r.evidence.find(key);
        const auto& sent = producers[i].report;
        if (it == r.evidence.end() || !sent.hash || it->second != *sent.hash)
          throw std::runtime_error(who + ": producer " + std::to_string(i) +
                                   "'s records in the log do not hash to what it sent");
      }
    }
    return {{"verified", true},
            {"hash", hex64(log_hash)},
            {"method",
             "every consumer's bytes hash to the log's; in each, every producer's "
             "records hash to what that producer sent"}};
  }

  void producer_values(std::vector<Producer>& producers, double bytes, Values& v) {
    double ingest = 0, user = 0, sys = 0, writes = 0, syscalls = 0;
    std::vector<std::uint64_t> latencies;
    for (auto& p : producers) {
      ingest += p.usage.cpu_s();
      user += p.report.usage.user_s;
      sys += p.report.usage.sys_s;
      writes += double(p.report.read_calls);
      syscalls += double(p.calls.syscalls);
      latencies.insert(latencies.end(), p.latencies.begin(), p.latencies.end());
    }
    v["ingest_cpu_ns_per_byte"] = ingest * 1e9 / bytes;
    v["producer_user_s"] = user;
    v["producer_sys_s"] = sys;
    v["producer_cpu_ns_per_byte"] = (user + sys) * 1e9 / bytes;
    v["producer_write_calls"] = writes;
    v["syscalls"] = syscalls;
    if (latencies.empty()) throw std::runtime_error("no record's append was timed");
    v["producer_latency_max_ns"] = double(*std::max_element(latencies.begin(), latencies.end()));
    v["producer_latency_p50_ns"] = percentile(latencies, 0.50);
    v["producer_latency_p99_ns"] = percentile(latencies, 0.99);
    v["producer_latency_p999_ns"] = percentile(latencies, 0.999);
  }

  // The caught-up consumers' figures (the lagging one has its own).
  void consumer_values(const std::vector<Consumer>& consumers, double bytes, Values& v,
                       Unavailable& u) {
    double tput = 0, tput_min = 0, serve = 0, cpu = 0, reads = 0, served = 0;
    std::uint64_t first = ~0ull, last = 0;
    unsigned n = 0;
    bool reads_ok = true;
    std::string why;
    std::map<std::string, double> worst;
    for (const auto& k : consumers) {
      serve += k.usage.cpu_s();
      cpu += k.report.usage.cpu_s();
      served += bytes;
      if (k.lagging) continue;
      ++n;
      double t = bytes / (double(k.t_end - k.t_start) * 1e-9);
      tput += t;
      tput_min = tput_min == 0 ? t : std::min(tput_min, t);
      first = std::min(first, k.t_start);
      last = std::max(last, k.t_end);
      if (k.read0 && k.read1) {
        reads += double(*k.read1 - *k.read0);
      } else {
        reads_ok = false;
        why = k.read_why;
      }
      for (auto key : {"latency_p50_ns", "latency_p99_ns", "latency_p999_ns", "latency_max_ns"})
        if (auto it = k.report.evidence.find(key); it != k.report.evidence.end())
          worst[key] = std::max(worst[key], double(it->second));
    }
    static constexpr std::array kCaughtUp = {"consume_wall_s",
                                             "consume_throughput_bytes_per_s",
                                             "consume_throughput_min_bytes_per_s",
                                             "e2e_latency_p50_ns",
                                             "e2e_latency_p99_ns",
                                             "e2e_latency_p999_ns",
                                             "e2e_latency_max_ns",
                                             "consumer_storage_read_bytes",
                                             "consumer_storage_read_fraction",
                                             "serve_cpu_ns_per_byte",
                                             "consumer_cpu_ns_per_byte"};
    if (n == 0) {
      for (auto key : kCaughtUp) u[key] = "producers alone: no consumers in this phase";
      return;
    }
    v["consume_wall_s"] = double(last - first) * 1e-9;
    v["consume_throughput_bytes_per_s"] = tput / n;
    v["consume_throughput_min_bytes_per_s"] = tput_min;
    v["serve_cpu_ns_per_byte"] = serve * 1e9 / served;
    v["consumer_cpu_ns_per_byte"] = cpu * 1e9 / served;
    if (reads_ok) {
      v["consumer_storage_read_bytes"] = reads;
      v["consumer_storage_read_fraction"] = reads / bytes;
    } else {
      u["consumer_storage_read_bytes"] = u["consumer_storage_read_fraction"] = why;
    }
    for (auto [key, metric] : {std::pair{"latency_p50_ns", "e2e_latency_p50_ns"},
                               {"latency_p99_ns", "e2e_latency_p99_ns"},
                               {"latency_p999_ns", "e2e_latency_p999_ns"},
                               {"latency_max_ns", "e2e_latency_max_ns"}})
      if (worst.count(key))
        v[metric] = worst[key];
      else
        u[metric] = "no record carried a send time";
  }

  void lag_values(const std::vector<Consumer>& consumers, const LagStart& lag, double bytes,
                  Values& v, Unavailable& u) {
    if (!p_.has_lagging()) {
      for (auto key : {"lag_throughput_bytes_per_s", "lag_storage_read_bytes",
                       "lag_storage_read_fraction", "lag_dropped_bytes", "lag_resident_fraction"})
        u[key] = "no lagging consumer in this phase";
      return;
    }
    const auto& k = consumers.back();
    v["lag_throughput_bytes_per_s"] = bytes / (double(k.t_end - k.t_start) * 1e-9);
    if (k.read0 && k.read1) {
      v["lag_storage_read_bytes"] = double(*k.read1 - *k.read0);
      v["lag_storage_read_fraction"] = double(*k.read1 - *k.read0) / bytes;
    } else {
      u["lag_storage_read_bytes"] = u["lag_storage_read_fraction"] = k.read_why;
    }
    v["lag_dropped_bytes"] = double(lag.dropped);
    v["lag_resident_fraction"] = lag.resident;
  }

  void window_values(const Window& w0, const Window& w1, const std::optional<StorageIo>& io_end,
                     const std::vector<Producer>& producers, const std::vector<Consumer>& consumers,
                     double bytes, Values& v, Unavailable& u) {
    const bool tmpfs = filesystem_name(plan_.work_dir) == "tmpfs";
    double process = (w1.usage - w0.usage).cpu_s();
    double peers = 0;
    for (auto& p : producers) peers += p.report.usage.cpu_s();
    for (auto& k : consumers) peers += k.report.usage.cpu_s();
    v["process_cpu_ns_per_byte"] = process * 1e9 / bytes;
    v["total_cpu_ns_per_byte"] = (process + peers) * 1e9 / bytes;
    v["major_faults"] = double(w1.usage.major_faults - w0.usage.major_faults);
    if (w0.io && w1.io && io_end && !tmpfs) {
      v["storage_read_bytes"] = double(w1.io->read_bytes - w0.io->read_bytes);
      v["storage_write_bytes"] = double(io_end->write_bytes - w0.io->write_bytes);
      v["storage_write_amplification"] = v["storage_write_bytes"] / bytes;
    } else {
      u["storage_read_bytes"] = u["storage_write_bytes"] = u["storage_write_amplification"] =
          tmpfs ? "the log is on tmpfs, which has no storage behind its page cache" : w0.io_why;
    }
    if (w0.device && w1.device)
      v["device_read_bytes"] = double((*w1.device - *w0.device).read_bytes);
    else
      u["device_read_bytes"] = w0.device_why;
  }

  void perf_values(PerfCounterSet& perf, Values& v, Unavailable& u) {
    auto results = perf.read();
    for (auto [event, key] : {std::pair{"insertions", "page_cache_insertion_pages"},
                              {"evictions", "page_cache_eviction_pages"}}) {
      if (!perf.available()) {
        u[key] = perf.reason();
        continue;
      }
      const auto& r = results[event];
      auto it = r.sums.find("pages_of_order");
      if (!r.available)
        u[key] = r.reason;
      else if (it == r.sums.end() || r.sums_partial)
        u[key] =
            r.sums_reason.empty() ? "records were lost: the count is incomplete" : r.sums_reason;
      else
        v[key] = double(it->second);
    }
  }

  json consumer_json(const std::vector<Consumer>& consumers) {
    json out = json::array();
    const double bytes = double(spec_.conditions.size);
    for (unsigned j = 0; j < consumers.size(); ++j) {
      const auto& k = consumers[j];
      json c = {{"index", j},
                {"lagging", k.lagging},
                {"throughput_bytes_per_s", bytes / (double(k.t_end - k.t_start) * 1e-9)},
                {"serve_cpu_s", k.usage.cpu_s()},
                {"serve_syscalls", k.calls.syscalls},
                {"report", k.report}};
      if (k.read0 && k.read1)
        c["storage_read_bytes"] = *k.read1 - *k.read0;
      else
        c["storage_read_reason"] = k.read_why;
      out.push_back(c);
    }
    return out;
  }

  RunSpec spec_;
  const PlanContext& plan_;
  BrokerParams p_;
  const TransferStrategy* consume_ = nullptr;
  std::uint64_t deadline_ = 0, batch_ = 0;
  std::uint64_t kick_every_ = 0;  // bytes a producer appends between writeback kicks; 0: none
  json bound_;                    // how the page cache was bounded, the last repetition's
};

}  // namespace

std::unique_ptr<RunMeasure> make_broker_run(const RunSpec& spec, const PlanContext& plan) {
  return std::make_unique<BrokerRun>(spec, plan);
}

}  // namespace zc
