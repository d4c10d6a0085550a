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
#include "harness/measure/repetition.hpp"
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
void create_log(const RemovedOnExit& log, const Conditions& c) {
  auto fd = log.create();
  if (c.append.pattern == AppendPattern::random) {
    int err = ::posix_fallocate(fd.get(), 0, off_t(c.size));
    if (err != 0) throw std::system_error(err, std::generic_category(), "pre-allocate log");
    check_unix(::fsync(fd.get()), "fsync (pre-allocated log)");
  }
}

// The timed region's raw figures.
struct Timed {
  CallCounters calls;
  std::vector<std::uint64_t> latencies;
  std::uint64_t syncs = 0;
  std::uint64_t t0 = 0, t1 = 0, t_final = 0;
  Usage usage;
  // The process (RUSAGE_SELF: the cpu role), its storage I/O and the
  // device under the log, which sees what /proc/self/io cannot: the journal
  // and metadata writes that make an append durable.
  MeterWindow window;
  explicit Timed(const fs::path& dir) : window(MeterSet{false, dir}) {}
};

// Appends every record in `order`, applying the sync policy, then the final
// sync (timed on its own: what the page cache still owed the device when
// the last record was "written").
Timed append_all(AppendSession& session, RecordSource& records,
                 const std::vector<std::uint64_t>& order, const SyncPolicy& policy,
                 const fs::path& dir, AppendKernelWindow& kernel) {
  Timed t(dir);
  const auto n = order.size();
  t.latencies.reserve(n);
  const std::uint64_t interval_ns = policy.n * 1'000'000ull;
  const Deadline none;  // an append has no deadline: only a stop signal ends it early
  t.window.start();
  t.usage = Usage::of_thread();
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
      none.check(now, 0);
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
  t.window.stop();
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
  values["process_cpu_ns_per_byte"] = t.window.process().cpu_s() * 1e9 / bytes;
  values["voluntary_switches"] = double(t.usage.voluntary_switches);
  values["involuntary_switches"] = double(t.usage.involuntary_switches);
  values["minor_faults"] = double(t.usage.minor_faults);
  values["major_faults"] = double(t.usage.major_faults);
}

// What the device wrote from the first record to the end of the final
// sync, system-wide, beside the log's storage figures; null when it
// cannot be read.
json device_details(const Timed& t, const std::string& fs_name, Values& values,
                    Unavailable& unavailable) {
  auto d = t.window.device();
  if (fs_name == "tmpfs" || !d) {
    unavailable["device_writes"] = unavailable["device_write_bytes"];
    return nullptr;
  }
  values["device_writes"] = double(d->writes);
  return storage_device_json(*d);
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
    create_log(log, c);
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
  add_log_storage_values(t.window, fs_name, double(c.size), values, unavailable);
  auto device = device_details(t, fs_name, values, unavailable);
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
