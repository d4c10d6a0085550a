#include "harness/workloads/append/append_measure.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/file_system.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/percentile.hpp"
#include "harness/base/temp_dir.hpp"
#include "harness/base/units.hpp"
#include "harness/measure/append_check.hpp"
#include "harness/measure/meters.hpp"
#include "harness/measure/storage_device.hpp"
#include "harness/workloads/append/append_records.hpp"

namespace zc {
namespace fs = std::filesystem;
using nlohmann::json;

fs::path append_log_path(const fs::path& dir, std::string_view id) {
  return dir / ("log-" + std::string(id) + ".bin");
}

namespace {

std::string where(const fs::path& dir) {
  std::string s = dir.string() + " (" + filesystem_name(dir);
  struct statvfs sv {};
  if (::statvfs(dir.c_str(), &sv) == 0)
    s += ", " + format_size(std::uint64_t(sv.f_bavail) * sv.f_frsize) + " free";
  return s + ")";
}

// A failure named by what it means for the user, not only by the call.
[[noreturn]] void fail(const std::system_error& e, const fs::path& dir, const std::string& when) {
  auto code = e.code().value();
  std::string what = code == ENOSPC   ? "no space left for the log in " + where(dir)
                     : code == EROFS  ? "the log folder " + dir.string() + " is read-only"
                     : code == EDQUOT ? "disk quota exceeded for the log in " + where(dir)
                                      : "the log in " + where(dir) + " failed";
  throw std::runtime_error(what + ": " + e.what() + " " + when + "; the partial log was removed");
}

// Creates the log outside the timed region: empty for seq, pre-allocated to
// its final size for random (and made durable, so that the timed syncs of a
// random run do not pay for the allocation).
void create_log(const fs::path& path, const Conditions& c) {
  UniqueFd fd(check_unix(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
                         "create log"));
  if (c.append.pattern == AppendPattern::random) {
    int err = ::posix_fallocate(fd.get(), 0, off_t(c.size));
    if (err != 0) throw std::system_error(err, std::generic_category(), "pre-allocate log");
    check_unix(::fsync(fd.get()), "fsync (pre-allocated log)");
  }
}

}  // namespace

namespace {

// The timed region's raw figures.
struct Timed {
  CallCounters calls;
  std::vector<std::uint64_t> latencies;
  std::uint64_t syncs = 0;
  std::uint64_t t0 = 0, t1 = 0, t_final = 0;
  Usage usage;
  Usage process;  // RUSAGE_SELF over the same window: the cpu role
  std::optional<StorageIo> io0, io1;
  std::string io_why;
  // The device under the log sees what /proc/self/io cannot: the journal
  // and metadata writes that make an append durable.
  std::optional<DeviceIo> dev0, dev1;
  std::string dev_why;
};

// Appends every record in `order`, applying the sync policy, then the final
// sync (timed on its own: what the page cache still owed the device when
// the last record was "written").
Timed append_all(AppendSession& session, RecordSource& records,
                 const std::vector<std::uint64_t>& order, const SyncPolicy& policy,
                 const fs::path& dir, AppendKernelWindow& kernel) {
  Timed t;
  const auto n = order.size();
  t.latencies.reserve(n);
  const std::uint64_t interval_ns = policy.n * 1'000'000ull;
  t.io0 = StorageIo::of_process(&t.io_why);
  t.dev0 = DeviceIo::under(dir, &t.dev_why);
  t.usage = Usage::of_thread();
  t.process = Usage::of_process();
  kernel.start();
  t.t0 = now_ns();
  std::size_t i = 0;
  try {
    // A record's latency includes the sync the policy issues after it, so
    // that the cost of durability shows in the tail.
    std::uint64_t last = t.t0, last_sync = t.t0;
    for (; i < n; ++i) {
      auto slot = order[i];
      session.append(slot, records.fill(slot), records.length(slot), t.calls);
      bool sync_now = policy.kind == SyncPolicy::Kind::every ? (i + 1) % policy.n == 0
                      : policy.kind == SyncPolicy::Kind::interval
                          ? now_ns() - last_sync >= interval_ns
                          : false;
      if (sync_now) {
        session.sync(t.calls);
        ++t.syncs;
        last_sync = now_ns();
      }
      auto now = now_ns();
      t.latencies.push_back(now - last);
      last = now;
      if (interrupted()) throw std::runtime_error("interrupted");
    }
    t.t1 = now_ns();
    session.sync(t.calls);
    t.t_final = now_ns();
    kernel.stop();
  } catch (const std::system_error& e) {
    if (interrupted()) throw std::runtime_error("interrupted");
    fail(e, dir, "after " + std::to_string(i) + " of " + std::to_string(n) + " records");
  }
  t.usage = Usage::of_thread() - t.usage;
  t.process = Usage::of_process() - t.process;
  t.io1 = StorageIo::of_process();
  t.dev1 = DeviceIo::under(dir, &t.dev_why);
  return t;
}

// The log must hold exactly the records, each in its slot.
std::uint64_t verify_log(const fs::path& path, const Conditions& c, RecordSource& records) {
  struct stat st {};
  check_unix(::stat(path.c_str(), &st), "stat log");
  if (std::uint64_t(st.st_size) != c.size)
    throw std::runtime_error("log is " + std::to_string(st.st_size) + " bytes, expected " +
                             std::to_string(c.size));
  auto expected = records.expected_hash();
  auto actual = hash_file(path, c.size);
  if (actual != expected)
    throw std::runtime_error("log content mismatch: hash " + hex64(actual) + " != expected " +
                             hex64(expected));
  return actual;
}

void timed_values(Timed& t, double bytes, Values& values) {
  const auto n = t.latencies.size();
  double wall_s = double(t.t1 - t.t0) * 1e-9, final_s = double(t.t_final - t.t1) * 1e-9;
  values["wall_s"] = wall_s;
  values["throughput_bytes_per_s"] = bytes / wall_s;
  values["records"] = double(n);
  values["records_per_s"] = double(n) / wall_s;
  values["final_sync_s"] = final_s;
  values["durable_throughput_bytes_per_s"] = bytes / (wall_s + final_s);
  auto& lat = t.latencies;
  add_latency_values(lat, values);
  values["syncs"] = double(t.syncs);
  values["syscalls"] = double(t.calls.syscalls);
  values["syscalls_per_record"] = double(t.calls.syscalls) / double(n);
  values["bytes_copied_from_user"] = double(t.calls.bytes_from_user);
  values["user_s"] = t.usage.user_s;
  values["sys_s"] = t.usage.sys_s;
  values["cpu_ns_per_byte"] = t.usage.cpu_s() * 1e9 / bytes;
  values["process_cpu_ns_per_byte"] = t.process.cpu_s() * 1e9 / bytes;
  values["voluntary_switches"] = double(t.usage.voluntary_switches);
  values["involuntary_switches"] = double(t.usage.involuntary_switches);
  values["minor_faults"] = double(t.usage.minor_faults);
  values["major_faults"] = double(t.usage.major_faults);
}

void storage_values(Timed& t, const std::string& fs_name, double bytes, Values& values,
                    Unavailable& unavailable) {
  if (fs_name == "tmpfs") {
    t.io_why = "the log is on tmpfs, which has no storage behind its page cache";
    t.io0.reset();
  }
  if (t.io0 && t.io1) {
    values["storage_write_bytes"] = double(t.io1->write_bytes - t.io0->write_bytes);
    values["storage_write_amplification"] = double(t.io1->write_bytes - t.io0->write_bytes) / bytes;
  } else {
    unavailable["storage_write_bytes"] = unavailable["storage_write_amplification"] = t.io_why;
  }
}

// What the device wrote from the first record to the end of the final
// sync, system-wide; null when it cannot be read.
json device_values(Timed& t, const std::string& fs_name, double bytes, Values& values,
                   Unavailable& unavailable) {
  if (fs_name == "tmpfs") {
    t.dev_why = "the log is on tmpfs, which has no storage device";
    t.dev0.reset();
  }
  if (!t.dev0 || !t.dev1) {
    for (auto k : {"device_write_bytes", "device_writes", "device_write_amplification"})
      unavailable[k] = t.dev_why;
    return nullptr;
  }
  auto d = *t.dev1 - *t.dev0;
  values["device_write_bytes"] = double(d.write_bytes);
  values["device_writes"] = double(d.writes);
  values["device_write_amplification"] = double(d.write_bytes) / bytes;
  return storage_device_json(d);
}

}  // namespace

json measure_append_once(const AppendStrategy& strategy, const Conditions& c, const fs::path& dir,
                         std::uint64_t seed, Values& values, Unavailable& unavailable,
                         bool kernel_counters) {
  RemovedOnExit log(append_log_path(dir, strategy.id()));
  RecordSource records(c.chunk, c.size, seed);
  const auto n = records.records();
  auto order = slot_order(n, c.append.pattern, seed);
  AppendContext ctx{log.path(), c.size, c.chunk, n, c.append.pattern, c.append.sync.opens_dsync()};
  std::unique_ptr<AppendSession> session;
  try {
    create_log(log.path(), c);
    session = strategy.prepare(ctx);
  } catch (const std::system_error& e) {
    fail(e, dir, "while creating it");
  }
  AppendKernelWindow kernel(kernel_counters);
  auto t = append_all(*session, records, order, c.append.sync, dir, kernel);
  session.reset();
  auto hash = verify_log(log.path(), c, records);

  timed_values(t, double(c.size), values);
  auto fs_name = filesystem_name(dir);
  storage_values(t, fs_name, double(c.size), values, unavailable);
  auto device = device_values(t, fs_name, double(c.size), values, unavailable);
  auto checked =
      kernel.check(strategy.ledger(c), c, t.calls, n, t.syncs, fs_name, values, unavailable);
  json rep = {{"values", values},
              {"verification", {{"verified", true}, {"hash", hex64(hash)}}},
              {"log", {{"file_system", fs_name}, {"records", n}}}};
  if (!t.calls.evidence.empty()) rep["evidence"] = t.calls.evidence;
  if (!device.is_null()) rep["storage_device"] = device;
  rep.update(checked);
  return rep;
}

}  // namespace zc
