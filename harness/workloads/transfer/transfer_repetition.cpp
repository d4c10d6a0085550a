#include "harness/workloads/transfer/transfer_repetition.hpp"

#include <fcntl.h>

#include <algorithm>
#include <barrier>
#include <cmath>
#include <exception>
#include <optional>
#include <thread>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/percentile.hpp"
#include "harness/base/syscall_names.hpp"
#include "harness/base/temp_dir.hpp"
#include "harness/external/external_session.hpp"
#include "harness/kit/tls.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/model_check.hpp"
#include "harness/measure/process_meter.hpp"
#include "harness/measure/system_cpu.hpp"
#include "harness/sinks/sink.hpp"
#include "harness/workloads/transfer/zerocopy_metrics.hpp"

namespace zc {
using nlohmann::json;

namespace {

// What one repetition holds open, set up outside the timed region.
struct Setup {
  CacheReport cache;
  UniqueFd source_fd;
  std::string rss_why;
  bool rss_window = false;
  std::uint64_t deadline_ns = 0;
  // TLS strategies: the throwaway key and certificate, and the
  // certificate's file for the receiver (removed with the repetition).
  std::unique_ptr<TlsCredentials> tls;
  std::unique_ptr<RemovedOnExit> tls_cert;
  std::unique_ptr<SinkEndpoint> sink;
  std::unique_ptr<TransferSession> session;
  // A veth pair's sender end is this run's alone: its transmits are
  // counted from every context (accounting.hpp). Empty elsewhere.
  std::string egress_device;
  // An external strategy's program: measured instead of this process.
  std::optional<ProcessMeter> worker;
};

// The timed region's raw figures.
struct Timed {
  std::uint64_t t0 = 0, t1 = 0, moved = 0, chunks = 0;
  CallCounters calls;
  Usage thread, process;
  std::optional<StorageIo> io0, io1;
  std::string io_why;
};

Setup set_up(const RunSpec& spec, const PlanContext& plan, const SourceFile& src,
             bool kernel_counters) {
  const auto& c = spec.conditions;
  Setup s;
  s.cache = prepare_cache(src, c.cache);
  s.source_fd.reset(check_unix(::open(src.path.c_str(), O_RDONLY | O_CLOEXEC), "open source"));
  // The memory window opens before the sink and the strategy's buffers, and
  // after the cache preparation (which may map the file to touch it).
  s.rss_window = reset_peak_rss(&s.rss_why);
  s.deadline_ns = now_ns() + repetition_timeout_ns(plan.settings, c.size);
  SinkOptions sink_opts{c.sink,   c.receiver,  plan.settings.tuning, plan.work_dir,
                        c.nic,    c.remote,    plan.settings.token,  c.size,
                        src.hash, spec.name(), kernel_counters};
  sink_opts.chunk = c.chunk;
  if (spec.strategy->uses_tls()) {
    // Made fresh for each repetition, in memory; only the (public)
    // certificate is written, 0600 in the run's own folder.
    s.tls = std::make_unique<TlsCredentials>();
    auto cert = plan.work_dir / ("tls-cert-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(now_ns()) + ".pem");
    s.tls->write_certificate(cert);
    s.tls_cert = std::make_unique<RemovedOnExit>(cert);
    sink_opts.tls_cert = cert.string();
    sink_opts.tls_cipher = c.tls_cipher;
  }
  s.sink = open_sink(sink_opts, s.deadline_ns);
  TransferContext ctx{s.source_fd.get(), src.path,     c.size,      c.chunk,
                      c.queue_depth,     s.sink->fd(), c.sink,      &external_launcher(),
                      s.deadline_ns,     s.tls.get(),  c.tls_cipher};
  s.session = static_cast<const TransferStrategy&>(*spec.strategy).prepare(ctx);
  if (c.sink == SinkKind::veth)
    if (auto d = s.sink->details(); d.contains("nic"))
      s.egress_device = d["nic"].value("device", "");
  return s;
}

// An external program's figures stand for the sender's: the whole program
// for the process, its data thread (when it named one) for the thread.
void external_figures(Setup& s, Timed& t) {
  s.worker->stop();
  t.process = s.worker->usage();
  const auto& report = static_cast<const ExternalSession&>(*s.session).report();
  auto thread = report.data_tid ? s.worker->thread_usage(*report.data_tid) : std::nullopt;
  t.thread = thread ? *thread : t.process;
  t.io0 = StorageIo{};
  t.io1 = s.worker->io(&t.io_why);
  if (!t.io1) t.io0.reset();
}

// What accounting needs to read an external program's syscalls: its
// data path's by number, its data thread, whether it counted its own, and
// the protocol line it wrote with a data syscall (the done line's write).
WorkerFacts worker_facts(const Strategy& strategy, const ExternalSession& session,
                         const ProcessMeter& meter) {
  const auto& program = static_cast<const ExternalStrategy&>(strategy).program();
  const auto& r = session.report();
  WorkerFacts w;
  w.pid = r.pid;
  w.data_tid = r.data_tid;
  w.data_thread_seen = r.data_tid && meter.thread_usage(*r.data_tid);
  w.reported_syscalls = r.syscalls.has_value();
  for (const auto& name : program.data_syscalls)
    if (auto nr = syscall_number(name)) w.data_syscalls.push_back(*nr);
  if (std::find(program.data_syscalls.begin(), program.data_syscalls.end(), "write") !=
      program.data_syscalls.end()) {
    w.protocol_calls = 1;
    w.protocol_bytes = r.done_line_bytes;
  }
  return w;
}

// The transfer from the first step until the consumer has every byte. The
// deadline and a stop signal end it between steps, on every sink: a
// strategy blocked in a call is woken by the signal (EINTR) or, on a
// stream sink, by the watchdog killing the receiver.
Timed run_timed(Setup& s, Accounting& accounting, std::vector<std::uint64_t>& lat,
                bool kernel_counters, const std::function<void()>& ready) {
  // An external program starts behind its gate: meters attach first, so
  // they see every thread it will create; its start-up, set-up and
  // warm-up stay outside the timed region.
  if (auto pid = s.session->worker_pid(); pid > 0) {
    s.worker.emplace(pid);
    accounting.attach_worker(pid, kernel_counters);
    s.session->start_worker();
  }
  Timed t;
  t.io0 = StorageIo::of_process(&t.io_why);
  t.thread = Usage::of_thread();
  t.process = Usage::of_process();  // also io_uring's io-wq workers, which the thread misses
  if (s.worker) s.worker->start();
  accounting.begin(kernel_counters, s.egress_device);
  if (ready) ready();  // --streams: every stream starts its clock together
  t.t0 = now_ns();
  try {
    // One latency sample per step that entered the kernel: a step that
    // made no call handed out a chunk its batch had already moved (io_uring
    // moves --qd chunks per io_uring_enter), so its time goes to the next
    // sample instead of a p50 of 0.
    std::uint64_t calls_seen = 0;
    for (auto last = t.t0;;) {
      auto n = s.session->step(t.calls);
      auto now = now_ns();
      if (n == 0) break;
      ++t.chunks;
      // A worker's calls are not timed one by one: no latency samples.
      if (!s.worker && t.calls.syscalls != calls_seen) {
        lat.push_back(now - last);
        last = now;
        calls_seen = t.calls.syscalls;
      }
      t.moved += n;
      if (interrupted()) throw std::runtime_error("interrupted");
      if (now > s.deadline_ns)
        throw std::runtime_error("the repetition passed its deadline (--timeout) after " +
                                 std::to_string(t.moved) + " bytes");
    }
    s.session->finish(t.calls);
    accounting.end_strategy();
    s.sink->close_and_await(s.deadline_ns);
  } catch (const std::system_error& e) {
    if (interrupted()) throw std::runtime_error("interrupted");
    auto why = s.sink->diagnose();
    throw std::runtime_error(std::string(e.what()) + (why.empty() ? "" : "; receiver " + why));
  }
  t.t1 = now_ns();
  accounting.end();
  t.thread = Usage::of_thread() - t.thread;
  t.process = Usage::of_process() - t.process;
  t.io1 = StorageIo::of_process();
  if (s.worker) external_figures(s, t);
  return t;
}

// A run whose bytes do not match is an error, never a result.
json verify(const Conditions& c, const SourceFile& src, std::uint64_t moved,
            const ReceiverReport& report) {
  if (moved != c.size)
    throw std::runtime_error("strategy moved " + std::to_string(moved) + " of " +
                             std::to_string(c.size) + " bytes");
  if (!report.hash) return {{"verified", false}, {"reason", report.unverified_reason}};
  if (report.bytes != c.size)
    throw std::runtime_error("receiver got " + std::to_string(report.bytes) + " of " +
                             std::to_string(c.size) + " bytes");
  if (*report.hash != src.hash)
    throw std::runtime_error("content mismatch: receiver hash " + hex64(*report.hash) +
                             " != source hash " + hex64(src.hash));
  return {{"verified", true}, {"hash", hex64(*report.hash)}};
}

void clock_values(const Timed& t, std::vector<std::uint64_t>& lat, double bytes, Values& values) {
  double wall_s = double(t.t1 - t.t0) * 1e-9;
  values["wall_s"] = wall_s;
  values["throughput_bytes_per_s"] = bytes / wall_s;
  values["chunks"] = double(t.chunks);
  values["latency_samples"] = double(lat.size());
  if (!lat.empty()) values["chunks_per_latency_sample"] = double(t.chunks) / double(lat.size());
  add_latency_values(lat, values);
}

void sender_values(const Conditions& c, const Timed& t, std::size_t chunks, Values& values) {
  const double bytes = double(c.size);
  values["syscalls"] = double(t.calls.syscalls);
  values["syscalls_per_chunk"] = chunks ? double(t.calls.syscalls) / double(chunks) : 0;
  values["bookkeeping_syscalls"] = double(t.calls.bookkeeping_syscalls);
  values["bytes_copied_to_user"] = double(t.calls.bytes_to_user);
  // /dev/null takes write() without copying a byte.
  values["bytes_copied_from_user"] = c.sink == SinkKind::null ? 0 : double(t.calls.bytes_from_user);
  // The whole process: io_uring's io-wq workers do the sender's work too.
  values["sender_user_s"] = t.process.user_s;
  values["sender_sys_s"] = t.process.sys_s;
  values["sender_cpu_ns_per_byte"] = t.process.cpu_s() * 1e9 / bytes;
  values["sender_thread_cpu_ns_per_byte"] = t.thread.cpu_s() * 1e9 / bytes;
  values["sender_process_cpu_ns_per_byte"] = t.process.cpu_s() * 1e9 / bytes;
  values["sender_voluntary_switches"] = double(t.thread.voluntary_switches);
  values["sender_involuntary_switches"] = double(t.thread.involuntary_switches);
  values["sender_minor_faults"] = double(t.thread.minor_faults);
  values["sender_major_faults"] = double(t.thread.major_faults);
}

void storage_values(const Timed& t, Values& values, Unavailable& unavailable) {
  if (t.io0 && t.io1) {
    values["storage_read_bytes"] = double(t.io1->read_bytes - t.io0->read_bytes);
    values["storage_write_bytes"] = double(t.io1->write_bytes - t.io0->write_bytes);
  } else {
    unavailable["storage_read_bytes"] = unavailable["storage_write_bytes"] = t.io_why;
  }
}

void receiver_values(const Conditions& c, const Timed& t, const ReceiverReport& report,
                     Values& values, Unavailable& unavailable) {
  const double bytes = double(c.size);
  if (!has_receiver_process(c.sink)) {
    std::string why = "no receiver process: the " + std::string(to_string(c.sink)) +
                      " sink is written by the sender alone";
    for (auto k :
         {"receiver_user_s", "receiver_sys_s", "receiver_cpu_ns_per_byte",
          "receiver_voluntary_switches", "receiver_involuntary_switches", "receiver_minor_faults",
          "receiver_major_faults", "receiver_read_calls", "receiver_poll_s"})
      unavailable[k] = why;
    values["total_cpu_ns_per_byte"] = t.process.cpu_s() * 1e9 / bytes;
    return;
  }
  const auto& r = report.usage;
  values["receiver_user_s"] = r.user_s;
  values["receiver_sys_s"] = r.sys_s;
  values["receiver_cpu_ns_per_byte"] = r.cpu_s() * 1e9 / bytes;
  values["receiver_poll_s"] = report.poll_s;
  values["receiver_voluntary_switches"] = double(r.voluntary_switches);
  values["receiver_involuntary_switches"] = double(r.involuntary_switches);
  values["receiver_minor_faults"] = double(r.minor_faults);
  values["receiver_major_faults"] = double(r.major_faults);
  values["receiver_read_calls"] = double(report.read_calls);
  values["total_cpu_ns_per_byte"] = (t.process.cpu_s() + r.cpu_s()) * 1e9 / bytes;
}

// The file sink's write made real: what the device wrote while the sink
// file was synced after the timed region (sink.cpp).
void sink_storage_values(const Conditions& c, const ReceiverReport& report, SinkEndpoint& sink,
                         Values& values, Unavailable& unavailable) {
  if (auto it = report.evidence.find("sink_sync_device_write_bytes"); it != report.evidence.end())
    values["sink_device_write_bytes"] = double(it->second);
  else
    unavailable["sink_device_write_bytes"] =
        c.sink != SinkKind::file ? "only the file sink writes to storage"
                                 : sink.details().value("device_reason", std::string("not read"));
}

double median_of(const json& record, const char* key) {
  auto it = record["metrics"].find(key);
  return it != record["metrics"].end() && it->contains("median") ? (*it)["median"].get<double>()
                                                                 : 0.0;
}

}  // namespace

TransferRun::TransferRun(const RunSpec& spec, const PlanContext& plan,
                         std::function<const SourceFile&(std::uint64_t size)> source)
    : spec_(spec), plan_(plan), source_of_(std::move(source)) {}

json TransferRun::repetition(Values& values, Unavailable& unavailable, bool kernel_counters) {
  const auto& c = spec_.conditions;
  const auto& src = source_of_(c.size);
  auto s = set_up(spec_, plan_, src, kernel_counters);
  latencies_.clear();
  latencies_.reserve(std::size_t(c.size / c.chunk + 2));
  auto t = run_timed(s, accounting_, latencies_, kernel_counters, before_timed);
  timed_from = t.t0;
  timed_to = t.t1;
  if (after_timed) after_timed();
  auto peak_rss = s.worker       ? s.worker->peak_rss_bytes(&s.rss_why)
                  : s.rss_window ? peak_rss_bytes(&s.rss_why)
                                 : std::nullopt;
  json external;
  std::optional<WorkerFacts> worker;
  if (s.worker) {
    auto& session = static_cast<ExternalSession&>(*s.session);
    session.end();  // the program exits (or is killed) before its report is kept
    external = to_json(session.report());
    worker = worker_facts(*spec_.strategy, session, *s.worker);  // before the session goes
    external["timed_region_ns"] = {{"start", t.t0}, {"end", t.t1}};
    external["usage"] = s.worker->describe();
  }
  s.session.reset();
  auto report = s.sink->collect();
  json verification = verify(c, src, t.moved, report);

  clock_values(t, latencies_, double(c.size), values);
  if (s.worker)
    for (auto k : {"latency_max_ns", "latency_p50_ns", "latency_p90_ns", "latency_p99_ns",
                   "latency_p999_ns", "latency_samples", "chunks_per_latency_sample"}) {
      values.erase(k);
      unavailable[k] = "an external program is timed from go to done, not call by call";
    }
  sender_values(c, t, t.chunks, values);
  if (worker && !worker->reported_syscalls)
    for (auto k : {"syscalls", "syscalls_per_chunk"}) {
      values.erase(k);
      unavailable[k] =
          "the external program did not count its syscalls (a JVM's are the JDK's): see "
          "traced_data_syscalls_per_chunk";
    }
  values["cache_resident_fraction"] = s.cache.resident_fraction;
  if (peak_rss)
    values["sender_peak_rss_bytes"] = double(*peak_rss);
  else
    unavailable["sender_peak_rss_bytes"] = s.rss_why;
  storage_values(t, values, unavailable);
  receiver_values(c, t, report, values, unavailable);
  add_zerocopy_values(c, t.calls, report, values, unavailable);
  sink_storage_values(c, report, *s.sink, values, unavailable);

  auto ledger = spec_.strategy->ledger(c);
  auto accounts = accounting_.record(
      {c, ledger, t.calls, t.chunks, std::uint64_t(values["bytes_copied_from_user"]),
       values["wall_s"], values["throughput_bytes_per_s"], s.cache.resident_fraction, t.thread,
       &t.process, has_receiver_process(c.sink) ? &report : nullptr, plan_.calibration,
       worker ? &*worker : nullptr},
      values, unavailable);
  json rep = {{"values", values},
              {"verification", verification},
              {"cache",
               {{"asked", to_string(c.cache)},
                {"resident_fraction", s.cache.resident_fraction},
                {"as_asked", s.cache.as_asked}}}};
  if (!t.calls.evidence.empty()) rep["evidence"] = t.calls.evidence;
  if (t.calls.zerocopy.requested) rep["zerocopy"] = zerocopy_json(t.calls.zerocopy);
  if (has_receiver_process(c.sink)) rep["receiver"] = report;
  if (!external.is_null()) rep["external"] = external;
  rep.update(accounts);
  if (auto d = s.sink->details(); !d.is_null()) rep["sink_details"] = d;
  return rep;
}

void TransferRun::finish(json& record, const json& checked, std::vector<std::string>& warnings) {
  record["model_check"] = summarize_model_checks(checked);
  record["copy_verdict"] = copy_verdict(record["ledger"], record["model_check"]);
  for (const auto& rep : record["repetitions"])
    if (rep["status"] == "ok" && rep.contains("sink_details")) {
      record["sink_details"] = rep["sink_details"];
      break;
    }
  for (const auto& rep : record["repetitions"]) {
    if (rep["status"] == "ok" && rep.contains("cache") && !rep["cache"]["as_asked"].get<bool>()) {
      warnings.push_back("page cache not as asked (" + std::string(rep["cache"]["asked"]) +
                         "): " + std::to_string(rep["cache"]["resident_fraction"].get<double>()) +
                         " of the source's pages were resident");
      break;
    }
  }
  // io_uring punts work (splice, blocking writes) to io-wq kernel threads
  // of this process: RUSAGE_THREAD does not see them, RUSAGE_SELF does.
  double thread = median_of(record, "sender_cpu_ns_per_byte");
  double process = median_of(record, "sender_process_cpu_ns_per_byte");
  if (process > 0.05 && process > 1.5 * thread)
    warnings.push_back(
        "sender CPU runs on other threads of the process (io_uring io-wq workers): "
        "sender thread " +
        std::to_string(thread) + " ns/B, whole process " + std::to_string(process) +
        " ns/B (sender_process_cpu_ns_per_byte)");
}

namespace {

// The whole aggregate window of a --streams repetition, taken once when the
// last stream arrives at the start and at the end.
struct StreamsWindow {
  std::uint64_t t0 = 0, t1 = 0;
  Usage process0, process1;
  std::optional<SystemCpu> cpu0, cpu1;
  std::optional<StorageIo> io0, io1;
  std::string cpu_why, io_why;
};

struct StreamsMark {
  StreamsWindow* w;
  bool start;
  void operator()() noexcept {
    if (start) {
      w->io0 = StorageIo::of_process(&w->io_why);
      w->cpu0 = SystemCpu::now(&w->cpu_why);
      w->process0 = Usage::of_process();
      w->t0 = now_ns();
    } else {
      w->t1 = now_ns();
      w->process1 = Usage::of_process();
      w->cpu1 = SystemCpu::now(&w->cpu_why);
      w->io1 = StorageIo::of_process();
    }
  }
};

// Counts, bytes and seconds add up across streams; per-byte, per-chunk and
// fraction figures are the streams' mean (every stream moves the same bytes).
// Ratios of counts (syscalls_per_chunk) have the unit "count" too: their
// key says what they are.
bool adds_up(const MetricDef& d) {
  if (std::string_view(d.key).find("_per_") != std::string_view::npos) return false;
  return d.unit == "s" || d.unit == "count" || d.unit == "B" || d.unit == "pages";
}

class StreamsRun : public RunMeasure {
 public:
  StreamsRun(const RunSpec& spec, const PlanContext& plan,
             std::function<const SourceFile&(std::uint64_t, unsigned)> source)
      : spec_(spec),
        plan_(plan),
        source_(std::move(source)),
        stream_settings_(sleeping_receivers(plan.settings)),
        stream_plan_{stream_settings_, plan.work_dir, plan.calibration} {
    RunSpec one = spec;
    one.streams = 1;
    for (unsigned i = 0; i < spec.streams; ++i)
      children_.push_back(std::make_unique<TransferRun>(
          one, stream_plan_,
          [this, i](std::uint64_t size) -> const SourceFile& { return source_(size, i); }));
  }

  json repetition(Values& values, Unavailable& unavailable, bool kernel_counters) override {
    const unsigned n = unsigned(children_.size());
    // Sources are made here, one at a time, before the streams start.
    for (unsigned i = 0; i < n; ++i) source_(spec_.conditions.size, i);
    StreamsWindow w;
    std::barrier<StreamsMark> start(n, StreamsMark{&w, true}), end(n, StreamsMark{&w, false});
    std::vector<Values> v(n);
    std::vector<Unavailable> u(n);
    std::vector<json> reps(n);
    std::vector<std::exception_ptr> errors(n);
    {
      std::vector<std::jthread> threads;
      for (unsigned i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
          bool started = false, ended = false;
          auto& child = *children_[i];
          child.before_timed = [&] {
            started = true;
            start.arrive_and_wait();
          };
          child.after_timed = [&] {
            ended = true;
            end.arrive_and_wait();
          };
          try {
            reps[i] = child.repetition(v[i], u[i], kernel_counters);
          } catch (...) {
            errors[i] = std::current_exception();
          }
          // A stream that failed must not keep the others waiting.
          if (!started) start.arrive_and_drop();
          if (!ended) end.arrive_and_drop();
        });
    }
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
    merge(v, u, w, values, unavailable);
    return stream_json(reps, values);
  }

  void finish(json& record, const json& checked, std::vector<std::string>& warnings) override {
    children_[0]->finish(record, checked, warnings);
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (2 * spec_.streams > cores)
      warnings.push_back(std::to_string(spec_.streams) + " streams on " + std::to_string(cores) +
                         " cores: with a busy sender and receiver each, the streams share "
                         "CPUs; the aggregate is bound by the cores here, not by the data path");
  }

 private:
  void merge(const std::vector<Values>& v, const std::vector<Unavailable>& u,
             const StreamsWindow& w, Values& values, Unavailable& unavailable) {
    const double n = double(v.size());
    for (const auto& def : workload_of(*spec_.strategy).metrics()) {
      std::string key(def.key);
      bool everywhere = true;
      double total = 0;
      for (const auto& vi : v) {
        auto it = vi.find(key);
        if (it == vi.end()) {
          everywhere = false;
          break;
        }
        total += it->second;
      }
      if (everywhere) values[key] = adds_up(def) ? total : total / n;
      for (const auto& ui : u)
        if (auto it = ui.find(key); it != ui.end()) {
          unavailable[key] = it->second;
          values.erase(key);
        }
    }
    const double bytes = double(spec_.conditions.size) * n;
    std::uint64_t from = children_[0]->timed_from, to = 0;
    std::vector<std::uint64_t> lat;
    std::vector<double> tput;
    for (unsigned i = 0; i < children_.size(); ++i) {
      from = std::min(from, children_[i]->timed_from);
      to = std::max(to, children_[i]->timed_to);
      lat.insert(lat.end(), children_[i]->latencies().begin(), children_[i]->latencies().end());
      tput.push_back(v[i].at("throughput_bytes_per_s"));
    }
    double wall = double(to - from) * 1e-9;
    values["wall_s"] = wall;
    values["throughput_bytes_per_s"] = bytes / wall;
    if (!lat.empty()) add_latency_values(lat, values);
    double mean = 0, var = 0;
    for (double x : tput) mean += x / n;
    for (double x : tput) var += (x - mean) * (x - mean) / n;
    values["streams"] = n;
    values["stream_throughput_min_bytes_per_s"] = *std::min_element(tput.begin(), tput.end());
    values["stream_throughput_max_bytes_per_s"] = *std::max_element(tput.begin(), tput.end());
    values["stream_throughput_cv"] = mean > 0 ? std::sqrt(var) / mean : 0;
    // Figures of the whole process or machine: each stream's own window
    // saw the other streams' work too, so they come from the aggregate window.
    // The senders are N threads of this process: their CPU is the
    // process's over the window (io_uring's workers included), per byte of
    // every stream; the receivers' adds up per stream.
    const auto process = w.process1 - w.process0;
    const double kb = bytes / 1024;
    values["sender_process_cpu_ns_per_byte"] = process.cpu_s() * 1e9 / bytes;
    values["sender_user_s"] = process.user_s;
    values["sender_sys_s"] = process.sys_s;
    values["sender_cpu_ns_per_byte"] = process.cpu_s() * 1e9 / bytes;
    values["sender_cpu_us_per_kb"] = process.cpu_s() * 1e6 / kb;
    if (values.count("receiver_cpu_ns_per_byte")) {
      double receivers = values["receiver_cpu_ns_per_byte"] * 1e-9 * bytes;
      values["total_cpu_ns_per_byte"] = (process.cpu_s() + receivers) * 1e9 / bytes;
      values["total_cpu_us_per_kb"] = (process.cpu_s() + receivers) * 1e6 / kb;
    } else {
      values["total_cpu_ns_per_byte"] = process.cpu_s() * 1e9 / bytes;
      values["total_cpu_us_per_kb"] = process.cpu_s() * 1e6 / kb;
    }
    double peak = 0;
    for (const auto& vi : v)
      if (auto it = vi.find("sender_peak_rss_bytes"); it != vi.end())
        peak = std::max(peak, it->second);
    if (values.count("sender_peak_rss_bytes")) values["sender_peak_rss_bytes"] = peak;
    if (w.cpu0 && w.cpu1) {
      auto d = *w.cpu1 - *w.cpu0;
      values["softirq_s"] = d.softirq_s;
      values["softirq_ns_per_byte"] = d.softirq_s * 1e9 / bytes;
      values["system_cpu_s"] = d.busy_s;
      values["system_cpu_ns_per_byte"] = d.busy_s * 1e9 / bytes;
      values["system_cpu_us_per_kb"] = d.busy_s * 1e6 / (bytes / 1024);
    }
    if (w.io0 && w.io1) {
      values["storage_read_bytes"] = double(w.io1->read_bytes - w.io0->read_bytes);
      values["storage_write_bytes"] = double(w.io1->write_bytes - w.io0->write_bytes);
    }
  }

  // Stream 0's repetition carries the run's sections (receiver, kernel,
  // cache); each stream's own figures and checks go beside it.
  json stream_json(std::vector<json>& reps, const Values& values) {
    json rep = reps[0];
    rep["values"] = values;
    json streams = json::array();
    for (unsigned i = 0; i < reps.size(); ++i) {
      json s = {{"index", i},
                {"throughput_bytes_per_s", reps[i]["values"]["throughput_bytes_per_s"]},
                {"wall_s", reps[i]["values"]["wall_s"]},
                {"verification", reps[i]["verification"]}};
      if (reps[i].contains("model_check")) {
        s["model_check"] = reps[i]["model_check"];
        if (reps[i]["model_check"]["status"] == "fail" && rep["model_check"]["status"] != "fail")
          rep["model_check"] = reps[i]["model_check"];
      }
      if (!reps[i]["verification"].value("verified", false))
        rep["verification"] = reps[i]["verification"];
      streams.push_back(std::move(s));
    }
    rep["streams"] = std::move(streams);
    return rep;
  }

  // The streams' receivers share a CPU: one polling an empty socket would
  // take it from another with bytes to read (Tuning::receiver_poll_us).
  static RunSettings sleeping_receivers(RunSettings s) {
    s.tuning.receiver_poll_us = 0;
    return s;
  }

  RunSpec spec_;
  const PlanContext& plan_;
  std::function<const SourceFile&(std::uint64_t, unsigned)> source_;
  RunSettings stream_settings_;
  PlanContext stream_plan_;
  std::vector<std::unique_ptr<TransferRun>> children_;
};

}  // namespace

std::unique_ptr<RunMeasure> make_streams_run(
    const RunSpec& spec, const PlanContext& plan,
    const std::function<const SourceFile&(std::uint64_t size, unsigned stream)>& source) {
  return std::make_unique<StreamsRun>(spec, plan, source);
}

}  // namespace zc
