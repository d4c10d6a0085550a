#include "harness/base/hash.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace zc {
namespace {

std::vector<unsigned char> pattern(std::size_t n) {
  std::vector<unsigned char> v(n);
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& b : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = static_cast<unsigned char>(x);
  }
  return v;
}

// StreamHash goes through libxxhash's runtime-dispatched (AVX2/AVX-512)
// update where it exists: its digest must be XXH3-64's, as the library's
// one-shot generic code computes it, whatever the pieces the stream
// arrives in (reads return arbitrary lengths).
TEST(StreamHash, EqualsOneShotXxh3WhateverTheSplit) {
  for (std::size_t size : {0u, 1u, 240u, 241u, 1024u, 4096u + 7u, (1u << 20) + 3u}) {
    auto data = pattern(size);
    const auto expected = XXH3_64bits(data.data(), data.size());
    for (std::size_t piece : {1u, 63u, 64u, 1000u, 131072u}) {
      StreamHash h;
      for (std::size_t off = 0; off < size; off += piece)
        h.update(data.data() + off, std::min(piece, size - off));
      EXPECT_EQ(h.digest(), expected) << size << " bytes in pieces of " << piece;
    }
  }
}

TEST(StreamHash, KnownDigests) {
  EXPECT_EQ(StreamHash().digest(), 0x2d06800538d394c2ull);  // XXH3-64 of nothing
  StreamHash h;
  h.update("abc", 3);
  EXPECT_EQ(hex64(h.digest()), hex64(XXH3_64bits("abc", 3)));
}

}  // namespace
}  // namespace zc
