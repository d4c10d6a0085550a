// Parsing of sizes ("4K", "1.5M", "1G", "256MiB": powers of 1024; "32MB":
// powers of 1000), lists ("1M,64M") and ranges ("4K..4M": every power of
// two in between), and the number formats of the reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zc {

// Throws UsageError naming `what` when the text is not a positive size.
std::uint64_t parse_size(std::string_view text, std::string_view what);
std::vector<std::uint64_t> parse_size_list(std::string_view text, std::string_view what);
std::vector<std::string> split(std::string_view text, char sep);
// A comma-separated list of names for option `what`; throws UsageError on
// an empty item or one listed twice (two runs would get one name).
std::vector<std::string> split_unique(std::string_view text, std::string_view what);
// A plain count in [lo, hi] for option `what` ("8", not "8K"); throws
// UsageError naming the range.
std::uint64_t parse_count(std::string_view text, std::string_view what, std::uint64_t lo,
                          std::uint64_t hi);

// A number of seconds above 0 and at most `max_s` for option `what`;
// throws UsageError naming the option on anything else (nan, inf, a
// negative or zero, trailing text).
double parse_seconds(std::string_view text, std::string_view what, double max_s = 86400);

// "12.35" for (12.3456, 2).
std::string format_fixed(double v, int decimals);

// 0.125 -> "0.125", 2.0 -> "2", 2.75 -> "2.75": at most three decimals,
// no trailing zeros.
std::string format_number(double v);

// "1 run", "2 runs"; `plural_form` when the plural is not singular + "s"
// ("1 copy", "2 copies").
std::string plural(long long n, std::string_view singular, std::string_view plural_form = {});

// "256M" for 268435456, "4K" for 4096, "1000" for 1000.
std::string format_size(std::uint64_t bytes);

// The page the harness's arithmetic assumes (logs' slots, mincore vectors,
// page-cache bounds): 4 KiB, the x86-64 and default arm64 page.
inline constexpr std::uint64_t kPageBytes = 4096;
// Pages that `bytes` touch, the last one partly.
constexpr std::uint64_t pages_of(std::uint64_t bytes) {
  return (bytes + kPageBytes - 1) / kPageBytes;
}

}  // namespace zc
