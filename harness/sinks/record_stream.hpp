// The records a producer sends: seeded, deterministic bytes behind a small
// header, so that whoever holds the bytes (the log, a consumer) can check
// them and tell whose they are and when they were sent.
#pragma once

#include <cstdint>
#include <cstring>

#include "harness/base/fd.hpp"

namespace zc {

// Each record opens with this header, cut short only when a stream's last
// record is shorter than it (ingest runs allow any size; the broker keeps
// whole records).
struct RecordHeader {
  std::uint64_t stamp = 0;     // sequence number ^ a key from the seed: a record out of place
                               // changes the hash
  std::uint32_t producer = 0;  // which producer sent it
  std::uint32_t length = 0;    // the record's bytes, header included
  std::uint64_t sent_ns = 0;   // CLOCK_MONOTONIC when the producer sent it; 0 when not stamped
};
inline constexpr std::uint64_t kRecordHeader = sizeof(RecordHeader);
static_assert(kRecordHeader == 24);

// One producer's stream: `size` bytes of `record`-byte records. Records are
// built in batches of about a mebibyte in a buffer made once: sending a
// batch rewrites only its headers, so the producer's cost is the send, not
// the making of the bytes.
class RecordStream {
 public:
  RecordStream(std::uint64_t record, std::uint64_t size, std::uint64_t seed,
               std::uint32_t producer);
  std::uint64_t records() const { return records_; }
  std::uint64_t batch_records() const { return batch_records_; }
  std::uint64_t length(std::uint64_t seq) const {
    return seq + 1 < records_ ? record_ : size_ - seq * record_;
  }
  // Stamps records [first, first + n) (n <= batch_records()) with `sent_ns`
  // and returns their bytes, contiguous, valid until the next call.
  const char* batch(std::uint64_t first, std::uint64_t n, std::uint64_t sent_ns);
  std::uint64_t batch_bytes(std::uint64_t first, std::uint64_t n) const;
  // XXH3-64 of the whole stream when no record carries a send time.
  std::uint64_t unstamped_hash();

 private:
  std::uint64_t record_, size_, records_, batch_records_;
  std::uint64_t key_;
  std::uint32_t producer_;
  Mapping buffer_;
};

// Reads the header of a record that starts at `p` (at least kRecordHeader
// bytes there).
inline RecordHeader read_header(const char* p) {
  RecordHeader h;
  std::memcpy(&h, p, sizeof h);
  return h;
}

}  // namespace zc
