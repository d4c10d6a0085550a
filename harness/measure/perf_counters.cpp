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

#ifndef PERF_FORMAT_LOST
#define PERF_FORMAT_LOST (1U << 4)
#endif

namespace zc {
namespace fs = std::filesystem;

namespace {

constexpr const char* kTracefsRoots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
// The tracepoints zc-bench reads; looked up together so that a private
// tracefs mount happens at most once per process.
constexpr const char* kTracepoints[] = {"raw_syscalls/sys_enter",
                                        "raw_syscalls/sys_exit",
                                        "sched/sched_switch",
                                        "skb/skb_copy_datagram_iovec",
                                        "filemap/mm_filemap_add_to_page_cache",
                                        "filemap/mm_filemap_delete_from_page_cache",
                                        "net/net_dev_start_xmit"};

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

// Adds one record's fields to its event's sums. The pseudo-field
// "pages_of_order" sums 1 << order (a folio's pages).
void add_fields(const PerfEventSpec& spec, const Tracepoint& tp,
                std::map<std::string, std::uint64_t>& sums, const char* raw,
                std::uint32_t raw_size) {
  for (auto& f : spec.sum_fields) {
    if (f == "pages_of_order") {
      auto it = tp.fields.find("order");
      sums[f] += it == tp.fields.end()
                     ? 1
                     : 1ull << std::min<std::uint64_t>(field_value(raw, raw_size, it->second), 20);
    } else if (auto it = tp.fields.find(f); it != tp.fields.end()) {
      sums[f] += field_value(raw, raw_size, it->second);
    }
  }
}

// Counts one record in the group its group_by fields name, with its
// fields' sums and maxima there.
void add_to_group(const PerfEventSpec& spec, const Tracepoint& tp,
                  std::map<std::vector<std::uint64_t>, PerfEventGroup>& groups, const char* raw,
                  std::uint32_t raw_size) {
  std::vector<std::uint64_t> key;
  key.reserve(spec.group_by.size());
  for (auto& f : spec.group_by) {
    auto it = tp.fields.find(f);
    key.push_back(it == tp.fields.end() ? 0 : field_value(raw, raw_size, it->second));
  }
  auto& g = groups[key];
  ++g.count;
  for (auto& f : spec.sum_fields) {
    auto it = tp.fields.find(f);
    if (it == tp.fields.end()) continue;
    auto v = field_value(raw, raw_size, it->second);
    g.sums[f] += v;
    g.maxima[f] = std::max(g.maxima[f], v);
  }
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

// One perf event fd: a task's (cpu -1) or one CPU's.
struct PerfCounterSet::Channel {
  int fd = -1;
  int cpu = -1;
  std::uint64_t count_at_start = 0, count_at_stop = 0;  // standalone counting
  // Samples the kernel could not write (PERF_FORMAT_LOST, Linux 6.0+): a
  // ring that filled reports them with its next record, which a window's
  // last records never get.
  std::uint64_t lost_at_start = 0, lost_at_stop = 0;
  std::uint64_t head_at_start = 0, head_at_stop = 0;
  // What has been read out of the ring in this window (under the set's
  // mutex): the drainer thread and read() add to it as records arrive.
  std::uint64_t consumed_to = 0;
  void* ring = nullptr;
  std::size_t ring_len = 0;
  ~Channel() {
    if (ring) ::munmap(ring, ring_len);
    if (fd >= 0) ::close(fd);
  }
};

struct PerfCounterSet::Event {
  PerfEventSpec spec;
  PerfEventResult result;  // available/reason/method filled at open
  std::vector<std::unique_ptr<Channel>> channels;
  // A per-task counting event reads with its group. Sampling events stand
  // alone: when the kernel throttles one (too many samples per tick) it
  // throttles its whole group, and the counts must not stop with it.
  // Per-CPU events stand alone too (a group lives on one CPU).
  bool grouped = false;
  bool no_lost_count = false;  // the kernel predates PERF_FORMAT_LOST
  std::size_t group_index = 0;
  std::map<std::string, std::uint64_t> sums;
  std::map<std::vector<std::uint64_t>, PerfEventGroup> groups;
  std::uint64_t lost = 0, throttled = 0, samples = 0;
  Tracepoint tp;
  bool has_ring() const {
    for (auto& c : channels)
      if (c->ring) return true;
    return false;
  }
};

namespace {

// The CPUs a per-CPU event is opened on: every configured one (offline
// ones refuse with ENODEV and are skipped).
std::vector<int> all_cpus() {
  long n = ::sysconf(_SC_NPROCESSORS_CONF);
  std::vector<int> cpus;
  for (int i = 0; i < std::max(1L, n); ++i) cpus.push_back(i);
  return cpus;
}

perf_event_attr base_attr(const PerfTarget& target) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  // Always counting; start() and stop() take snapshots (see the header).
  attr.disabled = 0;
  attr.exclude_hv = 1;
  if (target.follow_threads && !target.system_wide) attr.inherit = attr.inherit_thread = 1;
  return attr;
}

}  // namespace

PerfCounterSet::PerfCounterSet(PerfTarget target, const std::vector<PerfEventSpec>& specs)
    : target_(target) {
  if (auto s = perf_events_support(); !s) {
    reason_ = *s.missing;
    return;
  }
  bool sampling = false;
  for (auto& spec : specs) sampling |= spec.samples();
  if (sampling) start_drainer();
  const auto cpus = all_cpus();
  for (const auto& spec : specs) {
    open_event(spec, cpus);
    if (!reason_.empty()) {  // the set as a whole was refused
      events_.clear();
      return;
    }
  }
  for (auto& ev : events_) opened_ |= ev->result.available;
  if (!opened_ && reason_.empty()) reason_ = "no event could be opened";
  // Events opened on a running task may stay idle until it is next
  // scheduled in (seen on 6.18: the first calls went uncounted). Sleeping
  // forces a switch out and back in; it happens once, outside any window.
  if (opened_ && target_.tid == 0 && !target_.system_wide) ::usleep(1);
  std::lock_guard lock(ring_mutex_);
  rings_ready_ = true;
  if (wake_fd_ >= 0) {
    std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
}

// One event: per task (cpu -1), or one fd per CPU where the kernel needs
// it: system-wide events, and sample rings of events that follow threads
// (a per-task inherited event cannot be mapped).
void PerfCounterSet::open_event(const PerfEventSpec& spec, const std::vector<int>& cpus) {
  auto ev = std::make_unique<Event>();
  ev->spec = spec;
  perf_event_attr attr = base_attr(target_);
  const bool sums = spec.samples();
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
      return;
    }
    ev->tp = *tp;
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.config = std::uint64_t(tp->id);
    if (sums) {
      attr.sample_period = 1;
      attr.sample_type = PERF_SAMPLE_RAW;
      // The drainer thread wakes when the ring is half full.
      attr.watermark = 1;
      attr.wakeup_watermark = std::uint32_t(spec.ring_pages * 4096 / 2);
      attr.read_format = PERF_FORMAT_LOST;
    }
  }
  const bool per_cpu = target_.system_wide || (sums && target_.follow_threads);
  ev->grouped = !per_cpu && !sums;
  if (ev->grouped && leader_ < 0) attr.read_format = PERF_FORMAT_GROUP;
  bool any = false;
  for (int cpu : per_cpu ? cpus : std::vector<int>{-1}) {
    any |= open_channel(*ev, attr, cpu, ev->grouped);
    if (!reason_.empty()) return;
  }
  ev->result.available = any;
  if (any && ev->grouped) ev->group_index = group_size_++;
  events_.push_back(std::move(ev));
}

bool PerfCounterSet::open_channel(Event& ev, const perf_event_attr& attr, int cpu, bool grouped) {
  const pid_t pid = target_.system_wide ? -1 : target_.tid;
  int fd =
      int(perf_event_open(const_cast<perf_event_attr*>(&attr), pid, cpu, grouped ? leader_ : -1));
  if (fd < 0 && errno == EINVAL && (attr.read_format & PERF_FORMAT_LOST)) {
    // Before Linux 6.0: no count of unwritten samples; a short window's
    // last drops then show only as records fewer than the count.
    perf_event_attr older = attr;
    older.read_format &= ~std::uint64_t(PERF_FORMAT_LOST);
    fd = int(perf_event_open(&older, pid, cpu, -1));
    if (fd >= 0) ev.no_lost_count = true;
  }
  if (fd < 0) {
    int err = errno;
    if (err == ENODEV && cpu >= 0) return false;  // an offline CPU
    if (!opened_ && events_.empty() && ev.channels.empty() && !target_.system_wide && leader_ < 0) {
      reason_ = refusal(err);  // the first event of a per-task set: there is no set
      return false;
    }
    if (ev.result.reason.empty()) ev.result.reason = refusal(err);
    return false;
  }
  auto ch = std::make_unique<Channel>();
  ch->fd = fd;
  ch->cpu = cpu;
  if (!ev.spec.filter.empty() &&
      ::ioctl(fd, PERF_EVENT_IOC_SET_FILTER, ev.spec.filter.c_str()) != 0) {
    ev.result.reason = "tracepoint filter '" + ev.spec.filter + "' refused: " + errno_text(errno);
    return false;  // ch closes fd
  }
  if (grouped && leader_ < 0) leader_ = fd;
  if (ev.spec.samples()) map_ring(ev, *ch);
  ev.channels.push_back(std::move(ch));
  return true;
}

bool PerfCounterSet::map_ring(Event& ev, Channel& ch) {
  std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
  std::size_t len = (ev.spec.ring_pages + 1) * page;
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, ch.fd, 0);
  if (p == MAP_FAILED) {
    ev.result.sums_reason =
        "ring buffer mmap refused (" + errno_text(errno) + "; perf_event_mlock_kb?): counts only";
    return false;
  }
  ch.ring = p;
  ch.ring_len = len;
  return true;
}

void PerfCounterSet::start_drainer() {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ >= 0) drainer_ = std::thread([this] { drain_loop(); });
}

PerfCounterSet::~PerfCounterSet() {
  if (drainer_.joinable()) {
    {
      std::lock_guard lock(ring_mutex_);
      quit_ = true;
    }
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

std::uint64_t read_count(int fd, std::uint64_t* lost = nullptr) {
  std::uint64_t v[2] = {0, 0};
  auto n = ::read(fd, v, lost ? sizeof v : sizeof v[0]);
  if (lost) *lost = n == sizeof v ? v[1] : 0;
  return n >= ssize_t(sizeof v[0]) ? v[0] : 0;
}
}  // namespace

bool PerfCounterSet::snapshot(std::vector<std::uint64_t>& into) {
  into.assign(group_size_ + 1, 0);
  if (leader_ < 0) return true;
  return ::read(leader_, into.data(), into.size() * sizeof(std::uint64_t)) > 0;
}

// The group snapshot is the last call of start() and the first of stop(),
// so the only syscall of ours inside the window is stop()'s read.
void PerfCounterSet::start() {
  if (!opened_) return;
  {
    std::lock_guard lock(ring_mutex_);
    for (auto& ev : events_) {
      for (auto& ch : ev->channels) {
        if (!ev->grouped)
          ch->count_at_start =
              read_count(ch->fd, ch->ring && !ev->no_lost_count ? &ch->lost_at_start : nullptr);
        if (!ch->ring) continue;
        // Drop what arrived since the last window, so the ring has room.
        auto* meta = static_cast<perf_event_mmap_page*>(ch->ring);
        ch->head_at_start = ch->consumed_to = ring_head(ch->ring);
        __atomic_store_n(&meta->data_tail, ch->head_at_start, __ATOMIC_RELEASE);
      }
      for (auto& f : ev->spec.sum_fields) ev->sums[f] = 0;
      ev->groups.clear();
      ev->lost = ev->throttled = ev->samples = 0;
    }
    window_open_ = true;
  }
  started_ok_ = snapshot(at_start_);
}

void PerfCounterSet::stop() {
  if (!opened_) return;
  stopped_ok_ = snapshot(at_stop_);
  std::lock_guard lock(ring_mutex_);
  window_open_ = false;
  // Count before head: a record the count includes is then in the ring.
  for (auto& ev : events_)
    for (auto& ch : ev->channels) {
      if (!ev->grouped)
        ch->count_at_stop =
            read_count(ch->fd, ch->ring && !ev->no_lost_count ? &ch->lost_at_stop : nullptr);
      if (ch->ring) ch->head_at_stop = ring_head(ch->ring);
    }
}

// Reads the records between what was consumed and `head` into the event's
// sums and hands the space back to the kernel. Caller holds ring_mutex_.
void PerfCounterSet::consume(Event& ev, Channel& ch, std::uint64_t head) {
  auto* meta = static_cast<perf_event_mmap_page*>(ch.ring);
  const char* data = static_cast<const char*>(ch.ring) + meta->data_offset;
  const std::uint64_t size = meta->data_size;
  // The kernel does not overwrite records we have not handed back (it
  // writes a LOST record instead); this guards against a ring mapped
  // read-only, where it would.
  if (head - ch.consumed_to > size) {
    ev.lost = std::max<std::uint64_t>(ev.lost, 1);
    ch.consumed_to = head;
  }
  std::vector<char> rec;
  while (ch.consumed_to < head) {
    const std::uint64_t tail = ch.consumed_to;
    perf_event_header h;
    for (std::size_t i = 0; i < sizeof h; ++i)
      reinterpret_cast<char*>(&h)[i] = data[(tail + i) % size];
    if (h.size < sizeof h) {
      ch.consumed_to = head;
      break;
    }
    rec.resize(h.size);
    for (std::size_t i = 0; i < h.size; ++i) rec[i] = data[(tail + i) % size];
    ch.consumed_to += h.size;
    if (h.type == PERF_RECORD_LOST && h.size >= sizeof h + 16) {
      // With PERF_FORMAT_LOST the counts read at start and stop decide: a
      // LOST record is written when room returns, so the first one of a
      // window can carry losses from before it (an external program's
      // warm-up fills the ring before the window opens).
      std::uint64_t n;
      std::memcpy(&n, rec.data() + sizeof h + 8, 8);
      if (ev.no_lost_count) ev.lost += n;
    } else if (h.type == PERF_RECORD_THROTTLE) {
      ++ev.throttled;
    } else if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof h + 4) {
      ++ev.samples;
      std::uint32_t raw_size;
      std::memcpy(&raw_size, rec.data() + sizeof h, 4);
      const char* raw = rec.data() + sizeof h + 4;
      raw_size = std::min<std::uint32_t>(raw_size, std::uint32_t(h.size - sizeof h - 4));
      add_fields(ev.spec, ev.tp, ev.sums, raw, raw_size);
      if (!ev.spec.group_by.empty()) add_to_group(ev.spec, ev.tp, ev.groups, raw, raw_size);
    }
  }
  __atomic_store_n(&meta->data_tail, ch.consumed_to, __ATOMIC_RELEASE);
}

// A busy window (a sendfile with scatter-gather off sends an skb per
// 1448 bytes) writes more records than a ring holds; this thread empties
// the rings as they fill, so sums stay complete whatever the run's size. It
// is another task than the one counted, so its own calls are not counted.
void PerfCounterSet::drain_loop() {
  std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
  for (bool listed = false;;) {
    int n = ::poll(fds.data(), fds.size(), 100);
    if (n < 0 && errno != EINTR) return;
    if (fds[0].revents) {
      std::uint64_t v;
      (void)!::read(wake_fd_, &v, sizeof v);
    }
    std::lock_guard lock(ring_mutex_);
    if (quit_) return;
    if (!rings_ready_) continue;
    if (!listed) {  // the events opened after this thread started
      listed = true;
      for (auto& ev : events_)
        for (auto& ch : ev->channels)
          if (ch->ring) fds.push_back({ch->fd, POLLIN, 0});
    }
    if (!window_open_) continue;
    for (auto& ev : events_)
      for (auto& ch : ev->channels)
        if (ch->ring) consume(*ev, *ch, ring_head(ch->ring));
  }
}

std::map<std::string, PerfEventResult> PerfCounterSet::read() {
  std::map<std::string, PerfEventResult> out;
  bool read_ok = opened_ && started_ok_ && stopped_ok_;
  for (const auto& ev : events_) {
    auto r = ev->result;
    if (r.available && !read_ok) {
      r.available = false;
      r.reason = "reading the counter group failed";
    }
    if (r.available) {
      if (ev->grouped) {
        r.count = at_stop_[1 + ev->group_index] - at_start_[1 + ev->group_index];
      } else {
        r.count = 0;
        for (auto& ch : ev->channels) r.count += ch->count_at_stop - ch->count_at_start;
      }
    }
    if (r.available && ev->has_ring()) {
      std::lock_guard lock(ring_mutex_);
      auto& e = *ev;
      std::uint64_t unwritten = 0;
      for (auto& ch : e.channels) {
        if (ch->ring && ch->consumed_to < ch->head_at_stop) consume(e, *ch, ch->head_at_stop);
        unwritten += ch->lost_at_stop - ch->lost_at_start;
      }
      e.lost = std::max(e.lost, unwritten);
      if (e.lost)
        r.sums_reason =
            std::to_string(e.lost) + " records lost (ring buffer full): sums incomplete";
      else if (e.throttled)
        r.sums_reason = "the kernel throttled sampling " + std::to_string(e.throttled) +
                        " times (" + std::to_string(e.samples) + " records for a count of " +
                        std::to_string(r.count) + "; kernel.perf_event_max_sample_rate=" +
                        read_first_line("/proc/sys/kernel/perf_event_max_sample_rate") +
                        "): sums incomplete, the count a lower bound";
      else if (e.samples != r.count) {
        // Seen on 6.18 with a veth without scatter-gather (46,000 transmits
        // in tens of milliseconds): about 90 records short, with no LOST or
        // THROTTLE record and no unwritten sample. The sums are kept as
        // lower bounds, marked partial; exact uses refuse them.
        r.sums = e.sums;
        r.groups = e.groups;
        r.sums_partial = true;
        r.sums_reason = std::to_string(e.samples) + " records for a count of " +
                        std::to_string(r.count) + ": sums are lower bounds";
      } else {
        r.sums = e.sums;
        r.groups = e.groups;
      }
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
      if (e.sums_partial) j["sums_partial"] = true;
      if (!e.groups.empty()) {
        auto& groups = j["groups"] = nlohmann::json::array();
        for (const auto& [values, g] : e.groups) {
          nlohmann::json one = {{"count", g.count}};
          for (std::size_t i = 0; i < values.size(); ++i) one["key"][i] = values[i];
          if (!g.sums.empty()) one["sums"] = g.sums;
          if (!g.maxima.empty()) one["maxima"] = g.maxima;
          groups.push_back(one);
        }
      }
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
      {"device_transmits", "net/net_dev_start_xmit", {"len", "data_len"}},
      // What each call returned, by thread and syscall number: the bytes
      // the calls moved across the user boundary (the model check's
      // boundary_copies).
      {"syscall_returns", "raw_syscalls/sys_exit", {"ret"}, 512, {}, {"common_pid", "id"}}};
}

std::vector<PerfEventSpec> device_transmit_specs(const std::string& device) {
  // Without scatter-gather a veth sends one skb per MSS (about 46,000 for
  // 64 MiB) in tens of milliseconds: 8 MiB rings per CPU hold a loaded
  // machine's drain latency.
  return {{"device_transmits",
           "net/net_dev_start_xmit",
           {"len", "data_len"},
           2048,
           "name == \"" + device + "\""}};
}

std::vector<PerfEventSpec> worker_event_specs() {
  auto specs = sender_event_specs();
  // Every syscall entry by thread and number (the sender's set already has
  // every return with the value it returned, by thread and number).
  specs.push_back(
      {"syscalls_by_thread", "raw_syscalls/sys_enter", {}, 512, {}, {"common_pid", "id"}});
  return specs;
}

std::vector<PerfEventSpec> receiver_event_specs() {
  return {{"task_clock_ns", "software/task-clock"},
          {"context_switches", "software/context-switches"},
          {"page_faults", "software/page-faults"},
          {"syscalls", "raw_syscalls/sys_enter"},
          {"sched_switches", "sched/sched_switch"},
          {"copies_to_user", "skb/skb_copy_datagram_iovec", {"len"}},
          {"device_transmits", "net/net_dev_start_xmit", {"len", "data_len"}},
          // What its calls returned, by syscall number: a pipe's read()s.
          {"syscall_returns", "raw_syscalls/sys_exit", {"ret"}, 512, {}, {"id"}}};
}

}  // namespace zc
