// Clocks and kernel accounting read by the harness around the timed region.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace zc {

std::uint64_t now_ns();  // CLOCK_MONOTONIC via the vDSO: ~20 ns, no syscall

// getrusage figures: CPU time, context switches, page faults.
struct Usage {
  double user_s = 0, sys_s = 0;
  std::int64_t voluntary_switches = 0, involuntary_switches = 0;
  std::int64_t minor_faults = 0, major_faults = 0;

  static Usage of_thread();   // RUSAGE_THREAD: the calling thread only
  static Usage of_process();  // RUSAGE_SELF
  static Usage from(const rusage& ru);
  Usage operator-(const Usage& o) const;
  double cpu_s() const { return user_s + sys_s; }
};

// /proc/self/io: bytes this process caused to be read from or written to
// storage (not the page cache). write_bytes is charged when a page is
// dirtied; cancelled_write_bytes when the dirty page is dropped unwritten
// (a file truncated or deleted before writeback).
struct StorageIo {
  std::uint64_t read_bytes = 0, write_bytes = 0, cancelled_write_bytes = 0;
  // nullopt with a reason when the kernel lacks task I/O accounting.
  static std::optional<StorageIo> of_process(std::string* why_not = nullptr);
};

// What the block device under a path read and wrote (/sys/dev/block/
// MAJ:MIN/stat of its file system's device or partition): journal,
// metadata and writeback included, from every process on the machine
// (system-wide: label it so).
struct DeviceIo {
  std::string device;  // "vda", "nvme0n1p2"
  std::uint64_t reads = 0, read_bytes = 0, writes = 0, write_bytes = 0, flushes = 0;
  // Read at the same moment, to tell this process's traffic from others':
  // this process's own storage I/O (/proc/self/io) and the machine's file
  // pages dirtied and written back (/proc/vmstat nr_dirtied, nr_written;
  // every device's). Missing when the kernel does not say.
  std::optional<StorageIo> own;
  std::optional<std::uint64_t> dirtied_pages, written_pages;
  // nullopt with a reason when the path is on no block device (tmpfs,
  // overlay on tmpfs) or sysfs does not say.
  static std::optional<DeviceIo> under(const std::filesystem::path& path,
                                       std::string* why_not = nullptr);
  DeviceIo operator-(const DeviceIo& o) const;
};

// On a window's difference (DeviceIo b - a): traffic this process cannot
// account for, which the device's figures then include. Three signs, each
// beyond `slack` bytes (the file system's own metadata): the device read
// more than this process read from storage; file pages this process did
// not dirty were dirtied, or written back, on the machine (another
// process's writes reach the device then or later). Blind to other
// processes' O_DIRECT writes. nullopt: none seen (or nothing to tell by).
struct OtherIo {
  std::uint64_t read_bytes = 0;     // device reads beyond this process's
  std::uint64_t dirtied_bytes = 0;  // others' file pages dirtied (machine-wide)
  std::uint64_t written_bytes = 0;  // file pages written back beyond this process's
  std::string summary;              // one line, sizes in words
};
inline constexpr std::uint64_t kOtherIoSlack = 256 * 1024;
std::optional<OtherIo> other_io(const DeviceIo& window, std::uint64_t slack = kOtherIoSlack);

// Peak resident memory of this process over a window: reset_peak_rss()
// starts the window (writes 5 to /proc/self/clear_refs, which resets
// VmHWM to the current RSS), peak_rss_bytes() reads VmHWM from
// /proc/self/status. Without the reset the peak is the process's lifetime
// one (calibration's buffers included).
bool reset_peak_rss(std::string* why_not = nullptr);
std::optional<std::uint64_t> peak_rss_bytes(std::string* why_not = nullptr);

}  // namespace zc
