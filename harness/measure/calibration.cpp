#include "harness/measure/calibration.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "harness/base/fd.hpp"
#include "harness/measure/meters.hpp"

namespace zc {
namespace {

// Keeps the compiler from treating the copies as dead stores.
inline void clobber_memory() { asm volatile("" ::: "memory"); }

CopyBandwidth measure(std::size_t bytes, std::uint64_t budget_ns) {
  auto src = map_buffer(bytes);
  auto dst = map_buffer(bytes);
  // Untimed: fault both buffers in and warm the caches (a real copy).
  std::memset(src.data(), 0x5a, bytes);
  std::memcpy(dst.data(), src.data(), bytes);
  clobber_memory();
  std::uint64_t copied = 0;
  auto t0 = now_ns(), t = t0;
  while (t - t0 < budget_ns) {
    std::memcpy(dst.data(), src.data(), bytes);
    clobber_memory();
    copied += bytes;
    t = now_ns();
  }
  return {bytes, double(copied) / (double(t - t0) * 1e-9), double(t - t0) * 1e-9};
}

long cache_size(int name, long fallback) {
  long v = ::sysconf(name);
  return v > 0 ? v : fallback;
}

}  // namespace

Calibration calibrate_memcpy() {
  Calibration c;
  // Half the L2 for both buffers: resident for the whole loop.
  auto l2 = std::size_t(cache_size(_SC_LEVEL2_CACHE_SIZE, 512 << 10));
  c.cache = measure(std::max<std::size_t>(l2 / 4, 16 << 10), 50'000'000);
  // Twice the last-level cache, capped so that calibration stays short and
  // small; VMs often report the host's whole L3 here.
  constexpr std::size_t cap = 128 << 20;
  auto llc = std::size_t(cache_size(_SC_LEVEL3_CACHE_SIZE, 32 << 20));
  auto dram_bytes = std::clamp<std::size_t>(2 * llc, 32 << 20, cap);
  c.dram = measure(dram_bytes, 100'000'000);
  if (dram_bytes < 2 * llc)
    c.note = "the reported last-level cache (" + std::to_string(llc >> 20) +
             " MiB) is larger than the 128 MiB DRAM buffer: the DRAM figure may be partly "
             "cache-resident";
  return c;
}

const Calibration& process_calibration() {
  static const Calibration c = calibrate_memcpy();
  return c;
}

nlohmann::json to_json(const Calibration& c) {
  auto one = [](const CopyBandwidth& b) {
    return nlohmann::json{
        {"buffer_bytes", b.buffer_bytes}, {"bytes_per_s", b.bytes_per_s}, {"seconds", b.seconds}};
  };
  nlohmann::json j = {{"method",
                       "memcpy of one buffer into another, repeated for a fixed time on the "
                       "calling thread; bytes_per_s counts each byte copied once"},
                      {"cache_resident", one(c.cache)},
                      {"dram", one(c.dram)}};
  if (!c.note.empty()) j["note"] = c.note;
  return j;
}

int critical_path_copies(const Ledger& l, unsigned online_cpus) {
  int s = l.cpu_copies(Side::sender), r = l.cpu_copies(Side::receiver);
  return online_cpus >= 2 ? std::max(s, r) : s + r;
}

CopyBound copy_bound(const Ledger& l, const Calibration& cal, unsigned online_cpus) {
  CopyBound b;
  b.copies = critical_path_copies(l, online_cpus);
  if (b.copies == 0) {
    b.basis = "no CPU copy on the critical path: the run is not copy-bound";
    return b;
  }
  b.limit_bytes_per_s = cal.dram.bytes_per_s / b.copies;
  b.basis = "DRAM memcpy bandwidth / " + std::to_string(b.copies) +
            " CPU copies on the critical path (" +
            (online_cpus >= 2 ? "max of sender and receiver copies: they run on separate cores"
                              : "sender + receiver copies: one CPU") +
            "); the file streams from DRAM";
  return b;
}

}  // namespace zc
