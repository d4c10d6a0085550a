#include "harness/workloads/ingest/broker_repetition.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
#include "harness/base/units.hpp"
#include "harness/core/ingest.hpp"
#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"
#include "harness/measure/meters.hpp"
#include "harness/workloads/ingest/ingest_repetition.hpp"
#include "harness/workloads/ingest/peer_process.hpp"

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
  CallCounters calls;
  Usage usage;
  std::uint64_t t_end = 0, acks = 0;
  ReceiverReport report;
};

struct Consumer {
  Connection conn;
  std::unique_ptr<PeerProcess> process;
  UniqueFd log;
  std::unique_ptr<TransferSession> session;
  CallCounters calls;
  Usage usage;
  std::uint64_t t_start = 0, t_end = 0;
  std::optional<std::uint64_t> read0, read1;
  std::string read_why;
  ReceiverReport report;
};

struct Lag {
  bool lagging = false;
  std::once_flag once;
  std::latch ready{1};
  double resident = 0;
  std::uint64_t dropped = 0;
  std::exception_ptr error;
};

class BrokerRun : public RunMeasure {
 public:
  BrokerRun(const RunSpec& spec, const PlanContext& plan) : spec_(spec), plan_(plan) {
    const auto& b = spec.extra["broker"];
    producers_ = b["producers"].get<unsigned>();
    consumers_ = b["consumers"].get<unsigned>();
    lagging_ = b["lag"] == "lagging";
    const auto* s = Registry::instance().find(b["consume"].get<std::string>());
    if (!s || s->workload() != kTransferWorkload)
      throw std::logic_error("broker: no transfer strategy " + b["consume"].get<std::string>());
    consume_ = static_cast<const TransferStrategy*>(s);
  }

  json repetition(Values& values, Unavailable& unavailable, bool) override {
    const auto& c = spec_.conditions;
    Conditions cc = c;  // the consumers' transfer: the log is their source
    cc.chunk = kFetch;
    cc.queue_depth = 1;  // one fetch per call: a consumer never reads past the committed end
    cc.size = c.size;
    if (auto support = consume_->probe(cc); !support)
      throw Unsupported("consumers with " + std::string(consume_->id()) + ": " + *support.missing);
    fs::path log_path = plan_.work_dir / ("broker-" + std::string(spec_.strategy->id()) + ".log");
    struct Remove {
      fs::path p;
      ~Remove() {
        std::error_code ec;
        fs::remove(p, ec);
      }
    } remove{log_path};
    {
      UniqueFd fd(check_unix(
          ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), "create log"));
    }
    deadline_ = now_ns() + repetition_timeout_ns(plan_.settings, c.size * (1 + consumers_));
    std::vector<Producer> producers(producers_);
    std::vector<Consumer> consumers(consumers_);
    set_up_producers(producers, log_path);
    set_up_consumers(consumers, log_path, cc);

    PartitionLog log(producers_);
    Lag lag;
    lag.lagging = lagging_;
    std::atomic<std::uint64_t> records{0}, syncs{0};
    std::latch go(1);
    std::vector<std::exception_ptr> errors(producers_ + consumers_);
    Usage process0 = Usage::of_process();
    std::string io_why;
    auto io0 = StorageIo::of_process(&io_why);
    std::uint64_t t0 = 0;
    std::atomic<bool> abort{false};
    std::exception_ptr go_error;
    {
      std::vector<std::jthread> threads;
      for (unsigned i = 0; i < producers_; ++i)
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
      for (unsigned j = 0; j < consumers_; ++j)
        threads.emplace_back([&, j] {
          go.wait();
          if (abort) return;
          try {
            serve(j, consumers[j], log, lag, log_path);
          } catch (...) {
            errors[producers_ + j] = std::current_exception();
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
    if (lag.error) std::rethrow_exception(lag.error);
    std::uint64_t produced = 0;
    for (auto& p : producers) produced = std::max(produced, p.t_end);
    CallCounters final_calls;
    producers[0].session->sync(final_calls);
    auto synced = now_ns();
    auto process1 = Usage::of_process();
    auto io1 = StorageIo::of_process();

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
    values["producers"] = producers_;
    values["consumers"] = consumers_;
    producer_values(producers, bytes, values);
    consumer_values(consumers, bytes, values, unavailable);
    double process = (process1 - process0).cpu_s();
    double peers = 0;
    for (auto& p : producers) peers += p.report.usage.cpu_s();
    for (auto& k : consumers) peers += k.report.usage.cpu_s();
    values["process_cpu_ns_per_byte"] = process * 1e9 / bytes;
    values["total_cpu_ns_per_byte"] = (process + peers) * 1e9 / bytes;
    if (io0 && io1 && filesystem_name(plan_.work_dir) != "tmpfs") {
      values["storage_write_bytes"] = double(io1->write_bytes - io0->write_bytes);
      values["storage_write_amplification"] = values["storage_write_bytes"] / bytes;
    } else {
      unavailable["storage_write_bytes"] = unavailable["storage_write_amplification"] =
          io0 ? "the log is on tmpfs, which has no storage behind its page cache" : io_why;
    }
    if (lagging_) {
      values["lag_resident_fraction"] = lag.resident;
      values["lag_dropped_bytes"] = double(lag.dropped);
    } else {
      unavailable["lag_resident_fraction"] = unavailable["lag_dropped_bytes"] =
          "caught-up consumers: nothing is dropped from the cache";
    }
    json rep = {{"values", values}, {"verification", verification}};
    rep["consumers"] = consumer_json(consumers);
    rep["producers"] = json::array();
    for (auto& p : producers) rep["producers"].push_back(p.report);
    if (lagging_)
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
    auto it = record["metrics"].find("lag_resident_fraction");
    if (lagging_ && it != record["metrics"].end() && it->contains("median") &&
        (*it)["median"].get<double>() > 0.5)
      warnings.push_back(
          "lagging consumers found " + format_fixed((*it)["median"].get<double>() * 100, 0) +
          "% of the log behind them still in the page cache after POSIX_FADV_DONTNEED: " +
          (spec_.strategy->id() == "recv-mmap"
               ? std::string("recv-mmap keeps the log mapped, and mapped pages are not dropped")
               : std::string("the kernel kept them")) +
          "; their reads came from memory, not from the disk");
    // cpu in is the ingesting threads' own rusage; io_uring hands part of
    // the work to io-wq workers, other threads of this process.
    if (spec_.strategy->id().starts_with("io-uring"))
      warnings.push_back(
          "cpu in (ingest_cpu_ns_per_byte) counts the ingesting threads only: io_uring's io-wq "
          "workers do part of the ingest on other threads of the process, so it is a lower "
          "bound (the whole process, serving included: process_cpu_ns_per_byte)");
  }

 private:
  void set_up_producers(std::vector<Producer>& producers, const fs::path& log_path) {
    const auto& c = spec_.conditions;
    const auto& strategy = static_cast<const IngestStrategy&>(*spec_.strategy);
    const std::uint64_t per = c.size / producers_;
    batch_ = std::uint64_t(strategy.records_per_call(c)) * c.chunk;
    for (unsigned i = 0; i < producers_; ++i) {
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
    }
  }

  void set_up_consumers(std::vector<Consumer>& consumers, const fs::path& log_path,
                        const Conditions& cc) {
    const auto& c = spec_.conditions;
    for (unsigned j = 0; j < consumers_; ++j) {
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
                                       std::to_string(producers_),
                                       "--buffer",
                                       std::to_string(plan_.settings.tuning.receiver_buffer)};
      for (auto& a : pin_args(plan_.settings.tuning.receiver_cpu)) args.push_back(a);
      k.process =
          std::make_unique<PeerProcess>("consumer " + std::to_string(j), args, k.conn, deadline_);
      k.log.reset(check_unix(::open(log_path.c_str(), O_RDONLY | O_CLOEXEC), "open log"));
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
    const std::uint64_t per = c.size / producers_;
    const int fd = p.conn.near.get();
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

  // Lagging consumers start once half the log is in, from its beginning,
  // with that half dropped from the page cache.
  void fall_behind(Lag& lag, const fs::path& log_path, std::uint64_t committed) {
    std::call_once(lag.once, [&] {
      try {
        UniqueFd fd(check_unix(::open(log_path.c_str(), O_RDONLY | O_CLOEXEC), "open log"));
        // Dirty pages cannot be dropped: write them back first.
        check_unix(::fdatasync(fd.get()), "fdatasync (lagging consumers)");
        lag.dropped = committed / kPageBytes * kPageBytes;
        int err = ::posix_fadvise(fd.get(), 0, off_t(lag.dropped), POSIX_FADV_DONTNEED);
        if (err != 0)
          throw std::system_error(err, std::generic_category(), "posix_fadvise(DONTNEED)");
        lag.resident = resident_fraction(fd.get(), lag.dropped);
      } catch (...) {
        lag.error = std::current_exception();
      }
      lag.ready.count_down();
    });
    lag.ready.wait();
    if (lag.error) throw std::runtime_error("setting up the lagging consumers failed");
  }

  // One consumer fed the log by offset, never past the committed end.
  void serve(unsigned j, Consumer& k, PartitionLog& log, Lag& lag, const fs::path& log_path) {
    const std::uint64_t size = spec_.conditions.size;
    if (lag.lagging) {
      fall_behind(lag, log_path, log.wait_for(size / 2, deadline_));
    }
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
      }
      k.session->finish(k.calls);
    } catch (const std::exception& e) {
      // A consumer that died shows as a failed send ("sendfile: Broken
      // pipe"); its process's fate is the real problem.
      if (interrupted()) throw;
      auto why = k.process->diagnose();
      if (why == "is still running") throw;
      throw std::runtime_error("consumer " + std::to_string(j) + ": consumer process exited (" +
                               why + ") after " + std::to_string(sent) + " of " +
                               std::to_string(size) + " bytes (" + e.what() + ")");
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

  void producer_values(const std::vector<Producer>& producers, double bytes, Values& v) {
    double ingest = 0, user = 0, sys = 0, writes = 0, syscalls = 0;
    for (const auto& p : producers) {
      ingest += p.usage.cpu_s();
      user += p.report.usage.user_s;
      sys += p.report.usage.sys_s;
      writes += double(p.report.read_calls);
      syscalls += double(p.calls.syscalls);
    }
    v["ingest_cpu_ns_per_byte"] = ingest * 1e9 / bytes;
    v["producer_user_s"] = user;
    v["producer_sys_s"] = sys;
    v["producer_cpu_ns_per_byte"] = (user + sys) * 1e9 / bytes;
    v["producer_write_calls"] = writes;
    v["syscalls"] = syscalls;
  }

  void consumer_values(const std::vector<Consumer>& consumers, double bytes, Values& v,
                       Unavailable& u) {
    double tput = 0, tput_min = 0, serve = 0, cpu = 0, reads = 0;
    std::uint64_t first = ~0ull, last = 0;
    bool reads_ok = true;
    std::string why;
    std::map<std::string, double> worst;
    for (const auto& k : consumers) {
      double t = bytes / (double(k.t_end - k.t_start) * 1e-9);
      tput += t / double(consumers.size());
      tput_min = tput_min == 0 ? t : std::min(tput_min, t);
      first = std::min(first, k.t_start);
      last = std::max(last, k.t_end);
      serve += k.usage.cpu_s();
      cpu += k.report.usage.cpu_s();
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
    const double served = bytes * double(consumers.size());
    v["consume_wall_s"] = double(last - first) * 1e-9;
    v["consume_throughput_bytes_per_s"] = tput;
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

  json consumer_json(const std::vector<Consumer>& consumers) {
    json out = json::array();
    const double bytes = double(spec_.conditions.size);
    for (unsigned j = 0; j < consumers.size(); ++j) {
      const auto& k = consumers[j];
      json c = {{"index", j},
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
  unsigned producers_ = 1, consumers_ = 1;
  bool lagging_ = false;
  const TransferStrategy* consume_ = nullptr;
  std::uint64_t deadline_ = 0, batch_ = 0;
};

}  // namespace

std::unique_ptr<RunMeasure> make_broker_run(const RunSpec& spec, const PlanContext& plan) {
  return std::make_unique<BrokerRun>(spec, plan);
}

}  // namespace zc
