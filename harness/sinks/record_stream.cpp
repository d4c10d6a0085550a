#include "harness/sinks/record_stream.hpp"

#include <algorithm>

#include "harness/base/hash.hpp"
#include "harness/base/random.hpp"

namespace zc {
namespace {

constexpr std::uint64_t kBatchBudget = 1 << 20;

}  // namespace

RecordStream::RecordStream(std::uint64_t record, std::uint64_t size, std::uint64_t seed,
                           std::uint32_t producer)
    : record_(record),
      size_(size),
      records_((size + record - 1) / record),
      batch_records_(std::max<std::uint64_t>(1, kBatchBudget / record)),
      key_(SplitMix64{seed ^ 0x1e57}.next()),
      producer_(producer),
      buffer_(map_buffer(batch_records_ * record)) {
  SplitMix64 rng{seed ^ (std::uint64_t(producer) << 32)};
  auto* words = reinterpret_cast<std::uint64_t*>(buffer_.data());
  for (std::uint64_t i = 0; i < batch_records_ * record / 8; ++i) words[i] = rng.next();
}

std::uint64_t RecordStream::batch_bytes(std::uint64_t first, std::uint64_t n) const {
  std::uint64_t bytes = 0;
  for (std::uint64_t i = 0; i < n; ++i) bytes += length(first + i);
  return bytes;
}

const char* RecordStream::batch(std::uint64_t first, std::uint64_t n, std::uint64_t sent_ns) {
  // Record `seq` sits at position seq % batch_records() of the buffer; a
  // batch that starts mid-cycle is rotated so its records come out
  // contiguous from the buffer's start.
  for (std::uint64_t i = 0; i < n; ++i) {
    auto seq = first + i;
    auto len = length(seq);
    RecordHeader h{seq ^ key_, producer_, std::uint32_t(len), sent_ns};
    std::memcpy(buffer_.data() + i * record_, &h, std::min<std::uint64_t>(sizeof h, len));
  }
  return buffer_.data();
}

std::uint64_t RecordStream::unstamped_hash() {
  StreamHash hash;
  for (std::uint64_t first = 0; first < records_; first += batch_records_) {
    auto n = std::min(batch_records_, records_ - first);
    hash.update(batch(first, n, 0), batch_bytes(first, n));
  }
  return hash.digest();
}

}  // namespace zc
