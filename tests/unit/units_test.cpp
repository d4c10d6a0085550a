#include "harness/base/units.hpp"

#include <gtest/gtest.h>

#include "harness/base/errors.hpp"

namespace zc {
namespace {

TEST(ParseSeconds, OnlyFinitePositiveNumbersUpToTheMaximum) {
  EXPECT_DOUBLE_EQ(parse_seconds("2", "--idle-timeout", 3600), 2.0);
  EXPECT_DOUBLE_EQ(parse_seconds("0.25", "--idle-timeout", 3600), 0.25);
  EXPECT_DOUBLE_EQ(parse_seconds("3600", "--idle-timeout", 3600), 3600.0);
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "-1", "0", "-0", "", "abc", "2s",
                          " 2", "3601", "1e9"}) {
    try {
      parse_seconds(bad, "--idle-timeout", 3600);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--idle-timeout"), std::string::npos) << e.what();
    }
  }
}

TEST(ParseSize, SuffixesArePowersOf1024) {
  EXPECT_EQ(parse_size("4K", "--chunk"), 4096u);
  EXPECT_EQ(parse_size("1M", "--chunk"), 1u << 20);
  EXPECT_EQ(parse_size("2G", "--size"), 2ull << 30);
  EXPECT_EQ(parse_size("1000", "--size"), 1000u);
}

TEST(ParseSize, DecimalsAndUnitSpellings) {
  EXPECT_EQ(parse_size("1.5M", "--size"), 3u << 19);
  EXPECT_EQ(parse_size("0.5K", "--chunk"), 512u);
  EXPECT_EQ(parse_size("256MiB", "--size"), 256u << 20);
  EXPECT_EQ(parse_size("4kib", "--chunk"), 4096u);
  EXPECT_EQ(parse_size("2g", "--size"), 2ull << 30);
  EXPECT_EQ(parse_size("4096B", "--chunk"), 4096u);
  // KB, MB, GB are powers of 1000, as in dd(1) and as the MB/s printed.
  EXPECT_EQ(parse_size("32MB", "--size"), 32'000'000u);
  EXPECT_EQ(parse_size("4kB", "--chunk"), 4000u);
  EXPECT_EQ(parse_size("1.5GB", "--size"), 1'500'000'000u);
}

TEST(ParseSize, NamesTheAcceptedForms) {
  try {
    parse_size("3X", "--size");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("KiB"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("32MB"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_size("0.3K", "--chunk"), UsageError);  // 307.2 bytes
  EXPECT_THROW(parse_size("1.5", "--chunk"), UsageError);
  EXPECT_THROW(parse_size("1..5M", "--chunk"), UsageError);
  EXPECT_THROW(parse_size("4MBB", "--chunk"), UsageError);
}

TEST(FormatNumber, ThreeDecimalsAtMostNoTrailingZeros) {
  EXPECT_EQ(format_number(0.125), "0.125");
  EXPECT_EQ(format_number(2.0), "2");
  EXPECT_EQ(format_number(2.75), "2.75");
  EXPECT_EQ(format_number(0), "0");
}

TEST(Plural, OneOrMany) {
  EXPECT_EQ(plural(1, "run"), "1 run");
  EXPECT_EQ(plural(2, "run"), "2 runs");
  EXPECT_EQ(plural(0, "run"), "0 runs");
  EXPECT_EQ(plural(1, "copy", "copies"), "1 copy");
  EXPECT_EQ(plural(3, "copy", "copies"), "3 copies");
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
