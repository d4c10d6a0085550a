#include "harness/measure/perf_counters.hpp"

#include <linux/perf_event.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness/base/errors.hpp"
#include "harness/base/file_system.hpp"

namespace zc {
namespace fs = std::filesystem;

namespace {

constexpr const char* kTracefsRoots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
// The tracepoints zc-bench reads; looked up together so that a private
// tracefs mount happens at most once per process.
constexpr const char* kTracepoints[] = {
    "raw_syscalls/sys_enter", "sched/sched_switch", "skb/skb_copy_datagram_iovec",
    "filemap/mm_filemap_add_to_page_cache", "net/net_dev_start_xmit"};

// "field:unsigned int len;\toffset:36;\tsize:4;\tsigned:0;"
void parse_format_line(const std::string& line, Tracepoint& tp) {
  auto f = line.find("field:");
  auto semi = line.find(';', f);
  if (f == std::string::npos || semi == std::string::npos) return;
  std::string decl = line.substr(f + 6, semi - f - 6);
  if (auto b = decl.find('['); b != std::string::npos) decl.erase(b);  // "char name[16]"
  auto sp = decl.find_last_of(" *");
  std::string name = decl.substr(sp == std::string::npos ? 0 : sp + 1);
  TraceField field;
  auto num = [&](const char* tag) -> long {
    auto p = line.find(tag);
    return p == std::string::npos ? -1
                                  : std::strtol(line.c_str() + p + std::strlen(tag), nullptr, 10);
  };
  long off = num("offset:"), size = num("size:");
  if (off < 0 || size <= 0) return;
  field.offset = std::size_t(off);
  field.size = std::size_t(size);
  field.is_signed = num("signed:") == 1;
  tp.fields[name] = field;
}

std::optional<Tracepoint> read_tracepoint(const fs::path& events, const std::string& name) {
  std::ifstream id_in(events / name / "id");
  Tracepoint tp;
  if (!(id_in >> tp.id) || tp.id < 0) return std::nullopt;
  std::ifstream fmt(events / name / "format");
  for (std::string line; std::getline(fmt, line);) parse_format_line(line, tp);
  return tp;
}

struct TracefsCache {
  std::map<std::string, Tracepoint> found;
  std::string how;  // where tracefs was read
  std::string why_not;
};

// The error_code overload: tracefs is mode 0700, so for anyone but root
// the stat fails with EACCES, which the throwing overload turned into an
// exception that ended every command. `denied` names such a root.
bool tracefs_readable(const char* root, std::string& denied) {
  std::error_code ec;
  if (fs::exists(fs::path(root) / "events" / "raw_syscalls", ec)) return true;
  if (ec && denied.empty()) denied = std::string(root) + " is not readable (" + ec.message() + ")";
  return false;
}

// unshare(CLONE_NEWNS) affects only the calling thread (it gets its own fs
// struct), so a helper thread can mount tracefs where nobody else sees it;
// the namespace, and the mount, end with the thread.
void read_through_private_mount(TracefsCache& cache, const std::string& denied) {
  std::thread([&cache, &denied] {
    if (::unshare(CLONE_NEWNS) != 0) {
      cache.why_not = (denied.empty() ? "tracefs is not mounted" : "tracefs " + denied) +
                      " and a private mount namespace was refused (" + errno_text(errno) +
                      "); needs root or a mounted, readable tracefs";
      return;
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("nodev", kTracefsRoots[0], "tracefs", 0, nullptr) != 0) {
      cache.why_not =
          "tracefs is not mounted and mounting it privately failed (" + errno_text(errno) + ")";
      return;
    }
    for (auto name : kTracepoints)
      if (auto tp = read_tracepoint(fs::path(kTracefsRoots[0]) / "events", name))
        cache.found[name] = *tp;
    cache.how = "tracefs mounted in a private mount namespace for the lookup (not left mounted)";
  }).join();
}

const TracefsCache& tracefs_cache() {
  static TracefsCache cache;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string denied;
    for (auto root : kTracefsRoots) {
      if (!tracefs_readable(root, denied)) continue;
      for (auto name : kTracepoints)
        if (auto tp = read_tracepoint(fs::path(root) / "events", name)) cache.found[name] = *tp;
      cache.how = root;
      return;
    }
    read_through_private_mount(cache, denied);
  });
  return cache;
}

long perf_event_open(perf_event_attr* attr, pid_t pid, int cpu, int group) {
  return ::syscall(SYS_perf_event_open, attr, pid, cpu, group, PERF_FLAG_FD_CLOEXEC);
}

std::string refusal(int err) {
  return "perf_event_open refused: " + errno_text(err) +
         " (perf_event_paranoid=" + read_first_line("/proc/sys/kernel/perf_event_paranoid") +
         (::geteuid() == 0 ? ", root" : ", not root") + ")";
}

std::optional<std::uint64_t> software_config(const std::string& source) {
  if (source == "software/task-clock") return PERF_COUNT_SW_TASK_CLOCK;
  if (source == "software/context-switches") return PERF_COUNT_SW_CONTEXT_SWITCHES;
  if (source == "software/page-faults") return PERF_COUNT_SW_PAGE_FAULTS;
  if (source == "software/cpu-migrations") return PERF_COUNT_SW_CPU_MIGRATIONS;
  return std::nullopt;
}

std::uint64_t field_value(const char* raw, std::size_t raw_size, const TraceField& f) {
  if (f.offset + f.size > raw_size) return 0;
  std::int64_t v = 0;
  switch (f.size) {
    case 1: {
      std::uint8_t x;
      std::memcpy(&x, raw + f.offset, 1);
      v = f.is_signed ? std::int8_t(x) : x;
      break;
    }
    case 2: {
      std::uint16_t x;
      std::memcpy(&x, raw + f.offset, 2);
      v = f.is_signed ? std::int16_t(x) : x;
      break;
    }
    case 4: {
      std::uint32_t x;
      std::memcpy(&x, raw + f.offset, 4);
      v = f.is_signed ? std::int32_t(x) : std::int64_t(x);
      break;
    }
    case 8:
      std::memcpy(&v, raw + f.offset, 8);
      break;
    default:
      return 0;
  }
  return v < 0 ? 0 : std::uint64_t(v);
}

}  // namespace

std::optional<Tracepoint> find_tracepoint(const std::string& name, std::string* why_not) {
  const auto& cache = tracefs_cache();
  if (auto it = cache.found.find(name); it != cache.found.end()) return it->second;
  if (why_not)
    *why_not = !cache.why_not.empty() ? cache.why_not
               : cache.how.empty()    ? "tracefs is not available"
                                      : "tracepoint " + name + " is not in tracefs (" + cache.how +
                                         "): kernel built without it?";
  return std::nullopt;
}

Support tracefs_support(std::string* how) {
  const auto& cache = tracefs_cache();
  if (cache.found.empty())
    return Support::no(cache.why_not.empty() ? "no tracepoints found in tracefs" : cache.why_not);
  if (how) *how = cache.how;
  return Support::yes();
}

Support perf_events_support() {
  if (const char* e = std::getenv("ZC_NO_PERF"); e && *e && std::string(e) != "0")
    return Support::no("perf events switched off by ZC_NO_PERF=" + std::string(e) +
                       " (simulated refusal)");
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.disabled = 1;
  int fd = int(perf_event_open(&attr, 0, -1, -1));
  if (fd < 0) return Support::no(refusal(errno));
  ::close(fd);
  return Support::yes();
}

struct PerfCounterSet::Event {
  PerfEventSpec spec;
  PerfEventResult result;  // available/reason/method filled at open
  int fd = -1;
  std::size_t group_index = 0;
  // Sampling events stand alone: when the kernel throttles one (too many
  // samples per tick) it throttles its whole group, and the counts must
  // not stop with it.
  bool standalone = false;
  std::uint64_t count_at_start = 0, count_at_stop = 0;
  std::uint64_t head_at_start = 0, head_at_stop = 0;
  // What has been read out of the ring in this window (under the set's
  // mutex): the drainer thread and read() add to it as records arrive.
  std::uint64_t consumed_to = 0;
  std::map<std::string, std::uint64_t> sums;
  std::uint64_t lost = 0, throttled = 0, samples = 0;
  const Tracepoint* tp = nullptr;
  Tracepoint tp_copy;
  void* ring = nullptr;
  std::size_t ring_len = 0;
  ~Event() {
    if (ring) ::munmap(ring, ring_len);
    if (fd >= 0) ::close(fd);
  }
};

PerfCounterSet::PerfCounterSet(pid_t tid, const std::vector<PerfEventSpec>& specs) {
  if (auto s = perf_events_support(); !s) {
    reason_ = *s.missing;
    return;
  }
  std::size_t index = 0;
  for (const auto& spec : specs) {
    auto ev = std::make_unique<Event>();
    ev->spec = spec;
    perf_event_attr attr{};
    attr.size = sizeof attr;
    // Always counting; start() and stop() take snapshots (see the header).
    attr.disabled = 0;
    attr.exclude_hv = 1;
    if (leader_ < 0) attr.read_format = PERF_FORMAT_GROUP;
    if (auto cfg = software_config(spec.source)) {
      attr.type = PERF_TYPE_SOFTWARE;
      attr.config = *cfg;
      ev->result.method = "software-event";
    } else {
      std::string why;
      auto tp = find_tracepoint(spec.source, &why);
      ev->result.method = "tracepoint";
      if (!tp) {
        ev->result.reason = why;
        events_.push_back(std::move(ev));
        continue;
      }
      ev->tp_copy = *tp;
      ev->tp = &ev->tp_copy;
      attr.type = PERF_TYPE_TRACEPOINT;
      attr.config = std::uint64_t(tp->id);
      if (!spec.sum_fields.empty()) {
        attr.sample_period = 1;
        attr.sample_type = PERF_SAMPLE_RAW;
        // The drainer thread wakes when the ring is half full.
        attr.watermark = 1;
        attr.wakeup_watermark = std::uint32_t(spec.ring_pages * 4096 / 2);
      }
    }
    const bool standalone = !spec.sum_fields.empty() && leader_ >= 0;
    if (standalone) attr.read_format = 0;
    int fd = int(perf_event_open(&attr, tid, -1, standalone ? -1 : leader_));
    if (fd < 0) {
      int err = errno;
      if (leader_ < 0) {  // without a leader there is no set
        reason_ = refusal(err);
        events_.clear();
        return;
      }
      ev->result.reason = refusal(err);
      events_.push_back(std::move(ev));
      continue;
    }
    ev->fd = fd;
    ev->standalone = standalone;
    if (!standalone) ev->group_index = index++;
    ev->result.available = true;
    if (leader_ < 0) leader_ = fd;
    if (!spec.sum_fields.empty()) {
      std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
      ev->ring_len = (spec.ring_pages + 1) * page;
      void* p = ::mmap(nullptr, ev->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        ev->result.sums_reason = "ring buffer mmap refused (" + errno_text(errno) +
                                 "; perf_event_mlock_kb?): counts only";
        ev->ring_len = 0;
      } else {
        ev->ring = p;
      }
    }
    events_.push_back(std::move(ev));
  }
  // Events opened on a running task may stay idle until it is next
  // scheduled in (seen on 6.18: the first calls went uncounted). Sleeping
  // forces a switch out and back in; it happens once, outside any window.
  if (leader_ >= 0 && tid == 0) ::usleep(1);
  bool any_ring = false;
  for (auto& ev : events_) any_ring |= ev->ring != nullptr;
  if (any_ring) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ >= 0) drainer_ = std::thread([this] { drain_loop(); });
  }
}

PerfCounterSet::~PerfCounterSet() {
  if (drainer_.joinable()) {
    std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
    drainer_.join();
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

namespace {
std::uint64_t ring_head(void* ring) {
  return __atomic_load_n(&static_cast<perf_event_mmap_page*>(ring)->data_head, __ATOMIC_ACQUIRE);
}
}  // namespace

bool PerfCounterSet::snapshot(std::vector<std::uint64_t>& into) {
  into.assign(events_.size() + 1, 0);
  return ::read(leader_, into.data(), into.size() * sizeof(std::uint64_t)) > 0;
}

namespace {
std::uint64_t read_count(int fd) {
  std::uint64_t v = 0;
  return ::read(fd, &v, sizeof v) == sizeof v ? v : 0;
}
}  // namespace

// The group snapshot is the last call of start() and the first of stop(),
// so the only syscall of ours inside the window is stop()'s read.
void PerfCounterSet::start() {
  if (leader_ < 0) return;
  {
    std::lock_guard lock(ring_mutex_);
    for (auto& ev : events_) {
      if (ev->standalone) ev->count_at_start = read_count(ev->fd);
      if (ev->ring) {
        // Drop what arrived since the last window, so the ring has room.
        auto* meta = static_cast<perf_event_mmap_page*>(ev->ring);
        ev->head_at_start = ev->consumed_to = ring_head(ev->ring);
        __atomic_store_n(&meta->data_tail, ev->head_at_start, __ATOMIC_RELEASE);
        for (auto& f : ev->spec.sum_fields) ev->sums[f] = 0;
        ev->lost = ev->throttled = ev->samples = 0;
      }
    }
    window_open_ = true;
  }
  started_ok_ = snapshot(at_start_);
}

void PerfCounterSet::stop() {
  if (leader_ < 0) return;
  stopped_ok_ = snapshot(at_stop_);
  std::lock_guard lock(ring_mutex_);
  window_open_ = false;
  // Count before head: a record the count includes is then in the ring.
  for (auto& ev : events_) {
    if (ev->standalone) ev->count_at_stop = read_count(ev->fd);
    if (ev->ring) ev->head_at_stop = ring_head(ev->ring);
  }
}

// Reads the records between what was consumed and `head` into the sums and
// hands the space back to the kernel. Caller holds ring_mutex_.
void PerfCounterSet::consume(Event& ev, std::uint64_t head) {
  auto* meta = static_cast<perf_event_mmap_page*>(ev.ring);
  const char* data = static_cast<const char*>(ev.ring) + meta->data_offset;
  const std::uint64_t size = meta->data_size;
  // The kernel does not overwrite records we have not handed back (it
  // writes a LOST record instead); this guards against a ring mapped
  // read-only, where it would.
  if (head - ev.consumed_to > size) {
    ev.lost = std::max<std::uint64_t>(ev.lost, 1);
    ev.consumed_to = head;
  }
  std::vector<char> rec;
  while (ev.consumed_to < head) {
    const std::uint64_t tail = ev.consumed_to;
    perf_event_header h;
    for (std::size_t i = 0; i < sizeof h; ++i)
      reinterpret_cast<char*>(&h)[i] = data[(tail + i) % size];
    if (h.size < sizeof h) {
      ev.consumed_to = head;
      break;
    }
    rec.resize(h.size);
    for (std::size_t i = 0; i < h.size; ++i) rec[i] = data[(tail + i) % size];
    ev.consumed_to += h.size;
    if (h.type == PERF_RECORD_LOST && h.size >= sizeof h + 16) {
      std::uint64_t n;
      std::memcpy(&n, rec.data() + sizeof h + 8, 8);
      ev.lost += n;
    } else if (h.type == PERF_RECORD_THROTTLE) {
      ++ev.throttled;
    } else if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof h + 4) {
      ++ev.samples;
      std::uint32_t raw_size;
      std::memcpy(&raw_size, rec.data() + sizeof h, 4);
      const char* raw = rec.data() + sizeof h + 4;
      raw_size = std::min<std::uint32_t>(raw_size, std::uint32_t(h.size - sizeof h - 4));
      for (auto& f : ev.spec.sum_fields) {
        if (f == "pages_of_order") {
          auto it = ev.tp->fields.find("order");
          ev.sums[f] += it == ev.tp->fields.end() ? 1
                                                  : 1ull << std::min<std::uint64_t>(
                                                        field_value(raw, raw_size, it->second), 20);
        } else if (auto it = ev.tp->fields.find(f); it != ev.tp->fields.end()) {
          ev.sums[f] += field_value(raw, raw_size, it->second);
        }
      }
    }
  }
  __atomic_store_n(&meta->data_tail, ev.consumed_to, __ATOMIC_RELEASE);
}

// A busy window (a sendfile with scatter-gather off sends an skb per
// 1448 bytes) writes more records than a ring holds; this thread empties
// the rings as they fill, so sums stay complete whatever the run's size. It
// is another task than the one counted, so its own calls are not counted.
void PerfCounterSet::drain_loop() {
  std::vector<pollfd> fds;
  fds.push_back({wake_fd_, POLLIN, 0});
  for (auto& ev : events_)
    if (ev->ring) fds.push_back({ev->fd, POLLIN, 0});
  for (;;) {
    int n = ::poll(fds.data(), fds.size(), 100);
    if (n < 0 && errno != EINTR) return;
    if (fds[0].revents) return;
    std::lock_guard lock(ring_mutex_);
    if (!window_open_) continue;
    for (auto& ev : events_)
      if (ev->ring) consume(*ev, ring_head(ev->ring));
  }
}

std::map<std::string, PerfEventResult> PerfCounterSet::read() {
  std::map<std::string, PerfEventResult> out;
  bool read_ok = leader_ >= 0 && started_ok_ && stopped_ok_;
  for (const auto& ev : events_) {
    auto r = ev->result;
    if (r.available && !read_ok) {
      r.available = false;
      r.reason = "reading the counter group failed";
    }
    if (r.available)
      r.count = ev->standalone ? ev->count_at_stop - ev->count_at_start
                               : at_stop_[1 + ev->group_index] - at_start_[1 + ev->group_index];
    if (r.available && ev->ring) {
      std::lock_guard lock(ring_mutex_);
      auto& e = *ev;
      if (e.consumed_to < e.head_at_stop) consume(e, e.head_at_stop);
      const auto lost = e.lost, throttled = e.throttled, samples = e.samples;
      const auto& sums = e.sums;
      if (lost)
        r.sums_reason = std::to_string(lost) + " records lost (ring buffer full): sums incomplete";
      else if (throttled || samples != r.count)
        r.sums_reason = "the kernel throttled sampling " + std::to_string(throttled) + " times (" +
                        std::to_string(samples) + " records for a count of " +
                        std::to_string(r.count) + "; kernel.perf_event_max_sample_rate=" +
                        read_first_line("/proc/sys/kernel/perf_event_max_sample_rate") +
                        "): sums incomplete, the count a lower bound";
      else
        r.sums = sums;
    }
    out[ev->spec.key] = r;
  }
  return out;
}

nlohmann::json to_json(const PerfCounterSet& set, const std::map<std::string, PerfEventResult>& r) {
  if (!set.available()) return {{"available", false}, {"reason", set.reason()}};
  nlohmann::json events = nlohmann::json::object();
  for (const auto& [key, e] : r) {
    nlohmann::json j = {{"available", e.available}, {"method", e.method}};
    if (!e.available) {
      j["reason"] = e.reason;
    } else {
      j["count"] = e.count;
      if (!e.sums.empty()) j["sums"] = e.sums;
      if (!e.sums_reason.empty()) j["sums_reason"] = e.sums_reason;
    }
    events[key] = j;
  }
  return {{"available", true}, {"events", events}};
}

std::vector<PerfEventSpec> sender_event_specs() {
  return {
      {"task_clock_ns", "software/task-clock"},
      {"context_switches", "software/context-switches"},
      {"page_faults", "software/page-faults"},
      {"syscalls", "raw_syscalls/sys_enter"},
      {"sched_switches", "sched/sched_switch"},
      {"page_cache_insertions", "filemap/mm_filemap_add_to_page_cache", {"pages_of_order"}, 2048},
      {"device_transmits", "net/net_dev_start_xmit", {"len", "data_len"}}};
}

std::vector<PerfEventSpec> receiver_event_specs() {
  return {{"task_clock_ns", "software/task-clock"},
          {"context_switches", "software/context-switches"},
          {"page_faults", "software/page-faults"},
          {"syscalls", "raw_syscalls/sys_enter"},
          {"sched_switches", "sched/sched_switch"},
          {"copies_to_user", "skb/skb_copy_datagram_iovec", {"len"}},
          {"device_transmits", "net/net_dev_start_xmit", {"len", "data_len"}}};
}

}  // namespace zc
