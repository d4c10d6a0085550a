#include "harness/measure/accounting.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "harness/measure/model_check.hpp"

namespace zc {
using nlohmann::json;

namespace {

pid_t this_tid() { return pid_t(::syscall(SYS_gettid)); }

unsigned online_cpus() {
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? unsigned(n) : 1;
}

// A count (or a field sum) from a set's results, or why it is missing.
struct Lookup {
  const std::map<std::string, PerfEventResult>* results = nullptr;
  std::string set_reason;  // the whole set was refused

  Maybe<std::uint64_t> count(const std::string& key, std::uint64_t minus = 0) const {
    if (!results) return {std::nullopt, set_reason};
    auto it = results->find(key);
    if (it == results->end()) return {std::nullopt, "not counted"};
    if (!it->second.available) return {std::nullopt, it->second.reason};
    auto v = it->second.count;
    return {v >= minus ? v - minus : 0, ""};
  }
  Maybe<std::uint64_t> sum(const std::string& key, const std::string& field) const {
    auto c = count(key);
    if (!c.value) return c;
    const auto& r = results->at(key);
    if (auto f = r.sums.find(field); f != r.sums.end()) return {f->second, ""};
    return {std::nullopt, r.sums_reason.empty() ? "field " + field + " not summed" : r.sums_reason};
  }
};

// Turns the receiver's JSON report of its counters back into results.
std::map<std::string, PerfEventResult> results_from_json(const json& events) {
  std::map<std::string, PerfEventResult> out;
  for (auto& [key, e] : events.items()) {
    PerfEventResult r;
    r.available = e.value("available", false);
    r.reason = e.value("reason", "");
    r.method = e.value("method", "");
    r.count = e.value("count", std::uint64_t(0));
    if (e.contains("sums")) r.sums = e["sums"].get<std::map<std::string, std::uint64_t>>();
    r.sums_reason = e.value("sums_reason", "");
    out[key] = r;
  }
  return out;
}

void put(std::map<std::string, double>& values, std::map<std::string, std::string>& unavailable,
         const std::string& key, const Maybe<std::uint64_t>& m, double scale = 1) {
  if (m.value)
    values[key] = double(*m.value) * scale;
  else
    unavailable[key] = m.why_not;
}

}  // namespace

json describe_measurements() {
  json out;
  auto entry = [](bool ok, const std::string& why, const std::string& method) {
    return ok ? json{{"available", true}, {"method", method}}
              : json{{"available", false}, {"reason", why}, {"method", method}};
  };
  // Open every event the harness uses, as a run would, and say which work.
  auto specs = sender_event_specs();
  specs.push_back({"receiver_copies", "skb/skb_copy_datagram_iovec", {"len"}});
  PerfCounterSet set(0, specs);
  set.start();
  set.stop();
  auto r = set.read();
  auto event = [&](const char* key, const std::string& what) {
    if (!set.available()) return entry(false, set.reason(), what);
    const auto& e = r[key];
    bool sums = e.available && e.sums_reason.empty();
    return entry(e.available, e.available ? e.sums_reason : e.reason,
                 what + (e.available && !sums ? " (counts only)" : ""));
  };
  out["sender_syscalls_traced"] = event("syscalls", "tracepoint raw_syscalls:sys_enter");
  out["context_switches_traced"] = event("context_switches", "perf software event");
  out["page_faults_traced"] = event("page_faults", "perf software event");
  out["sched_switches_traced"] = event("sched_switches", "tracepoint sched:sched_switch");
  out["receiver_copies"] =
      event("receiver_copies", "tracepoint skb:skb_copy_datagram_iovec, len summed");
  out["page_cache_insertions"] = event(
      "page_cache_insertions", "tracepoint filemap:mm_filemap_add_to_page_cache, order summed");
  out["transmit_linear_paged_bytes"] =
      event("device_transmits", "tracepoint net:net_dev_start_xmit, len and data_len summed");
  std::string why;
  out["softirq_and_system_cpu"] = entry(SystemCpu::now(&why).has_value(), why, "/proc/stat");
  out["memcpy_calibration"] = entry(true, "", "memcpy, fixed time, at the start of each run");
  return out;
}

json describe_kernel_counters(bool quiet) {
  static bool printed = false;
  json j;
  auto perf = perf_events_support();
  std::string how;
  auto tracefs = tracefs_support(&how);
  j["perf_events"] =
      perf ? json{{"available", true}} : json{{"available", false}, {"reason", *perf.missing}};
  j["tracepoints"] = tracefs ? json{{"available", true}, {"tracefs", how}}
                             : json{{"available", false}, {"reason", *tracefs.missing}};
  std::string why = !perf ? *perf.missing : !tracefs ? *tracefs.missing : "";
  if (!why.empty() && !quiet && !printed) {
    printed = true;
    std::fprintf(stderr, "zc-bench: kernel counters unavailable: %s; the runs go on without them\n",
                 why.c_str());
  }
  return j;
}

void Accounting::begin(bool kernel_counters) {
  if (!kernel_counters) {
    sender_.reset();  // open events cost even between windows: they always count
  } else if (!sender_ || sender_tid_ != this_tid()) {
    sender_tid_ = this_tid();
    sender_ = std::make_unique<PerfCounterSet>(0, sender_event_specs());
  }
  cpu0_ = SystemCpu::now(&cpu_why_);
  if (sender_) sender_->start();
}

void Accounting::end_strategy() {
  if (sender_) sender_->stop();
}

void Accounting::end() { cpu1_ = SystemCpu::now(&cpu_why_); }

json Accounting::record(const RepetitionFacts& f, std::map<std::string, double>& values,
                        std::map<std::string, std::string>& unavailable) {
  const auto& c = f.conditions;
  const double bytes = double(c.size);
  const double kb = bytes / 1024;
  json kernel;

  // Sender: the strategy's window (its steps and finish, not the wait for the sink).
  std::map<std::string, PerfEventResult> sender_results;
  Lookup snd{nullptr, kCountersInEvidenceOnly};
  if (sender_) {  // open only in repetitions that count
    sender_results = sender_->read();
    snd = {sender_->available() ? &sender_results : nullptr, sender_->reason()};
    kernel["sender"] = to_json(*sender_, sender_results);
    kernel["sender"]["window"] = "the strategy's calls: from the first step to the end of finish()";
  } else {
    kernel["sender"] = {{"available", false}, {"reason", kCountersInEvidenceOnly}};
  }
  auto traced = snd.count("syscalls", PerfCounterSet::kStopSyscalls);
  put(values, unavailable, "traced_sender_syscalls", traced);
  if (traced.value && f.chunks)
    values["traced_sender_syscalls_per_chunk"] = double(*traced.value) / double(f.chunks);
  else
    unavailable["traced_sender_syscalls_per_chunk"] = traced.value ? "no chunks" : traced.why_not;
  put(values, unavailable, "traced_sender_context_switches", snd.count("context_switches"));
  put(values, unavailable, "traced_sender_sched_switches", snd.count("sched_switches"));
  put(values, unavailable, "traced_sender_page_faults", snd.count("page_faults"));
  put(values, unavailable, "traced_sender_task_clock_s", snd.count("task_clock_ns"), 1e-9);
  auto pc_pages = snd.sum("page_cache_insertions", "pages_of_order");
  put(values, unavailable, "page_cache_insertion_pages", pc_pages);
  put(values, unavailable, "page_cache_insertion_folios", snd.count("page_cache_insertions"));

  // Receiver: its own counters over its receive loop (see receiver.cpp).
  Lookup rcv;
  std::map<std::string, PerfEventResult> receiver_results;
  if (!f.receiver) {
    rcv.set_reason = "no receiver process: the " + std::string(to_string(c.sink)) +
                     " sink is written by the sender alone";
  } else if (!f.receiver->kernel.value("available", false)) {
    rcv.set_reason =
        f.receiver->kernel.value("reason", std::string("the receiver sent no counters"));
  } else {
    receiver_results = results_from_json(f.receiver->kernel["events"]);
    rcv.results = &receiver_results;
  }
  if (f.receiver) kernel["receiver"] = f.receiver->kernel;
  auto copy_calls = rcv.count("copies_to_user");
  auto copy_bytes = rcv.sum("copies_to_user", "len");
  put(values, unavailable, "receiver_copy_calls", copy_calls);
  put(values, unavailable, "receiver_copy_bytes", copy_bytes);
  put(values, unavailable, "traced_receiver_syscalls",
      rcv.count("syscalls", PerfCounterSet::kStopSyscalls));
  put(values, unavailable, "traced_receiver_context_switches", rcv.count("context_switches"));
  put(values, unavailable, "traced_receiver_page_faults", rcv.count("page_faults"));

  // Device transmits in either task's context (on loopback the receiver's
  // ACK processing transmits the sender's queued data too).
  {
    auto s_n = snd.count("device_transmits"), s_len = snd.sum("device_transmits", "len"),
         s_data = snd.sum("device_transmits", "data_len");
    Maybe<std::uint64_t> r_n{0, ""}, r_len{0, ""}, r_data{0, ""};
    if (f.receiver) {
      r_n = rcv.count("device_transmits");
      r_len = rcv.sum("device_transmits", "len");
      r_data = rcv.sum("device_transmits", "data_len");
    }
    auto add = [](const Maybe<std::uint64_t>& a, const Maybe<std::uint64_t>& b) {
      if (!a.value) return a;
      if (!b.value) return Maybe<std::uint64_t>{std::nullopt, "receiver: " + b.why_not};
      return Maybe<std::uint64_t>{*a.value + *b.value, ""};
    };
    auto n = add(s_n, r_n), len = add(s_len, r_len), data = add(s_data, r_data);
    put(values, unavailable, "transmit_skbs", n);
    put(values, unavailable, "transmit_paged_bytes", data);
    if (len.value && data.value)
      values["transmit_linear_bytes"] = double(*len.value - *data.value);
    else
      unavailable["transmit_linear_bytes"] = len.value ? data.why_not : len.why_not;
  }

  // Service demand, netperf style, and the CPU no process is charged for.
  values["sender_cpu_us_per_kb"] = f.sender.cpu_s() * 1e6 / kb;
  double total = f.sender.cpu_s();
  if (f.receiver) {
    values["receiver_cpu_us_per_kb"] = f.receiver->usage.cpu_s() * 1e6 / kb;
    total += f.receiver->usage.cpu_s();
  } else {
    unavailable["receiver_cpu_us_per_kb"] = rcv.set_reason;
  }
  values["total_cpu_us_per_kb"] = total * 1e6 / kb;
  if (cpu0_ && cpu1_) {
    auto d = *cpu1_ - *cpu0_;
    values["softirq_s"] = d.softirq_s;
    values["softirq_ns_per_byte"] = d.softirq_s * 1e9 / bytes;
    values["system_cpu_s"] = d.busy_s;
    values["system_cpu_ns_per_byte"] = d.busy_s * 1e9 / bytes;
    values["system_cpu_us_per_kb"] = d.busy_s * 1e6 / kb;
  } else {
    for (auto k : {"softirq_s", "softirq_ns_per_byte", "system_cpu_s", "system_cpu_ns_per_byte",
                   "system_cpu_us_per_kb"})
      unavailable[k] = cpu_why_;
  }

  // The model beside the evidence.
  MeasuredCopies m;
  m.size = c.size;
  m.chunk = c.chunk;
  m.chunks = f.chunks;
  m.exact_syscalls = f.calls.syscalls;
  m.bookkeeping_syscalls = f.calls.bookkeeping_syscalls;
  m.traced_syscalls = traced;
  m.bytes_to_user = f.calls.bytes_to_user;
  m.bytes_from_user = f.bytes_from_user;
  m.receiver_copies_traceable = f.receiver && is_socket_sink(c.sink);
  m.receiver_copy_calls = copy_calls;
  m.receiver_copy_bytes = copy_bytes;
  m.page_cache_pages = pc_pages;
  m.cache_resident_fraction = f.cache_resident_fraction;
  if (auto pf = snd.count("page_faults"); pf.value) {
    m.sender_faults = *pf.value;
    m.faults_method = "software-event page-faults";
  } else {
    m.sender_faults = std::uint64_t(f.sender.minor_faults + f.sender.major_faults);
    m.faults_method = "rusage";
  }

  // The copy-bound limit and how close the run came to it.
  json bound;
  if (f.calibration) {
    auto b = copy_bound(f.ledger, *f.calibration, online_cpus());
    bound = {{"critical_path_cpu_copies", b.copies}, {"basis", b.basis}, {"method", "estimate"}};
    if (b.limit_bytes_per_s > 0) {
      values["copy_bound_limit_bytes_per_s"] = b.limit_bytes_per_s;
      values["copy_efficiency"] = f.throughput / b.limit_bytes_per_s;
      bound["limit_bytes_per_s"] = b.limit_bytes_per_s;
      bound["efficiency"] = f.throughput / b.limit_bytes_per_s;
    } else {
      unavailable["copy_bound_limit_bytes_per_s"] = unavailable["copy_efficiency"] = b.basis;
    }
  } else {
    unavailable["copy_bound_limit_bytes_per_s"] = unavailable["copy_efficiency"] =
        "no memcpy calibration in this run";
  }
  return {{"kernel", kernel}, {"model_check", check_model(f.ledger, c, m)}, {"copy_bound", bound}};
}

ReceiverAccounting::ReceiverAccounting(bool kernel_counters) {
  if (kernel_counters) set_ = std::make_unique<PerfCounterSet>(0, receiver_event_specs());
}

json ReceiverAccounting::report() {
  if (!set_) return {{"available", false}, {"reason", kCountersInEvidenceOnly}};
  auto r = set_->read();
  auto j = to_json(*set_, r);
  j["window"] = "the receiver's loop: from its first read to end of stream";
  return j;
}

}  // namespace zc
