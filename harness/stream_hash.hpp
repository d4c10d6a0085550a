// XXH3-64 over a stream fed in pieces: what every receiver mode hashes.
#pragma once

#include <xxhash.h>

#include <cstddef>
#include <cstdint>

namespace zc {

class StreamHash {
 public:
  StreamHash() { XXH3_64bits_reset(state_); }
  ~StreamHash() { XXH3_freeState(state_); }
  StreamHash(const StreamHash&) = delete;
  StreamHash& operator=(const StreamHash&) = delete;
  void update(const void* p, std::size_t n) { XXH3_64bits_update(state_, p, n); }
  std::uint64_t digest() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_ = XXH3_createState();
};

}  // namespace zc
