#include "harness/measure/accounting.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "harness/base/syscall_names.hpp"

namespace zc {
using nlohmann::json;

namespace {

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
  // partial_ok: a share is all the caller needs, so sums missing a few
  // records (lower bounds) will do.
  Maybe<std::uint64_t> sum(const std::string& key, const std::string& field,
                           bool partial_ok = false) const {
    auto c = count(key);
    if (!c.value) return c;
    const auto& r = results->at(key);
    if (r.sums_partial && !partial_ok) return {std::nullopt, r.sums_reason};
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
    r.sums_partial = e.value("sums_partial", false);
    if (e.contains("groups"))
      for (const auto& g : e["groups"]) {
        PerfEventGroup one;
        one.count = g.value("count", std::uint64_t(0));
        if (g.contains("sums")) one.sums = g["sums"].get<std::map<std::string, std::uint64_t>>();
        if (g.contains("maxima"))
          one.maxima = g["maxima"].get<std::map<std::string, std::uint64_t>>();
        r.groups[g.value("key", std::vector<std::uint64_t>{})] = one;
      }
    out[key] = r;
  }
  return out;
}

// Which way a syscall's returned bytes cross the user boundary.
enum class Crosses { to_user, from_user, none, unseen, other };

Crosses crosses(long nr) {
  switch (nr) {
    case SYS_read:
    case SYS_pread64:
    case SYS_readv:
    case SYS_preadv:
    case SYS_preadv2:
    case SYS_recvfrom:
    case SYS_recvmsg:
      return Crosses::to_user;
    case SYS_write:
    case SYS_pwrite64:
    case SYS_writev:
    case SYS_pwritev:
    case SYS_pwritev2:
    case SYS_sendto:
    case SYS_sendmsg:
      return Crosses::from_user;
    case SYS_sendfile:
    case SYS_splice:
    case SYS_tee:
    case SYS_copy_file_range:
    case SYS_vmsplice:
      return Crosses::none;
    // Calls that move bytes without returning their count: io_uring's
    // ops run inside io_uring_enter and its workers; the m-variants
    // return messages.
    case SYS_io_uring_enter:
    case SYS_recvmmsg:
    case SYS_sendmmsg:
      return Crosses::unseen;
    default:
      return Crosses::other;
  }
}

}  // namespace

// The bytes the sender's calls moved across the user boundary, from their
// return values (raw_syscalls:sys_exit by thread and number), on `tid`
// only when given.
BoundaryBytes boundary_bytes(const std::map<std::string, PerfEventResult>* results,
                             const std::string& why_missing, std::optional<pid_t> tid,
                             SinkKind sink, const ZeroCopyCompletions& zc) {
  const Lookup snd{results, why_missing};
  BoundaryBytes b;
  auto missing = [&](const std::string& why) {
    b.to_user = b.from_user = {std::nullopt, why};
    return b;
  };
  if (!snd.results) return missing(snd.set_reason);
  auto it = snd.results->find("syscall_returns");
  if (it == snd.results->end()) return missing("not counted");
  const auto& r = it->second;
  if (!r.available) return missing(r.reason);
  if (r.sums_partial) return missing("records were lost: " + r.sums_reason);
  if (r.groups.empty() && !r.sums_reason.empty()) return missing(r.sums_reason);
  std::uint64_t to = 0, from = 0;
  std::string unseen;
  for (const auto& [key, g] : r.groups) {
    if (key.size() < 2 || (tid && key[0] != std::uint64_t(*tid))) continue;
    const long nr = long(key[1]);
    const auto way = crosses(nr);
    if (way == Crosses::other) continue;
    const auto bytes = g.sums.count("ret") ? g.sums.at("ret") : 0;
    const std::string name = syscall_name(nr);
    auto& e = b.calls[name];
    if (e.is_null()) e = json::object();
    e["calls"] = e.value("calls", std::uint64_t(0)) + g.count;
    e["returned"] = e.value("returned", std::uint64_t(0)) + bytes;
    e["crosses"] =
        way == Crosses::to_user ? "into user memory"
        : way == Crosses::from_user
            ? (sink == SinkKind::null ? "none (into /dev/null, unread)" : "out of user memory")
        : way == Crosses::none ? "none"
                               : "not shown by the return value";
    if (way == Crosses::to_user) to += bytes;
    if (way == Crosses::from_user && sink != SinkKind::null) from += bytes;
    if (way == Crosses::unseen && g.count && unseen.empty()) unseen = name;
  }
  if (!unseen.empty())
    return missing(unseen +
                   " moved bytes whose count its return value does not show (io_uring's ops run "
                   "inside the call and its workers)");
  // Zero-copy sends: by reference for what their completions did not mark copied.
  if (zc.requested) {
    b.calls["zero_copy_completions"] = {{"bytes_not_copied", zc.bytes_not_copied},
                                        {"bytes_copied", zc.bytes_copied}};
    from -= std::min(from, zc.bytes_not_copied);
  }
  b.to_user = {to, ""};
  b.from_user = {from, ""};
  b.scope = tid ? "the data thread (tid " + std::to_string(*tid) + ")"
                : "every thread the counters follow";
  return b;
}

json describe_measurements() {
  json out;
  auto entry = [](bool ok, const std::string& why, const std::string& method) {
    return ok ? json{{"available", true}, {"method", method}}
              : json{{"available", false}, {"reason", why}, {"method", method}};
  };
  // Open every event the harness uses, as a run would, and say which work.
  auto specs = sender_event_specs();
  specs.push_back({"receiver_copies", "skb/skb_copy_datagram_iovec", {"len"}});
  PerfCounterSet set(PerfTarget::threads_of_caller(), specs);
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

void Figures::put(const std::string& key, const Maybe<std::uint64_t>& m, double scale) {
  if (m.value)
    values[key] = double(*m.value) * scale;
  else
    unavailable[key] = m.why_not;
}

void Figures::missing(std::initializer_list<const char*> keys, const std::string& why) {
  for (auto k : keys) unavailable[k] = why;
}

void Accounting::attach_worker(pid_t pid, bool kernel_counters) {
  sender_.reset();
  worker_ = pid;
  worker_attached_ = true;
  if (kernel_counters)
    sender_ = std::make_unique<PerfCounterSet>(PerfTarget{pid, true, false}, worker_event_specs());
}

void Accounting::begin(bool kernel_counters, const std::string& egress_device) {
  // Reopened for every counting repetition: a set follows the threads the
  // caller creates after it opens (io-wq workers of this repetition's
  // ring), and must not follow those of the next repetition's sink. Open
  // events cost even between windows: they always count. An external
  // program's set was opened by attach_worker() before it started.
  const bool worker = std::exchange(worker_attached_, false);
  if (!worker) {
    sender_.reset();
    worker_ = -1;
  }
  if (!kernel_counters) sender_.reset();
  device_.reset();
  device_name_.clear();
  if (kernel_counters) {
    // The device's set first: its ring-draining thread must not be one of
    // the threads the sender's set follows.
    if (!egress_device.empty()) {
      device_name_ = egress_device;
      device_ = std::make_unique<PerfCounterSet>(PerfTarget::all_tasks(),
                                                 device_transmit_specs(egress_device));
    }
    if (!worker)
      sender_ =
          std::make_unique<PerfCounterSet>(PerfTarget::threads_of_caller(), sender_event_specs());
  }
  cpu0_ = SystemCpu::now(&cpu_why_);
  if (device_) device_->start();
  if (sender_) sender_->start();
}

void Accounting::end_strategy() {
  if (sender_) sender_->stop();
}

void Accounting::end() {
  cpu1_ = SystemCpu::now(&cpu_why_);
  // Transmits go on until the receiver has every byte: the device's
  // window is the whole timed region.
  if (device_) device_->stop();
}

// The kernel's counts of one repetition: the sender's and the receiver's.
struct Accounting::Counts {
  std::map<std::string, PerfEventResult> sender_results, receiver_results;
  Lookup snd{nullptr, kCountersInEvidenceOnly};
  Lookup rcv;
  Maybe<std::uint64_t> traced, copy_calls, copy_bytes, pc_pages;
  // An external program's: its data syscalls (on its data thread, less
  // the protocol's lines) and every syscall of that thread.
  Maybe<std::uint64_t> data_calls, thread_calls;
  std::string data_scope;
  nlohmann::json other_calls;
  Maybe<std::uint64_t> linear, paged;
  bool every_context = false;
  std::string transmit_scope;
};

// Sender: the strategy's window (its steps and finish, not the wait for
// the sink), over every thread of the process.
json Accounting::sender_counts(Counts& k, const RepetitionFacts& f, Figures& out) {
  json j;
  if (sender_) {  // open only in repetitions that count
    k.sender_results = sender_->read();
    k.snd = {sender_->available() ? &k.sender_results : nullptr, sender_->reason()};
    j = to_json(*sender_, k.sender_results);
    j["window"] = "the strategy's calls: from the first step to the end of finish()";
    j["tasks"] = worker_ > 0 ? "the external program (pid " + std::to_string(worker_) +
                                   ") and every thread it created: perf inherit_thread, "
                                   "attached before the program started"
                             : "the sender thread and every thread it created in the window "
                               "(io_uring's io-wq workers): perf inherit_thread";
  } else {
    j = {{"available", false}, {"reason", kCountersInEvidenceOnly}};
  }
  // The stop snapshot's read() is ours, not an external program's.
  k.traced = k.snd.count("syscalls", worker_ > 0 ? 0 : PerfCounterSet::kStopSyscalls);
  out.put("traced_sender_syscalls", k.traced);
  if (k.traced.value && f.chunks)
    out.values["traced_sender_syscalls_per_chunk"] = double(*k.traced.value) / double(f.chunks);
  else
    out.unavailable["traced_sender_syscalls_per_chunk"] =
        k.traced.value ? "no chunks" : k.traced.why_not;
  out.put("traced_sender_context_switches", k.snd.count("context_switches"));
  out.put("traced_sender_sched_switches", k.snd.count("sched_switches"));
  out.put("traced_sender_page_faults", k.snd.count("page_faults"));
  out.put("traced_sender_task_clock_s", k.snd.count("task_clock_ns"), 1e-9);
  k.pc_pages = k.snd.sum("page_cache_insertions", "pages_of_order");
  out.put("page_cache_insertion_pages", k.pc_pages);
  out.put("page_cache_insertion_folios", k.snd.count("page_cache_insertions"));
  return j;
}

namespace {

// What an external program's threads called in the window.
struct WorkerTally {
  json data = json::object(), others = json::object();  // syscall name -> figures
  std::uint64_t data_calls = 0, thread_calls = 0, moved = 0, moving_calls = 0, largest = 0;
};

// The bytes a data syscall returned, less the protocol's lines where a
// data syscall carried them: the done line's write, and a read of "go"
// that entered before the window opened (its exit is counted, its entry
// is not).
void add_moved(const std::string& name, std::uint64_t bytes, std::uint64_t calls,
               std::uint64_t entered, std::uint64_t largest, const WorkerFacts& w, WorkerTally& t) {
  if (name == "write" && w.protocol_calls && calls > 0) {
    bytes -= std::min(bytes, w.protocol_bytes);
    --calls;
  }
  if (calls > entered) {
    bytes -= std::min(bytes, 3 * (calls - entered));  // "go\n"
    calls = entered;
  }
  t.moved += bytes;
  t.moving_calls += calls;
  t.largest = std::max(t.largest, largest);
}

// One syscall number's calls on the data thread, and what they returned
// (`returned`, when traced), into the tally under its name.
void tally_data_call(const std::string& name, bool is_data, const PerfEventGroup& entered,
                     const PerfEventGroup* returned, const WorkerFacts& w, WorkerTally& t) {
  const json before = t.data.contains(name) ? t.data[name] : json::object();
  json entry = {{"calls", before.value("calls", std::uint64_t(0)) + entered.count},
                {"data_path", is_data}};
  if (returned && returned->sums.count("ret")) {
    const auto bytes = returned->sums.at("ret"), largest = returned->maxima.at("ret");
    entry["returned_sum"] = before.value("returned_sum", 0ull) + bytes;
    entry["returned_max"] = std::max<std::uint64_t>(before.value("returned_max", 0ull), largest);
    if (is_data && bytes > 0) add_moved(name, bytes, returned->count, entered.count, largest, w, t);
  }
  t.data[name] = entry;
  if (is_data) t.data_calls += entered.count;
}

// Every (thread, syscall) group the tracepoints saw: the data thread's
// (every thread's, when `named` is false) by name, the others' counted apart.
WorkerTally tally_worker_calls(const PerfEventResult& enter,
                               const std::map<std::vector<std::uint64_t>, PerfEventGroup>& returns,
                               const WorkerFacts& w, bool named) {
  WorkerTally t;
  for (const auto& [key, g] : enter.groups) {
    const long nr = long(key[1]);
    const std::string name = syscall_name(nr);
    if (named && key[0] != std::uint64_t(*w.data_tid)) {
      t.others[name] = t.others.value(name, std::uint64_t(0)) + g.count;
      continue;
    }
    t.thread_calls += g.count;
    const bool is_data =
        std::find(w.data_syscalls.begin(), w.data_syscalls.end(), nr) != w.data_syscalls.end();
    auto r = returns.find(key);
    tally_data_call(name, is_data, g, r == returns.end() ? nullptr : &r->second, w, t);
  }
  return t;
}

}  // namespace

// An external program's syscalls, thread by thread and number by number:
// what its data path called (does transferTo reach sendfile? in what
// sizes?), apart from what its runtime's other threads did meanwhile.
json Accounting::worker_syscalls(Counts& k, const RepetitionFacts& f, Figures& out) {
  const WorkerFacts& w = *f.worker;
  auto not_here = [&](const std::string& why) {
    k.data_calls = k.thread_calls = {std::nullopt, why};
    out.missing({"traced_data_syscalls_per_chunk", "traced_data_bytes_per_call"}, why);
    return json{{"available", false}, {"reason", why}};
  };
  if (!k.snd.results) return not_here(k.snd.set_reason);
  auto enter = k.sender_results.find("syscalls_by_thread");
  if (enter == k.sender_results.end() || !enter->second.available)
    return not_here(enter == k.sender_results.end() ? "not counted" : enter->second.reason);
  if (enter->second.groups.empty() && !enter->second.sums_reason.empty())
    return not_here(enter->second.sums_reason);
  std::map<std::vector<std::uint64_t>, PerfEventGroup> returns;
  if (auto r = k.sender_results.find("syscall_returns"); r != k.sender_results.end())
    returns = r->second.groups;
  // The data thread, when the program named one that called anything.
  bool named = false;
  for (const auto& [key, g] : enter->second.groups)
    named |= w.data_tid && key[0] == std::uint64_t(*w.data_tid);
  const WorkerTally t = tally_worker_calls(enter->second, returns, w, named);
  const auto protocol = std::min(w.protocol_calls, t.data_calls);
  k.data_calls = {t.data_calls - protocol, ""};
  k.thread_calls = {t.thread_calls, ""};
  k.other_calls = t.others;
  std::string names;
  for (long nr : w.data_syscalls) names += (names.empty() ? "" : "+") + syscall_name(nr);
  k.data_scope = names + (named ? " on the data thread (tid " + std::to_string(*w.data_tid) + ")"
                                : " on every thread (the program named no data thread)");
  if (f.chunks)
    out.values["traced_data_syscalls_per_chunk"] =
        double(t.data_calls - protocol) / double(f.chunks);
  else
    out.unavailable["traced_data_syscalls_per_chunk"] = "no chunks";
  if (t.moving_calls)
    out.values["traced_data_bytes_per_call"] = double(t.moved) / double(t.moving_calls);
  else
    out.unavailable["traced_data_bytes_per_call"] = "no data syscall returned bytes";
  json j = {
      {"available", true},
      {"data_thread", named ? json(*w.data_tid) : json("every thread")},
      {"data_thread_calls", t.data},
      {"other_threads_calls", t.others},
      {"data_syscalls", names},
      {"protocol_calls_left_out", protocol},
      {"bytes_per_moving_call", t.moving_calls ? double(t.moved) / double(t.moving_calls) : 0.0},
      {"largest_return", t.largest},
      {"method",
       "tracepoints raw_syscalls:sys_enter (calls) and sys_exit (returned values) by "
       "thread and syscall number, every thread of the program"}};
  if (enter->second.sums_partial) j["partial"] = enter->second.sums_reason;
  return j;
}

// Receiver: its own counters over its receive loop (see receiver.cpp).
json Accounting::receiver_counts(Counts& k, const RepetitionFacts& f, Figures& out) {
  const auto& c = f.conditions;
  if (!f.receiver) {
    k.rcv.set_reason = "no receiver process: the " + std::string(to_string(c.sink)) +
                       " sink is written by the sender alone";
  } else if (!f.receiver->kernel.value("available", false)) {
    k.rcv.set_reason =
        f.receiver->kernel.value("reason", std::string("the receiver sent no counters"));
  } else {
    k.receiver_results = results_from_json(f.receiver->kernel["events"]);
    k.rcv.results = &k.receiver_results;
  }
  k.copy_calls = k.rcv.count("copies_to_user");
  k.copy_bytes = k.rcv.sum("copies_to_user", "len");
  out.put("receiver_copy_calls", k.copy_calls);
  out.put("receiver_copy_bytes", k.copy_bytes);
  out.put("traced_receiver_syscalls", k.rcv.count("syscalls", PerfCounterSet::kStopSyscalls));
  out.put("traced_receiver_context_switches", k.rcv.count("context_switches"));
  out.put("traced_receiver_page_faults", k.rcv.count("page_faults"));
  return f.receiver ? f.receiver->kernel : json();
}

namespace {

// A repetition's transmits: how many, their bytes (len) and paged bytes
// (data_len), and where they were seen.
struct Transmits {
  Maybe<std::uint64_t> n, len, data;
  bool every_context = false;
  std::string scope;
  json counters;
};

// On the egress device, in every context.
Transmits device_transmits(PerfCounterSet& device, const std::string& name) {
  Transmits t;
  auto r = device.read();
  Lookup dev{&r, ""};
  t.n = dev.count("device_transmits");
  t.len = dev.sum("device_transmits", "len", true);
  t.data = dev.sum("device_transmits", "data_len", true);
  t.every_context = t.n.value.has_value();
  t.scope = "device " + name + ", every context (system-wide, filtered)";
  if (auto it = r.find("device_transmits"); it != r.end() && it->second.sums_partial)
    t.scope += "; byte sums are lower bounds: " + it->second.sums_reason;
  t.counters = to_json(device, r);
  return t;
}

// On any device, from the sender's and (when there is one) the receiver's tasks.
Transmits task_transmits(const Lookup& snd, const Lookup& rcv, bool receiver) {
  auto add = [](const Maybe<std::uint64_t>& a, const Maybe<std::uint64_t>& b) {
    if (!a.value) return a;
    if (!b.value) return Maybe<std::uint64_t>{std::nullopt, "receiver: " + b.why_not};
    return Maybe<std::uint64_t>{*a.value + *b.value, ""};
  };
  Maybe<std::uint64_t> zero{0, ""};
  auto r = [&](const char* field) {
    if (!receiver) return zero;
    return field ? rcv.sum("device_transmits", field) : rcv.count("device_transmits");
  };
  Transmits t;
  t.n = add(snd.count("device_transmits"), r(nullptr));
  t.len = add(snd.sum("device_transmits", "len"), r("len"));
  t.data = add(snd.sum("device_transmits", "data_len"), r("data_len"));
  t.scope =
      "any device, in the sender's and the receiver's task contexts only (transmits run in "
      "ksoftirqd or other tasks are not seen)";
  return t;
}

// The transmits' figures; returns the bytes that left in linear buffers.
Maybe<std::uint64_t> transmit_figures(const Transmits& t, const RepetitionFacts& f, Figures& out) {
  out.put("transmit_skbs", t.n);
  out.put("transmit_paged_bytes", t.data);
  Maybe<std::uint64_t> linear;
  if (t.len.value && t.data.value) {
    linear = Maybe<std::uint64_t>{*t.len.value - *t.data.value, ""};
    out.values["transmit_linear_bytes"] = double(*linear.value);
    const double seen = double(*t.len.value);
    out.values["transmit_seen_fraction"] = seen / double(f.conditions.size);
    if (seen > 0)
      out.values["transmit_linear_fraction"] = double(*linear.value) / seen;
    else
      out.unavailable["transmit_linear_fraction"] = "no transmit was seen";
  } else {
    linear = {std::nullopt, t.len.value ? t.data.why_not : t.len.why_not};
    out.missing({"transmit_linear_bytes", "transmit_seen_fraction", "transmit_linear_fraction"},
                linear.why_not);
  }
  // Zero-copy sends whose pages were linearised on the way out were
  // copied, whatever their completions say (software GSO without
  // scatter-gather does not mark them).
  if (f.calls.zerocopy.requested && out.values.count("transmit_linear_fraction"))
    out.values["zerocopy_transmit_copied_fraction"] = out.values["transmit_linear_fraction"];
  else
    out.unavailable["zerocopy_transmit_copied_fraction"] =
        !f.calls.zerocopy.requested ? "the strategy sends no zero-copy requests"
        : out.unavailable.count("transmit_linear_fraction")
            ? out.unavailable["transmit_linear_fraction"]
            : "no transmit was seen";
  return linear;
}

}  // namespace

// Device transmits. On a device only this run uses (the veth pair), every
// context is counted: the sender's, the receiver's softirq, ksoftirqd,
// io-wq. Elsewhere (loopback, a real NIC shared with other traffic) only
// what runs in the sender's and the receiver's tasks, and the share of the
// payload that was seen is reported.
json Accounting::transmits(Counts& k, const RepetitionFacts& f, Figures& out) {
  const bool on_device = device_ && device_->available();
  Transmits t = on_device ? device_transmits(*device_, device_name_)
                          : task_transmits(k.snd, k.rcv, f.receiver != nullptr);
  if (!on_device && device_) t.counters = to_json(*device_, {});
  k.every_context = t.every_context;
  k.transmit_scope = t.scope;
  k.paged = t.data;
  k.linear = transmit_figures(t, f, out);
  json j = t.counters;
  j["scope"] = t.scope;
  return j;
}

// Service demand, netperf style, and the CPU no process is charged for.
void Accounting::service_demand(const RepetitionFacts& f, Figures& out) {
  const double bytes = double(f.conditions.size), kb = bytes / 1024;
  const Usage& sender = f.sender_process ? *f.sender_process : f.sender;
  out.values["sender_cpu_us_per_kb"] = sender.cpu_s() * 1e6 / kb;
  double total = sender.cpu_s();
  if (f.receiver) {
    out.values["receiver_cpu_us_per_kb"] = f.receiver->usage.cpu_s() * 1e6 / kb;
    total += f.receiver->usage.cpu_s();
  } else {
    out.unavailable["receiver_cpu_us_per_kb"] = "no receiver process: the " +
                                                std::string(to_string(f.conditions.sink)) +
                                                " sink is written by the sender alone";
  }
  out.values["total_cpu_us_per_kb"] = total * 1e6 / kb;
  if (cpu0_ && cpu1_) {
    auto d = *cpu1_ - *cpu0_;
    out.values["softirq_s"] = d.softirq_s;
    out.values["softirq_ns_per_byte"] = d.softirq_s * 1e9 / bytes;
    out.values["system_cpu_s"] = d.busy_s;
    out.values["system_cpu_ns_per_byte"] = d.busy_s * 1e9 / bytes;
    out.values["system_cpu_us_per_kb"] = d.busy_s * 1e6 / kb;
    if (d.waiting_s >= 0 && f.wall_s > 0) out.values["cpu_pressure_share"] = d.waiting_s / f.wall_s;
  } else {
    out.missing({"softirq_s", "softirq_ns_per_byte", "system_cpu_s", "system_cpu_ns_per_byte",
                 "system_cpu_us_per_kb"},
                cpu_why_);
  }
}

namespace {

// The copy-bound limit and how close the run came to it (an estimate from
// the calibrated memcpy cost), or why it bounds nothing here.
json copy_bound_figures(const RepetitionFacts& f, Figures& out) {
  auto b = copy_bound(f.ledger, *f.calibration, online_cpus());
  json bound = {{"critical_path_cpu_copies", b.copies}, {"basis", b.basis}, {"method", "estimate"}};
  if (b.limit_bytes_per_s <= 0) {
    out.missing({"copy_bound_limit_bytes_per_s", "copy_efficiency"}, b.basis);
    return bound;
  }
  const double eff = f.throughput / b.limit_bytes_per_s;
  bound["limit_bytes_per_s"] = b.limit_bytes_per_s;
  bound["efficiency"] = eff;
  if (eff <= 1 && f.calibration->dram.settled) {
    out.values["copy_bound_limit_bytes_per_s"] = b.limit_bytes_per_s;
    out.values["copy_efficiency"] = eff;
    return bound;
  }
  // Not a limit then: the copies cost less than calibrated here (their
  // source or destination cache-resident, or calibration disturbed).
  const std::string why =
      eff > 1 ? "calibration unreliable: throughput exceeded the copy-bound estimate (" +
                    std::to_string(eff).substr(0, 4) +
                    " x), so the calibrated DRAM memcpy cost bounds nothing"
              : "calibration unreliable: " + f.calibration->note;
  out.unavailable["copy_bound_limit_bytes_per_s"] = why;
  out.unavailable["copy_efficiency"] = why;
  bound["exceeded"] = eff > 1;
  bound["unreliable"] = why;
  return bound;
}

// Would zero copy pay? Each side's copies x the calibrated cost per byte,
// as a share of its CPU per byte.
void copy_shares(const RepetitionFacts& f, Figures& out, double per_byte) {
  const double bytes = double(f.conditions.size);
  const Usage& sender = f.sender_process ? *f.sender_process : f.sender;
  auto share = [&](const char* key, int copies, std::optional<double> cpu_ns_per_byte) {
    if (!cpu_ns_per_byte) return;
    if (*cpu_ns_per_byte <= 0) {
      out.unavailable[key] = "no CPU time was charged";
      return;
    }
    double s = copies * per_byte / *cpu_ns_per_byte;
    if (s <= 1)
      out.values[key] = s;
    else
      out.unavailable[key] =
          "the ledger's copies at the calibrated cost exceed the CPU time "
          "measured (" +
          std::to_string(s).substr(0, 4) +
          " x): the copies ran faster than DRAM memcpy, or elsewhere";
  };
  const int snd = f.ledger.cpu_copies(Side::sender), rcv = f.ledger.cpu_copies(Side::receiver);
  share("sender_copy_cpu_share", snd, sender.cpu_s() * 1e9 / bytes);
  double total = sender.cpu_s();
  if (f.receiver) {
    share("receiver_copy_cpu_share", rcv, f.receiver->usage.cpu_s() * 1e9 / bytes);
    total += f.receiver->usage.cpu_s();
  } else {
    out.unavailable["receiver_copy_cpu_share"] = "no receiver process";
  }
  share("copy_cpu_share", snd + rcv, total * 1e9 / bytes);
}

// The bytes the receiver's read()s of a pipe returned (raw_syscalls:sys_exit).
Maybe<std::uint64_t> receiver_pipe_reads(const Lookup& rcv,
                                         const std::map<std::string, PerfEventResult>& results) {
  auto it = results.find("syscall_returns");
  if (!rcv.results) return {std::nullopt, rcv.set_reason};
  if (it == results.end() || !it->second.available)
    return {std::nullopt, it == results.end() ? "not counted" : it->second.reason};
  if (it->second.sums_partial)
    return {std::nullopt, "records were lost: " + it->second.sums_reason};
  std::uint64_t got = 0;
  for (const auto& [key, g] : it->second.groups)
    if (!key.empty() && crosses(long(key[0])) == Crosses::to_user && g.sums.count("ret"))
      got += g.sums.at("ret");
  return {got, ""};
}

// The bytes TCP_ZEROCOPY_RECEIVE mapped, as the receiver reported them.
Maybe<std::uint64_t> receiver_mapped_bytes(const ReceiverReport& r) {
  auto it = r.evidence.find("zerocopy_receive_mapped_bytes");
  if (it != r.evidence.end()) return {it->second, ""};
  return {std::nullopt, "the receiver reported no mapped bytes"};
}

// The sender's page faults, and how they were counted.
void sender_faults(const RepetitionFacts& f, const Lookup& snd, MeasuredCopies& m) {
  if (f.worker && f.worker->data_thread_seen) {
    // A runtime's other threads fault for themselves (heap growth, JIT
    // code, GC): the ledger models the data path, so its thread is counted.
    m.sender_faults = std::uint64_t(f.sender.minor_faults + f.sender.major_faults);
    m.faults_method = "minflt+majflt of the program's data thread (/proc/PID/task/TID/stat)";
  } else if (auto pf = snd.count("page_faults"); pf.value) {
    m.sender_faults = *pf.value;
    m.faults_method = "software-event page-faults";
  } else {
    m.sender_faults = std::uint64_t(f.sender.minor_faults + f.sender.major_faults);
    m.faults_method = "rusage";
  }
}

}  // namespace

// The copy-bound limit, how close the run came to it, and the share of
// each side's CPU time that its copies would take at the calibrated cost.
json Accounting::copy_bound_and_share(const RepetitionFacts& f, Figures& out) {
  if (!f.calibration) {
    out.missing({"copy_bound_limit_bytes_per_s", "copy_efficiency", "copy_cpu_share",
                 "sender_copy_cpu_share", "receiver_copy_cpu_share"},
                "no memcpy calibration in this run");
    return {};
  }
  json bound = copy_bound_figures(f, out);
  const double per_byte = copy_ns_per_byte(*f.calibration);
  copy_shares(f, out, per_byte);
  bound["copy_ns_per_byte"] = per_byte;
  return bound;
}

// The model's inputs: the repetition's facts and the kernel's counts.
MeasuredCopies Accounting::measured_copies(const Counts& k, const RepetitionFacts& f) {
  const auto& c = f.conditions;
  MeasuredCopies m;
  m.size = c.size;
  m.chunk = c.chunk;
  m.chunks = f.chunks;
  m.exact_syscalls = f.calls.syscalls;
  m.bookkeeping_syscalls = f.calls.bookkeeping_syscalls;
  m.traced_syscalls = k.traced;
  if (f.worker) {
    m.external = true;
    m.exact_known = f.worker->reported_syscalls;
    m.traced_data_syscalls = k.data_calls;
    m.traced_thread_syscalls = k.thread_calls;
    m.data_syscall_scope = k.data_scope;
    m.other_thread_calls = k.other_calls;
  }
  std::optional<pid_t> tid;
  if (f.worker && f.worker->data_tid && f.worker->data_thread_seen) tid = f.worker->data_tid;
  auto b = boundary_bytes(k.snd.results, k.snd.set_reason, tid, c.sink, f.calls.zerocopy);
  m.kernel_to_user = b.to_user;
  m.kernel_from_user = b.from_user;
  m.boundary_calls = b.calls;
  m.boundary_scope = b.scope;
  m.zerocopy = f.calls.zerocopy;
  m.receiver_reads_pipe = f.receiver && c.sink == SinkKind::pipe;
  if (m.receiver_reads_pipe) m.receiver_read_bytes = receiver_pipe_reads(k.rcv, k.receiver_results);
  m.bytes_to_user = f.calls.bytes_to_user;
  m.bytes_from_user = f.bytes_from_user;
  m.receiver_copies_traceable = f.receiver && is_socket_sink(c.sink);
  m.receiver_copy_calls = k.copy_calls;
  m.receiver_copy_bytes = k.copy_bytes;
  m.receiver_maps = f.receiver && c.receiver == ReceiverMode::zerocopy_receive;
  if (m.receiver_maps) m.receiver_mapped_bytes = receiver_mapped_bytes(*f.receiver);
  m.page_cache_pages = k.pc_pages;
  m.cache_resident_fraction = f.cache_resident_fraction;
  m.transmit_applicable = is_socket_sink(c.sink) && c.sink != SinkKind::unix_stream;
  m.transmit_linear_bytes = k.linear;
  m.transmit_paged_bytes = k.paged;
  m.transmit_every_context = k.every_context;
  m.transmit_scope = k.transmit_scope;
  sender_faults(f, k.snd, m);
  return m;
}

json Accounting::record(const RepetitionFacts& f, std::map<std::string, double>& values,
                        std::map<std::string, std::string>& unavailable) {
  Figures out{values, unavailable};
  Counts k;
  json kernel;
  kernel["sender"] = sender_counts(k, f, out);
  if (f.worker)
    kernel["sender"]["syscalls_by_name"] = worker_syscalls(k, f, out);
  else
    out.missing({"traced_data_syscalls_per_chunk", "traced_data_bytes_per_call"},
                "traced by syscall only for an external strategy's program");
  if (auto r = receiver_counts(k, f, out); !r.is_null()) kernel["receiver"] = r;
  kernel["transmits"] = transmits(k, f, out);
  service_demand(f, out);
  json bound = copy_bound_and_share(f, out);
  // The model beside the evidence.
  const MeasuredCopies m = measured_copies(k, f);
  return {{"kernel", kernel},
          {"model_check", check_model(f.ledger, f.conditions, m)},
          {"copy_bound", bound}};
}

ReceiverAccounting::ReceiverAccounting(bool kernel_counters) {
  if (kernel_counters)
    set_ = std::make_unique<PerfCounterSet>(PerfTarget::thread(), receiver_event_specs());
}

json ReceiverAccounting::report() {
  if (!set_) return {{"available", false}, {"reason", kCountersInEvidenceOnly}};
  auto r = set_->read();
  auto j = to_json(*set_, r);
  j["window"] = "the receiver's loop: from its first read to end of stream";
  return j;
}

}  // namespace zc
