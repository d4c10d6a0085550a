#include "harness/base/units.hpp"

#include <gtest/gtest.h>

#include "harness/base/errors.hpp"

namespace zc {
namespace {

TEST(ParseSize, SuffixesArePowersOf1024) {
  EXPECT_EQ(parse_size("4K", "--chunk"), 4096u);
  EXPECT_EQ(parse_size("1M", "--chunk"), 1u << 20);
  EXPECT_EQ(parse_size("2G", "--size"), 2ull << 30);
  EXPECT_EQ(parse_size("1000", "--size"), 1000u);
}

TEST(ParseSize, RejectsZeroGarbageAndOverflow) {
  EXPECT_THROW(parse_size("0", "--size"), UsageError);
  EXPECT_THROW(parse_size("abc", "--size"), UsageError);
  EXPECT_THROW(parse_size("4X", "--size"), UsageError);
  EXPECT_THROW(parse_size("", "--size"), UsageError);
  EXPECT_THROW(parse_size("-4K", "--size"), UsageError);
  EXPECT_THROW(parse_size("99999999999999999999", "--size"), UsageError);
  EXPECT_THROW(parse_size("99999999999G", "--size"), UsageError);
}

TEST(ParseSizeList, ListsAndPowerOfTwoRanges) {
  EXPECT_EQ(parse_size_list("1M,64M", "--size"), (std::vector<std::uint64_t>{1u << 20, 64u << 20}));
  EXPECT_EQ(parse_size_list("4K..32K", "--chunk"),
            (std::vector<std::uint64_t>{4096, 8192, 16384, 32768}));
  EXPECT_THROW(parse_size_list("4M..4K", "--chunk"), UsageError);
}

TEST(FormatSize, RoundTrips) {
  EXPECT_EQ(format_size(256u << 20), "256M");
  EXPECT_EQ(format_size(4096), "4K");
  EXPECT_EQ(format_size(3000), "3000");
}

}  // namespace
}  // namespace zc
