#include "harness/measure/meters.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "harness/base/units.hpp"

namespace zc {

std::uint64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000'000ull + std::uint64_t(ts.tv_nsec);
}

Usage Usage::from(const rusage& ru) {
  Usage u;
  u.user_s = double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) * 1e-6;
  u.sys_s = double(ru.ru_stime.tv_sec) + double(ru.ru_stime.tv_usec) * 1e-6;
  u.voluntary_switches = ru.ru_nvcsw;
  u.involuntary_switches = ru.ru_nivcsw;
  u.minor_faults = ru.ru_minflt;
  u.major_faults = ru.ru_majflt;
  return u;
}

Usage Usage::of_thread() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return from(ru);
}

Usage Usage::of_process() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return from(ru);
}

Usage Usage::operator-(const Usage& o) const {
  Usage d;
  d.user_s = user_s - o.user_s;
  d.sys_s = sys_s - o.sys_s;
  d.voluntary_switches = voluntary_switches - o.voluntary_switches;
  d.involuntary_switches = involuntary_switches - o.involuntary_switches;
  d.minor_faults = minor_faults - o.minor_faults;
  d.major_faults = major_faults - o.major_faults;
  return d;
}

std::optional<StorageIo> StorageIo::of_process(std::string* why_not) {
  std::ifstream in("/proc/self/io");
  if (!in) {
    if (why_not) *why_not = "/proc/self/io is missing (kernel without CONFIG_TASK_IO_ACCOUNTING)";
    return std::nullopt;
  }
  StorageIo io;
  bool got_read = false, got_write = false;
  std::string key;
  std::uint64_t value;
  while (in >> key >> value) {
    if (key == "read_bytes:") io.read_bytes = value, got_read = true;
    if (key == "write_bytes:") io.write_bytes = value, got_write = true;
    if (key == "cancelled_write_bytes:") io.cancelled_write_bytes = value;
  }
  if (!got_read || !got_write) {
    if (why_not) *why_not = "/proc/self/io has no read_bytes/write_bytes";
    return std::nullopt;
  }
  return io;
}

std::optional<DeviceIo> DeviceIo::under(const std::filesystem::path& path, std::string* why_not) {
  auto fail = [&](const std::string& why) -> std::optional<DeviceIo> {
    if (why_not) *why_not = why;
    return std::nullopt;
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fail("stat " + path.string() + ": " + std::strerror(errno));
  const auto maj = major(st.st_dev), min = minor(st.st_dev);
  if (maj == 0)
    return fail("the file system under " + path.string() +
                " is on no block device (tmpfs, overlay, network): nothing to read at a device");
  const auto sys =
      std::filesystem::path("/sys/dev/block") / (std::to_string(maj) + ":" + std::to_string(min));
  std::ifstream in(sys / "stat");
  // Fields (Documentation/block/stat.rst): reads, merged, sectors, ms;
  // writes, merged, sectors, ms; in flight, io ms, queue ms; discards x4;
  // flushes, ms. Sectors are 512 bytes whatever the device's.
  std::uint64_t f[17] = {};
  int n = 0;
  while (n < 17 && in >> f[n]) ++n;
  if (n < 11) return fail("cannot read " + (sys / "stat").string());
  DeviceIo io;
  std::error_code ec;
  io.device = std::filesystem::canonical(sys, ec).filename().string();
  if (io.device.empty()) io.device = std::to_string(maj) + ":" + std::to_string(min);
  io.reads = f[0];
  io.read_bytes = f[2] * 512;
  io.writes = f[4];
  io.write_bytes = f[6] * 512;
  io.flushes = n >= 17 ? f[15] : 0;
  io.own = StorageIo::of_process();
  std::ifstream vm("/proc/vmstat");
  std::string key;
  std::uint64_t value = 0;
  while (vm >> key >> value) {
    if (key == "nr_dirtied") io.dirtied_pages = value;
    if (key == "nr_written") io.written_pages = value;
  }
  return io;
}

DeviceIo DeviceIo::operator-(const DeviceIo& o) const {
  DeviceIo d;
  d.device = device;
  d.reads = reads - o.reads;
  d.read_bytes = read_bytes - o.read_bytes;
  d.writes = writes - o.writes;
  d.write_bytes = write_bytes - o.write_bytes;
  d.flushes = flushes - o.flushes;
  if (own && o.own) {
    d.own = StorageIo{own->read_bytes - o.own->read_bytes, own->write_bytes - o.own->write_bytes,
                      own->cancelled_write_bytes - o.own->cancelled_write_bytes};
  }
  if (dirtied_pages && o.dirtied_pages) d.dirtied_pages = *dirtied_pages - *o.dirtied_pages;
  if (written_pages && o.written_pages) d.written_pages = *written_pages - *o.written_pages;
  return d;
}

std::optional<OtherIo> other_io(const DeviceIo& w, std::uint64_t slack) {
  if (!w.own) return std::nullopt;
  auto beyond = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
  OtherIo o;
  o.read_bytes = beyond(w.read_bytes, w.own->read_bytes);
  if (w.dirtied_pages) o.dirtied_bytes = beyond(*w.dirtied_pages * 4096, w.own->write_bytes);
  if (w.written_pages) o.written_bytes = beyond(*w.written_pages * 4096, w.own->write_bytes);
  std::string s;
  auto add = [&](std::uint64_t bytes, const std::string& what) {
    if (bytes <= slack) return;
    s += (s.empty() ? "" : "; ") + format_fixed(double(bytes) / 1e6, 1) + " MB " + what;
  };
  add(o.read_bytes, "read by the device beyond this process's reads");
  add(o.dirtied_bytes, "of file pages dirtied by others (machine-wide)");
  add(o.written_bytes, "of file pages written back beyond this process's (machine-wide)");
  if (s.empty()) return std::nullopt;
  o.summary = s;
  return o;
}

bool reset_peak_rss(std::string* why_not) {
  std::ofstream out("/proc/self/clear_refs");
  if (out && (out << "5").flush()) return true;
  if (why_not)
    *why_not = std::string("cannot reset the peak RSS (/proc/self/clear_refs: ") +
               std::strerror(errno) + ")";
  return false;
}

std::optional<std::uint64_t> peak_rss_bytes(std::string* why_not) {
  std::ifstream in("/proc/self/status");
  for (std::string key; in >> key;) {
    if (key == "VmHWM:") {
      std::uint64_t kib = 0;
      if (in >> kib) return kib * 1024;
      break;
    }
    in.ignore(4096, '\n');
  }
  if (why_not) *why_not = "/proc/self/status has no VmHWM";
  return std::nullopt;
}

}  // namespace zc
