#include "harness/workloads/transfer/transfer_repetition.hpp"

#include <fcntl.h>

#include <algorithm>
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
#include "harness/measure/accounting.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/model_check.hpp"
#include "harness/measure/process_meter.hpp"
#include "harness/measure/repetition.hpp"
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
  Deadline deadline;
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
  std::optional<StorageIo> io;  // what the sender caused storage to read and write
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
  s.deadline = Deadline(repetition_timeout_ns(plan.settings, c.size));
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
  s.sink = open_sink(sink_opts, s.deadline.at_ns());
  TransferContext ctx{s.source_fd.get(),  src.path,     c.size,      c.chunk,
                      c.queue_depth,      s.sink->fd(), c.sink,      &external_launcher(),
                      s.deadline.at_ns(), s.tls.get(),  c.tls_cipher};
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
  t.io = s.worker->io(&t.io_why);
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

// The strategy's steps until it has moved every byte, one latency sample
// per step that entered the kernel: a step that made no call handed out a
// chunk its batch had already moved (io_uring moves --qd chunks per
// io_uring_enter), so its time goes to the next sample instead of a p50 of
// 0. The deadline and a stop signal end it between steps.
void steps(Setup& s, Timed& t, std::vector<std::uint64_t>& lat) {
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
    s.deadline.check(now, t.moved);
  }
}

// The transfer from the first step until the consumer has every byte. A
// strategy blocked in a call is woken by a stop signal (EINTR) or, on a
// stream sink, by the watchdog killing the receiver at the deadline.
// `gate`: --streams, where the streams start and stop their clocks together.
Timed run_timed(Setup& s, Accounting& accounting, std::vector<std::uint64_t>& lat,
                bool kernel_counters, StreamGate* gate) {
  // An external program starts behind its gate: meters attach first, so
  // they see every thread it will create; its start-up, set-up and
  // warm-up stay outside the timed region.
  if (auto pid = s.session->worker_pid(); pid > 0) {
    s.worker.emplace(pid);
    accounting.attach_worker(pid, kernel_counters);
    s.session->start_worker();
  }
  Timed t;
  MeterWindow meters;  // the process: also io_uring's io-wq workers, which the thread misses
  meters.start();
  t.thread = Usage::of_thread();
  if (s.worker) s.worker->start();
  accounting.begin(kernel_counters, s.egress_device);
  if (gate) gate->start();
  t.t0 = now_ns();
  try {
    steps(s, t, lat);
    s.session->finish(t.calls);
    accounting.end_strategy();
    s.sink->close_and_await(s.deadline.at_ns());
  } catch (const std::system_error& e) {
    if (interrupted()) throw std::runtime_error("interrupted");
    auto why = s.sink->diagnose();
    throw std::runtime_error(std::string(e.what()) + (why.empty() ? "" : "; receiver " + why));
  }
  t.t1 = now_ns();
  accounting.end();
  t.thread = Usage::of_thread() - t.thread;
  meters.stop();
  t.process = meters.process();
  t.io = meters.storage();
  t.io_why = meters.storage_why();
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
  if (t.io) {
    values["storage_read_bytes"] = double(t.io->read_bytes);
    values["storage_write_bytes"] = double(t.io->write_bytes);
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

// An external program's report, and what accounting needs of it: the
// program exits (or is killed) first, and its facts are taken before its
// session goes.
std::optional<WorkerFacts> external_report(const Strategy& strategy, Setup& s, const Timed& t,
                                           json& external) {
  if (!s.worker) return std::nullopt;
  auto& session = static_cast<ExternalSession&>(*s.session);
  session.end();
  external = to_json(session.report());
  auto worker = worker_facts(strategy, session, *s.worker);
  external["timed_region_ns"] = {{"start", t.t0}, {"end", t.t1}};
  external["usage"] = s.worker->describe();
  return worker;
}

// An external program is timed from go to done, and counts its own
// syscalls only when it says so: the figures it cannot have are missing,
// with why.
void external_unavailable(const std::optional<WorkerFacts>& worker, Values& values,
                          Unavailable& unavailable) {
  if (!worker) return;
  for (auto k : {"latency_max_ns", "latency_p50_ns", "latency_p90_ns", "latency_p99_ns",
                 "latency_p999_ns", "latency_samples", "chunks_per_latency_sample"}) {
    values.erase(k);
    unavailable[k] = "an external program is timed from go to done, not call by call";
  }
  if (!worker->reported_syscalls)
    for (auto k : {"syscalls", "syscalls_per_chunk"}) {
      values.erase(k);
      unavailable[k] =
          "the external program did not count its syscalls (a JVM's are the JDK's): see "
          "traced_data_syscalls_per_chunk";
    }
}

// The sender's peak memory over the repetition: the external program's
// (read before it exits), else this process's since set-up reset the window.
std::optional<std::uint64_t> peak_rss(Setup& s) {
  return s.worker       ? s.worker->peak_rss_bytes(&s.rss_why)
         : s.rss_window ? peak_rss_bytes(&s.rss_why)
                        : std::nullopt;
}

void rss_value(const Setup& s, const std::optional<std::uint64_t>& peak, Values& values,
               Unavailable& unavailable) {
  if (peak)
    values["sender_peak_rss_bytes"] = double(*peak);
  else
    unavailable["sender_peak_rss_bytes"] = s.rss_why;
}

// The repetition's JSON: its values, checks and what each side reported.
json repetition_json(const Conditions& c, const Setup& s, const Timed& t, const Values& values,
                     const json& verification, const ReceiverReport& report, const json& external) {
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
  return rep;
}

}  // namespace

// One stream of a run (the run itself without --streams): its own source,
// sender, sink and receiver, and its kernel counters and model check,
// which persist across its repetitions.
class TransferStream {
 public:
  TransferStream(const RunSpec& spec, const PlanContext& plan,
                 std::function<const SourceFile&(std::uint64_t size)> source)
      : spec_(spec), plan_(plan), source_of_(std::move(source)) {}

  // Set-up, the timed transfer (between gate->start() and gate->end() when
  // there is a gate), the bytes checked, the figures.
  json repetition(Values& values, Unavailable& unavailable, bool kernel_counters,
                  StreamGate* gate) {
    const auto& c = spec_.conditions;
    const auto& src = source_of_(c.size);
    auto s = set_up(spec_, plan_, src, kernel_counters);
    latencies_.clear();
    latencies_.reserve(std::size_t(c.size / c.chunk + 2));
    auto t = run_timed(s, accounting_, latencies_, kernel_counters, gate);
    timed_from = t.t0;
    timed_to = t.t1;
    if (gate) gate->end();
    auto peak = peak_rss(s);
    json external;
    auto worker = external_report(*spec_.strategy, s, t, external);
    s.session.reset();
    auto report = s.sink->collect();
    json verification = verify(c, src, t.moved, report);
    figures(s, t, peak, worker, report, values, unavailable);
    auto accounts = account(s, t, worker, report, values, unavailable);  // adds values
    auto rep = repetition_json(c, s, t, values, verification, report, external);
    rep.update(accounts);
    if (auto d = s.sink->details(); !d.is_null()) rep["sink_details"] = d;
    return rep;
  }

  std::uint64_t timed_from = 0, timed_to = 0;  // the timed region's CLOCK_MONOTONIC bounds
  const std::vector<std::uint64_t>& latencies() const { return latencies_; }

 private:
  void figures(Setup& s, const Timed& t, const std::optional<std::uint64_t>& peak,
               const std::optional<WorkerFacts>& worker, const ReceiverReport& report,
               Values& values, Unavailable& unavailable) {
    const auto& c = spec_.conditions;
    clock_values(t, latencies_, double(c.size), values);
    sender_values(c, t, t.chunks, values);
    external_unavailable(worker, values, unavailable);
    values["cache_resident_fraction"] = s.cache.resident_fraction;
    rss_value(s, peak, values, unavailable);
    storage_values(t, values, unavailable);
    receiver_values(c, t, report, values, unavailable);
    add_zerocopy_values(c, t.calls, report, values, unavailable);
    sink_storage_values(c, report, *s.sink, values, unavailable);
  }

  // The kernel's counts set beside the strategy's ledger.
  json account(const Setup& s, const Timed& t, const std::optional<WorkerFacts>& worker,
               const ReceiverReport& report, Values& values, Unavailable& unavailable) {
    const auto& c = spec_.conditions;
    auto ledger = spec_.strategy->ledger(c);
    return accounting_.record(
        {c, ledger, t.calls, t.chunks, std::uint64_t(values["bytes_copied_from_user"]),
         values["wall_s"], values["throughput_bytes_per_s"], s.cache.resident_fraction, t.thread,
         &t.process, has_receiver_process(c.sink) ? &report : nullptr, plan_.calibration,
         worker ? &*worker : nullptr},
        values, unavailable);
  }

  RunSpec spec_;
  const PlanContext& plan_;
  std::function<const SourceFile&(std::uint64_t size)> source_of_;
  std::vector<std::uint64_t> latencies_;
  Accounting accounting_;  // kernel counters, /proc/stat, model check
};

namespace {

// The streams' figures merged (merge_stream_values), and the peak memory
// the largest of any stream's: the streams share one process.
void merge_streams(const RunSpec& spec, const std::vector<Values>& v,
                   const std::vector<Unavailable>& u, Values& values, Unavailable& unavailable) {
  merge_stream_values(workload_of(*spec.strategy).metrics(), v, u, values, unavailable);
  double peak = 0;
  for (const auto& vi : v)
    if (auto it = vi.find("sender_peak_rss_bytes"); it != vi.end())
      peak = std::max(peak, it->second);
  if (values.count("sender_peak_rss_bytes")) values["sender_peak_rss_bytes"] = peak;
}

// The run's clock from the first stream's start to the last one's end,
// every stream's latency samples, and the streams' spread.
void streams_clock_values(const std::vector<std::unique_ptr<TransferStream>>& streams,
                          const std::vector<Values>& v, double bytes, Values& values) {
  std::uint64_t from = streams[0]->timed_from, to = 0;
  std::vector<std::uint64_t> lat;
  std::vector<double> tput;
  for (unsigned i = 0; i < streams.size(); ++i) {
    from = std::min(from, streams[i]->timed_from);
    to = std::max(to, streams[i]->timed_to);
    lat.insert(lat.end(), streams[i]->latencies().begin(), streams[i]->latencies().end());
    tput.push_back(v[i].at("throughput_bytes_per_s"));
  }
  double wall = double(to - from) * 1e-9;
  values["wall_s"] = wall;
  values["throughput_bytes_per_s"] = bytes / wall;
  if (!lat.empty()) add_latency_values(lat, values);
  add_stream_spread(tput, values);
}

// Figures of the whole process or machine: each stream's own window saw
// the other streams' work too, so they come from the aggregate window. The
// senders are N threads of this process: their CPU is the process's over
// the window (io_uring's workers included), per byte of every stream; the
// receivers' adds up per stream.
void window_values(const MeterWindow& w, double bytes, Values& values) {
  const auto process = w.process();
  const double kb = bytes / 1024;
  values["sender_process_cpu_ns_per_byte"] = process.cpu_s() * 1e9 / bytes;
  values["sender_user_s"] = process.user_s;
  values["sender_sys_s"] = process.sys_s;
  values["sender_cpu_ns_per_byte"] = process.cpu_s() * 1e9 / bytes;
  values["sender_cpu_us_per_kb"] = process.cpu_s() * 1e6 / kb;
  double receivers = values.count("receiver_cpu_ns_per_byte")
                         ? values["receiver_cpu_ns_per_byte"] * 1e-9 * bytes
                         : 0;
  values["total_cpu_ns_per_byte"] = (process.cpu_s() + receivers) * 1e9 / bytes;
  values["total_cpu_us_per_kb"] = (process.cpu_s() + receivers) * 1e6 / kb;
  if (auto d = w.cpu()) {
    values["softirq_s"] = d->softirq_s;
    values["softirq_ns_per_byte"] = d->softirq_s * 1e9 / bytes;
    values["system_cpu_s"] = d->busy_s;
    values["system_cpu_ns_per_byte"] = d->busy_s * 1e9 / bytes;
    values["system_cpu_us_per_kb"] = d->busy_s * 1e6 / kb;
    if (d->waiting_s >= 0 && w.t1() > w.t0())
      values["cpu_pressure_share"] = d->waiting_s / (double(w.t1() - w.t0()) * 1e-9);
  }
  if (auto io = w.storage()) {
    values["storage_read_bytes"] = double(io->read_bytes);
    values["storage_write_bytes"] = double(io->write_bytes);
  }
}

// Stream 0's repetition carries the run's sections (receiver, kernel,
// cache); each stream's own figures and checks go beside it, and any
// stream's failed check is the run's.
json streams_json(std::vector<json>& reps, const Values& values) {
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

}  // namespace

TransferRun::TransferRun(const RunSpec& spec, const PlanContext& plan,
                         std::function<const SourceFile&(std::uint64_t, unsigned)> source)
    : spec_(spec),
      source_(std::move(source)),
      stream_settings_(plan.settings),
      stream_plan_{stream_settings_, plan.work_dir, plan.calibration} {
  stream_settings_.tuning = stream_tuning(stream_settings_.tuning, spec.streams);
  RunSpec one = spec;
  one.streams = 1;
  for (unsigned i = 0; i < std::max(1u, spec.streams); ++i)
    streams_.push_back(std::make_unique<TransferStream>(
        one, stream_plan_,
        [this, i](std::uint64_t size) -> const SourceFile& { return source_(size, i); }));
}

TransferRun::~TransferRun() = default;

json TransferRun::repetition(Values& values, Unavailable& unavailable, bool kernel_counters) {
  // The run alone: on this thread, its figures are the run's.
  if (streams_.size() == 1)
    return streams_[0]->repetition(values, unavailable, kernel_counters, nullptr);
  const unsigned n = unsigned(streams_.size());
  // Sources are made here, one at a time, before the streams start.
  for (unsigned i = 0; i < n; ++i) source_(spec_.conditions.size, i);
  MeterWindow window(MeterSet{/*system_cpu=*/true, {}});
  std::vector<Values> v(n);
  std::vector<Unavailable> u(n);
  std::vector<json> reps(n);
  run_streams(n, /*fresh_threads=*/false, window, [&](unsigned i, StreamGate& gate) {
    reps[i] = streams_[i]->repetition(v[i], u[i], kernel_counters, &gate);
  });
  const double bytes = double(spec_.conditions.size) * n;
  merge_streams(spec_, v, u, values, unavailable);
  streams_clock_values(streams_, v, bytes, values);
  window_values(window, bytes, values);
  return streams_json(reps, values);
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
  double thread = metric_median(record, "sender_cpu_ns_per_byte");
  double process = metric_median(record, "sender_process_cpu_ns_per_byte");
  if (process > 0.05 && process > 1.5 * thread)
    warnings.push_back(
        "sender CPU runs on other threads of the process (io_uring io-wq workers): "
        "sender thread " +
        std::to_string(thread) + " ns/B, whole process " + std::to_string(process) +
        " ns/B (sender_process_cpu_ns_per_byte)");
  if (spec_.streams > 1)
    if (auto w = streams_share_cores(spec_.streams, "a busy sender and receiver"); !w.empty())
      warnings.push_back(w);
}

}  // namespace zc
