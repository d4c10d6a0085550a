#include "harness/workloads/append/append_records.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "harness/base/random.hpp"
#include "harness/base/units.hpp"

namespace zc {
namespace {

// Enough distinct buffers that no two neighbouring records share bytes
// beyond their stamp, few enough to stay in the CPU caches for small records.
constexpr std::uint64_t kMaxPool = 16;
constexpr std::uint64_t kPoolBudget = 64ull << 20;

}  // namespace

RecordSource::RecordSource(std::uint64_t record, std::uint64_t size, std::uint64_t seed)
    : record_(record),
      size_(size),
      records_((size + record - 1) / record),
      stride_(pages_of(record) * kPageBytes),
      pool_(std::clamp<std::uint64_t>(kPoolBudget / stride_, 1, kMaxPool)),
      stamp_key_(SplitMix64{seed ^ 0xa99e7d}.next()),
      buffers_(map_buffer(pool_ * stride_)) {
  SplitMix64 rng{seed};
  auto* words = reinterpret_cast<std::uint64_t*>(buffers_.data());
  for (std::uint64_t i = 0; i < pool_ * stride_ / 8; ++i) words[i] = rng.next();
}

std::uint64_t RecordSource::length(std::uint64_t slot) const {
  return slot + 1 < records_ ? record_ : size_ - slot * record_;
}

const char* RecordSource::fill(std::uint64_t slot) {
  char* p = buffers_.data() + (slot % pool_) * stride_;
  std::uint64_t stamp = slot ^ stamp_key_;
  std::memcpy(p, &stamp, std::min<std::uint64_t>(sizeof stamp, length(slot)));
  return p;
}

std::uint64_t RecordSource::expected_hash() {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  XXH3_64bits_reset(state.get());
  for (std::uint64_t slot = 0; slot < records_; ++slot)
    XXH3_64bits_update(state.get(), fill(slot), length(slot));
  return XXH3_64bits_digest(state.get());
}

std::vector<std::uint64_t> slot_order(std::uint64_t records, AppendPattern pattern,
                                      std::uint64_t seed) {
  std::vector<std::uint64_t> order(records);
  for (std::uint64_t i = 0; i < records; ++i) order[i] = i;
  if (pattern == AppendPattern::random) {
    // Fisher-Yates with our own generator: the same seed gives the same
    // order with any standard library.
    SplitMix64 rng{seed ^ 0x5107};
    for (std::uint64_t i = records; i > 1; --i) std::swap(order[i - 1], order[rng.next() % i]);
  }
  return order;
}

}  // namespace zc
