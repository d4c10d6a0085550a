// Hashing of byte streams and files: XXH3-64, what every receiver, log and
// source is checked with, and its fixed-width hex spelling in the results.
#pragma once

#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

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

// XXH3-64 of a file's first `size` bytes (read with plain read()).
std::uint64_t hash_file(const std::filesystem::path& path, std::uint64_t size);

// "00c0ffee00c0ffee": 16 lowercase hex digits.
std::string hex64(std::uint64_t v);

}  // namespace zc
