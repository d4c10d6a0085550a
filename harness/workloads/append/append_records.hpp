// The records of an append run: seeded, deterministic content and the order
// the harness issues them in, so that the finished log is checkable by hash.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/base/fd.hpp"
#include "harness/core/append_params.hpp"

namespace zc {

// Record `slot` is one of a small pool of seeded pseudo-random buffers with
// the slot number stamped into its first bytes: every record differs (a
// record in the wrong slot changes the hash), and making one costs an 8-byte
// store in the timed loop instead of generating `record` bytes.
class RecordSource {
 public:
  RecordSource(std::uint64_t record, std::uint64_t size, std::uint64_t seed);
  // The bytes of record `slot`, valid until the next call. Page-aligned, so
  // O_DIRECT can use them as they are.
  const char* fill(std::uint64_t slot);
  std::uint64_t length(std::uint64_t slot) const;
  std::uint64_t records() const { return records_; }
  // XXH3-64 of the whole log as it must read back: every slot in order.
  std::uint64_t expected_hash();

 private:
  std::uint64_t record_, size_, records_, stride_, pool_;
  std::uint64_t stamp_key_;
  Mapping buffers_;
};

// The order records are issued in: 0..n-1, or a seeded permutation of it.
std::vector<std::uint64_t> slot_order(std::uint64_t records, AppendPattern pattern,
                                      std::uint64_t seed);

}  // namespace zc
