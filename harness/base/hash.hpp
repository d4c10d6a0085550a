// Hashing of byte streams and files: XXH3-64, what every receiver, log and
// source is checked with, and its fixed-width hex spelling in the results.
#pragma once

#include <xxhash.h>
// libxxhash's XXH3_64bits_update is its generic SSE2 code; the same library
// exports XXH3_64bits_update_dispatch, which picks AVX2 or AVX-512 at run
// time. Measured on the project's VM (AMD EPYC, 256 KiB blocks, thread CPU
// time): 0.050 ns/B generic, 0.013 dispatched (the receiver spent 0.04 of
// its ~0.22 ns/B hashing). Same digests: only the code path differs.
#if defined(__x86_64__) && __has_include(<xxh_x86dispatch.h>)
#define XXH_DISPATCH_DISABLE_REPLACE
#include <xxh_x86dispatch.h>
#define ZC_XXH3_UPDATE XXH3_64bits_update_dispatch
#else
#define ZC_XXH3_UPDATE XXH3_64bits_update
#endif

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
  void update(const void* p, std::size_t n) { ZC_XXH3_UPDATE(state_, p, n); }
  std::uint64_t digest() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_ = XXH3_createState();
};

// XXH3-64 of a file's first `size` bytes (read with plain read()).
std::uint64_t hash_file(const std::filesystem::path& path, std::uint64_t size);

// "00c0ffee00c0ffee": 16 lowercase hex digits.
std::string hex64(std::uint64_t v);

}  // namespace zc
