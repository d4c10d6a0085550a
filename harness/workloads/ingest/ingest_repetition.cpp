#include "harness/workloads/ingest/ingest_repetition.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>
#include <thread>

#include "harness/base/errors.hpp"
#include "harness/base/file_system.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/percentile.hpp"
#include "harness/base/temp_dir.hpp"
#include "harness/base/units.hpp"
#include "harness/core/ingest.hpp"
#include "harness/measure/accounting.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/model_check.hpp"
#include "harness/measure/repetition.hpp"
#include "harness/measure/storage_device.hpp"
#include "harness/sinks/peer_process.hpp"
#include "harness/sinks/record_stream.hpp"
#include "harness/workloads/ingest/ingest_check.hpp"
#include "harness/workloads/ingest/remote_producer.hpp"

namespace zc {
namespace fs = std::filesystem;
using nlohmann::json;

fs::path ingest_log_path(const fs::path& dir, std::string_view id, unsigned stream) {
  return dir / ("ingest-" + std::string(id) + "-" + std::to_string(stream) + ".log");
}

std::vector<PerfEventSpec> ingest_event_specs() {
  return {
      {"syscalls", "raw_syscalls/sys_enter"},
      {"socket_copies", "skb/skb_copy_datagram_iovec", {"len"}, 2048},
      {"page_cache_insertions", "filemap/mm_filemap_add_to_page_cache", {"pages_of_order"}, 2048},
      {"page_faults", "software/page-faults"},
      {"context_switches", "software/context-switches"},
      {"syscall_returns", "raw_syscalls/sys_exit", {"ret"}, 512, {}, {"common_pid", "id"}}};
}

namespace {

// One stream's raw figures.
struct StreamOutcome {
  CallCounters calls;
  std::vector<std::uint64_t> latencies;
  std::uint64_t records = 0, syncs = 0;
  std::uint64_t t0 = 0, t1 = 0, t_final = 0;
  Usage thread;
  ReceiverReport producer;
  bool counted = false;  // kernel counters ran
  std::string counters_why;
  std::map<std::string, PerfEventResult> kernel;
  json kernel_json;
  json verification;
  json model_check;
  json connection;
  double seconds() const { return double(t1 - t0) * 1e-9; }
};

Maybe<std::uint64_t> kernel_count(const StreamOutcome& s, const char* key,
                                  const char* field = nullptr, std::uint64_t minus = 0) {
  if (!s.counted) return {std::nullopt, s.counters_why};
  auto it = s.kernel.find(key);
  if (it == s.kernel.end()) return {std::nullopt, "not counted"};
  const auto& r = it->second;
  if (!r.available) return {std::nullopt, r.reason};
  if (!field) return {r.count >= minus ? r.count - minus : 0, ""};
  if (auto f = r.sums.find(field); f != r.sums.end()) return {f->second, ""};
  return {std::nullopt, r.sums_reason.empty() ? std::string("not summed") : r.sums_reason};
}

class Stream {
 public:
  Stream(const RunSpec& spec, const PlanContext& plan, unsigned index)
      : spec_(spec),
        plan_(plan),
        index_(index),
        log_(ingest_log_path(plan.work_dir, spec.strategy->id(), index)) {}

  // Everything before the clock: the log, the producer, the session, the
  // counters. Then waits at the gate for the other streams, runs the timed
  // region, waits again, and checks the log.
  void run(bool kernel_counters, StreamGate& gate, StreamOutcome& out) {
    try {
      set_up(kernel_counters, out);
      gate.start();
      timed(out);
      gate.end();
      collect(out);
    } catch (...) {
      producer_.reset();  // ended (or killed) before the other streams go on
      throw;
    }
  }

 private:
  const Conditions& c() const { return spec_.conditions; }
  std::uint64_t seed() const { return plan_.settings.seed + index_; }

  void set_up(bool kernel_counters, StreamOutcome& out) {
    log_.create();
    deadline_ = Deadline(repetition_timeout_ns(plan_.settings, c().size));
    int socket_fd = start_producer(out);
    IngestContext ctx{socket_fd,
                      log_.path(),
                      c().size,
                      c().size,
                      c().chunk,
                      c().queue_depth,
                      c().append.sync.opens_dsync(),
                      c().sink};
    const auto& strategy = static_cast<const IngestStrategy&>(*spec_.strategy);
    batch_ = std::uint64_t(strategy.records_per_call(c())) * c().chunk;
    session_ = strategy.prepare(ctx);
    // Opened on this thread, the one that makes the strategy's calls.
    if (kernel_counters) {
      counters_ =
          std::make_unique<PerfCounterSet>(PerfTarget::threads_of_caller(), ingest_event_specs());
      out.counted = counters_->available();
      out.counters_why = counters_->reason();
    } else {
      out.counters_why = kCountersInEvidenceOnly;
    }
  }

  // The producer, on this host (a `zc-bench produce` process at the far
  // end of a fresh connection) or on another (a produce session of the
  // `zc-bench sink --listen` there). Returns the socket the strategy
  // receives on.
  int start_producer(StreamOutcome& out) {
    if (c().sink == SinkKind::remote) {
      RemoteProduceRequest request{
          c().remote, plan_.settings.token, spec_.name(), c().size, c().chunk, seed()};
      auto remote =
          std::make_unique<RemoteProducer>(request, plan_.settings.tuning, deadline_.at_ns());
      int fd = remote->fd();
      out.connection = remote->details();
      producer_ = std::move(remote);
      return fd;
    }
    conn_ = open_connection(c().sink, plan_.settings.tuning, true);
    out.connection = conn_.details;
    std::vector<std::string> args = {"produce",
                                     "--fd",
                                     "3",
                                     "--size",
                                     std::to_string(c().size),
                                     "--record",
                                     std::to_string(c().chunk),
                                     "--seed",
                                     std::to_string(seed())};
    for (auto& a : pin_args(plan_.settings.tuning.receiver_cpu)) args.push_back(a);
    producer_ = std::make_unique<PeerProcess>("producer " + std::to_string(index_), args, conn_,
                                              deadline_.at_ns());
    return conn_.near.get();
  }

  // From "go" to the last record in the log, the sync policy applied, then
  // the final sync, timed on its own.
  void timed(StreamOutcome& out) {
    const auto& policy = c().append.sync;
    const std::uint64_t record = c().chunk, size = c().size;
    out.latencies.reserve(std::size_t(size / batch_ + 2));
    out.thread = Usage::of_thread();
    out.t0 = now_ns();
    producer_->go();
    if (counters_) counters_->start();
    std::uint64_t offset = 0;
    try {
      std::uint64_t last = out.t0, last_sync = out.t0;
      while (offset < size) {
        auto len = std::min(batch_, size - offset);
        session_->append(offset, len, out.calls);
        offset += len;
        auto before = out.records;
        out.records = (offset + record - 1) / record;
        bool sync_now = sync_due(policy, before, out.records, last_sync);
        if (sync_now && offset < size) {
          session_->sync(out.calls);
          ++out.syncs;
          last_sync = now_ns();
        }
        auto now = now_ns();
        out.latencies.push_back(now - last);
        last = now;
        deadline_.check(now, offset);
      }
      session_->finish(out.calls);
      if (counters_) counters_->stop();
      out.t1 = now_ns();
      CallCounters final_calls;
      session_->sync(final_calls);
      out.t_final = now_ns();
    } catch (const RepetitionStopped&) {
      throw;
    } catch (const std::exception& e) {
      // A failed call or a stream that ended early: the producer's fate
      // says why (it died, or was cut off at the deadline).
      if (interrupted()) throw std::runtime_error("interrupted");
      std::string why = producer_ ? producer_->diagnose() : "";
      throw std::runtime_error(std::string(e.what()) + " after " + std::to_string(offset) +
                               " bytes (producer " + why + ")");
    }
    out.thread = Usage::of_thread() - out.thread;
  }

  void collect(StreamOutcome& out) {
    if (counters_) {
      out.kernel = counters_->read();
      out.kernel_json = to_json(*counters_, out.kernel);
      out.kernel_json["window"] = "the strategy's calls: from the first append to finish()";
    }
    session_.reset();
    producer_->await_done();
    out.producer = producer_->report();
    producer_.reset();
    out.verification = verify(out);
  }

  // The log must hold exactly the producer's stream.
  json verify(const StreamOutcome& out) {
    struct stat st {};
    check_unix(::stat(log_.path().c_str(), &st), "stat log");
    if (std::uint64_t(st.st_size) != c().size)
      throw std::runtime_error("log is " + std::to_string(st.st_size) + " bytes, expected " +
                               std::to_string(c().size));
    if (out.producer.bytes != c().size)
      throw std::runtime_error("producer sent " + std::to_string(out.producer.bytes) + " of " +
                               std::to_string(c().size) + " bytes");
    auto expected = RecordStream(c().chunk, c().size, seed(), 0).unstamped_hash();
    if (!out.producer.hash || *out.producer.hash != expected)
      throw std::runtime_error("producer's stream hash " +
                               (out.producer.hash ? hex64(*out.producer.hash) : "(none)") +
                               " != the seeded stream's " + hex64(expected));
    auto actual = hash_file(log_.path(), c().size);
    if (actual != expected)
      throw std::runtime_error("log content mismatch: hash " + hex64(actual) +
                               " != the producer's " + hex64(expected));
    return {{"verified", true}, {"hash", hex64(actual)}};
  }

  const RunSpec& spec_;
  const PlanContext& plan_;
  unsigned index_;
  RemovedOnExit log_;
  Deadline deadline_;
  std::uint64_t batch_ = 0;
  Connection conn_;
  std::unique_ptr<Peer> producer_;
  std::unique_ptr<IngestSession> session_;
  std::unique_ptr<PerfCounterSet> counters_;
};

double sum_cpu(const std::vector<StreamOutcome>& s, bool producer) {
  double t = 0;
  for (const auto& o : s) t += producer ? o.producer.usage.cpu_s() : o.thread.cpu_s();
  return t;
}

void clock_values(const std::vector<StreamOutcome>& s, double bytes, Values& v) {
  std::uint64_t last_t1 = 0, last_final = 0, records = 0, calls = 0;
  std::vector<std::uint64_t> lat;
  std::vector<double> per_stream;
  for (const auto& o : s) {
    last_t1 = std::max(last_t1, o.t1);
    last_final = std::max(last_final, o.t_final);
    records += o.records;
    calls += o.latencies.size();
    lat.insert(lat.end(), o.latencies.begin(), o.latencies.end());
    per_stream.push_back(bytes / double(s.size()) / o.seconds());
  }
  std::uint64_t first_t0 = s[0].t0;
  for (const auto& o : s) first_t0 = std::min(first_t0, o.t0);
  double wall = double(last_t1 - first_t0) * 1e-9;
  v["wall_s"] = wall;
  v["throughput_bytes_per_s"] = bytes / wall;
  v["records"] = double(records);
  v["records_per_s"] = double(records) / wall;
  v["final_sync_s"] = double(last_final - last_t1) * 1e-9;
  v["durable_throughput_bytes_per_s"] = bytes / (double(last_final - first_t0) * 1e-9);
  v["append_calls"] = double(calls);
  add_latency_values(lat, v);
  add_stream_spread(per_stream, v);
}

void call_values(const std::vector<StreamOutcome>& s, Values& v) {
  double syscalls = 0, syncs = 0, to_user = 0, from_user = 0, records = 0, writes = 0;
  Usage t;
  for (const auto& o : s) {
    syscalls += double(o.calls.syscalls);
    syncs += double(o.syncs);
    to_user += double(o.calls.bytes_to_user);
    from_user += double(o.calls.bytes_from_user);
    records += double(o.records);
    writes += double(o.producer.read_calls);
    t.user_s += o.thread.user_s;
    t.sys_s += o.thread.sys_s;
    t.voluntary_switches += o.thread.voluntary_switches;
    t.involuntary_switches += o.thread.involuntary_switches;
    t.minor_faults += o.thread.minor_faults;
    t.major_faults += o.thread.major_faults;
  }
  v["syncs"] = syncs;
  v["syscalls"] = syscalls;
  v["syscalls_per_record"] = syscalls / records;
  v["bytes_copied_to_user"] = to_user;
  v["bytes_copied_from_user"] = from_user;
  v["user_s"] = t.user_s;
  v["sys_s"] = t.sys_s;
  v["voluntary_switches"] = double(t.voluntary_switches);
  v["involuntary_switches"] = double(t.involuntary_switches);
  v["minor_faults"] = double(t.minor_faults);
  v["major_faults"] = double(t.major_faults);
  v["producer_write_calls"] = writes;
}

void cpu_values(const std::vector<StreamOutcome>& s, const MeterWindow& w, double bytes,
                Values& v) {
  double producer_user = 0, producer_sys = 0;
  for (const auto& o : s) {
    producer_user += o.producer.usage.user_s;
    producer_sys += o.producer.usage.sys_s;
  }
  double process = w.process().cpu_s();
  v["cpu_ns_per_byte"] = sum_cpu(s, false) * 1e9 / bytes;
  v["process_cpu_ns_per_byte"] = process * 1e9 / bytes;
  v["producer_user_s"] = producer_user;
  v["producer_sys_s"] = producer_sys;
  v["producer_cpu_ns_per_byte"] = (producer_user + producer_sys) * 1e9 / bytes;
  v["total_cpu_ns_per_byte"] = (process + producer_user + producer_sys) * 1e9 / bytes;
}

void kernel_values(const std::vector<StreamOutcome>& s, Values& v, Unavailable& u) {
  struct Key {
    const char* metric;
    const char* event;
    const char* field;
    std::uint64_t minus;
  };
  for (auto k : {Key{"traced_syscalls", "syscalls", nullptr, PerfCounterSet::kStopSyscalls},
                 Key{"socket_copy_calls", "socket_copies", nullptr, 0},
                 Key{"socket_copy_bytes", "socket_copies", "len", 0},
                 Key{"page_cache_insertion_pages", "page_cache_insertions", "pages_of_order", 0},
                 Key{"traced_page_faults", "page_faults", nullptr, 0},
                 Key{"traced_context_switches", "context_switches", nullptr, 0}}) {
    double total = 0;
    std::string why;
    for (const auto& o : s) {
      auto m = kernel_count(o, k.event, k.field, k.minus);
      if (!m.value) {
        why = m.why_not;
        break;
      }
      total += double(*m.value);
    }
    if (why.empty())
      v[k.metric] = total;
    else
      u[k.metric] = why;
  }
}

json check_stream(const RunSpec& spec, const StreamOutcome& o, const MeterWindow& w,
                  unsigned streams, const std::string& fs_name) {
  const auto& c = spec.conditions;
  IngestEvidence e;
  e.size = c.size;
  e.records = o.records;
  e.calls = &o.calls;
  e.syncs = o.syncs;
  e.traced_syscalls = kernel_count(o, "syscalls", nullptr, PerfCounterSet::kStopSyscalls);
  e.socket_copy_bytes = kernel_count(o, "socket_copies", "len");
  e.page_cache_pages = kernel_count(o, "page_cache_insertions", "pages_of_order");
  if (streams > 1)
    e.storage_write_bytes = {std::nullopt,
                             "/proc/self/io is the whole process's: " + std::to_string(streams) +
                                 " streams wrote at once (the run's storage_write_bytes has them "
                                 "all)"};
  else if (auto io = w.storage())
    e.storage_write_bytes = {io->write_bytes, ""};
  else
    e.storage_write_bytes = {std::nullopt, w.storage_why()};
  // Into the log: every write-like call's bytes (the log is a file).
  e.kernel_from_user = boundary_bytes(o.counted ? &o.kernel : nullptr, o.counters_why, std::nullopt,
                                      SinkKind::file, o.calls.zerocopy)
                           .from_user;
  return check_ingest_model(spec.strategy->ledger(c), c, e, fs_name);
}

// Each stream's own figures and checks, beside the run's.
json stream_json(unsigned i, const StreamOutcome& o, double size, bool several) {
  json s = {{"index", i},
            {"throughput_bytes_per_s", size / o.seconds()},
            {"wall_s", o.seconds()},
            {"verification", o.verification},
            {"producer", o.producer}};
  if (!o.calls.evidence.empty()) s["evidence"] = o.calls.evidence;
  if (!o.kernel_json.is_null()) s["kernel"] = o.kernel_json;
  if (!o.connection.is_null()) s["connection"] = o.connection;
  if (several) s["model_check"] = o.model_check;
  return s;
}

// The repetition's JSON: stream 0's sections stand for the run's, the
// worst model check of any stream is the run's, and with several streams
// each one's figures go beside them.
json repetition_json(const std::vector<StreamOutcome>& out, const Values& values,
                     const std::string& fs_name, double size, const MeterWindow& w) {
  const auto n = out.size();
  json per_stream = json::array();
  json check;
  for (unsigned i = 0; i < n; ++i) {
    const auto& o = out[i];
    if (check.is_null() || (o.model_check["status"] == "fail" && check["status"] != "fail"))
      check = o.model_check;
    per_stream.push_back(stream_json(i, o, size, n > 1));
  }
  json rep = {{"values", values},
              {"verification", {{"verified", true}, {"hash", out[0].verification["hash"]}}},
              {"log", {{"file_system", fs_name}, {"records", out[0].records}}},
              {"model_check", check},
              {"producer", out[0].producer}};
  if (!out[0].calls.evidence.empty()) rep["evidence"] = out[0].calls.evidence;
  if (!out[0].kernel_json.is_null()) rep["kernel"] = out[0].kernel_json;
  if (auto d = w.device(); fs_name != "tmpfs" && d) rep["storage_device"] = storage_device_json(*d);
  if (n > 1)
    rep["streams"] = per_stream;
  else if (!out[0].connection.is_null())
    rep["connection"] = out[0].connection;
  return rep;
}

}  // namespace

json IngestRun::repetition(Values& values, Unavailable& unavailable, bool kernel_counters) {
  const auto& c = spec_.conditions;
  const unsigned n = std::max(1u, spec_.streams);
  MeterWindow window(MeterSet{false, plan_.work_dir});  // the logs' device
  std::vector<StreamOutcome> out(n);
  {
    std::vector<std::unique_ptr<Stream>> streams;
    for (unsigned i = 0; i < n; ++i) streams.push_back(std::make_unique<Stream>(spec_, plan_, i));
    // Each stream on a thread of its own, one stream too: a fresh thread
    // has a fresh io_uring task context, so the io-wq workers its ring
    // starts are created after its counters open, which follow them.
    // (Workers kept idle from an earlier run would go uncounted.)
    run_streams(n, /*fresh_threads=*/true, window, [&](unsigned i, StreamGate& gate) {
      streams[i]->run(kernel_counters, gate, out[i]);
    });
  }  // the logs are removed here, failed or not

  const double bytes = double(c.size) * n;
  const auto fs_name = filesystem_name(plan_.work_dir);
  clock_values(out, bytes, values);
  call_values(out, values);
  cpu_values(out, window, bytes, values);
  add_log_storage_values(window, fs_name, bytes, values, unavailable);
  kernel_values(out, values, unavailable);
  for (auto& o : out) o.model_check = check_stream(spec_, o, window, n, fs_name);
  return repetition_json(out, values, fs_name, double(c.size), window);
}

void IngestRun::finish(json& record, const json& checked, std::vector<std::string>& warnings) {
  record["model_check"] = summarize_model_checks(checked);
  record["copy_verdict"] = ingest_copy_verdict(record["ledger"], record["model_check"]);
  if (auto d = summarize_storage_device(checked, warnings); !d.is_null())
    record["storage_device"] = d;
  double thread = metric_median(record, "cpu_ns_per_byte");
  double process = metric_median(record, "process_cpu_ns_per_byte");
  unsigned streams = std::max(1u, spec_.streams);
  if (streams == 1 && process > 0.05 && process > 1.5 * thread)
    warnings.push_back(
        "ingest CPU runs on other threads of the process (io_uring io-wq workers): ingesting "
        "thread " +
        format_fixed(thread, 3) + " ns/B, whole process " + format_fixed(process, 3) +
        " ns/B (process_cpu_ns_per_byte)");
  if (streams > 1)
    if (auto w = streams_share_cores(streams, "a busy producer and ingesting thread"); !w.empty())
      warnings.push_back(w);
}

}  // namespace zc
