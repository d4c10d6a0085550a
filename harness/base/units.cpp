#include "harness/base/units.hpp"

#include <charconv>
#include <cstdio>
#include <limits>

#include "harness/base/errors.hpp"

namespace zc {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto pos = text.find(sep, start);
    out.emplace_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  auto bad = [&](const char* why) {
    return UsageError(std::string(what) + ": '" + std::string(text) + "' " + why +
                      " (allowed: a positive number with optional K, M or G, e.g. 4K, 256M, 1G)");
  };
  std::uint64_t value = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range) throw bad("is too large");
  if (ec != std::errc() || ptr == begin) throw bad("is not a size");
  std::uint64_t mult = 1;
  std::string_view suffix(ptr, end - ptr);
  if (suffix == "K" || suffix == "k" || suffix == "KiB")
    mult = 1ull << 10;
  else if (suffix == "M" || suffix == "m" || suffix == "MiB")
    mult = 1ull << 20;
  else if (suffix == "G" || suffix == "g" || suffix == "GiB")
    mult = 1ull << 30;
  else if (!suffix.empty() && suffix != "B")
    throw bad("has an unknown suffix");
  if (value == 0) throw bad("must be greater than 0");
  if (value > std::numeric_limits<std::uint64_t>::max() / mult) throw bad("is too large");
  return value * mult;
}

std::vector<std::string> split_unique(std::string_view text, std::string_view what) {
  auto items = split(text, ',');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].empty())
      throw UsageError(std::string(what) + ": '" + std::string(text) + "' has an empty item");
    for (std::size_t j = 0; j < i; ++j)
      if (items[j] == items[i])
        throw UsageError(std::string(what) + ": '" + items[i] + "' is listed twice");
  }
  return items;
}

std::uint64_t parse_count(std::string_view text, std::string_view what, std::uint64_t lo,
                          std::uint64_t hi) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || value < lo ||
      value > hi)
    throw UsageError(std::string(what) + ": '" + std::string(text) +
                     "' is not a whole number from " + std::to_string(lo) + " to " +
                     std::to_string(hi));
  return value;
}

namespace {

// Every size in the list, ranges expanded, duplicates kept.
std::vector<std::uint64_t> parse_size_list_items(std::string_view text, std::string_view what) {
  std::vector<std::uint64_t> out;
  for (const auto& item : split(text, ',')) {
    auto dots = item.find("..");
    if (dots == std::string::npos) {
      out.push_back(parse_size(item, what));
      continue;
    }
    auto lo = parse_size(std::string_view(item).substr(0, dots), what);
    auto hi = parse_size(std::string_view(item).substr(dots + 2), what);
    if (lo > hi)
      throw UsageError(std::string(what) + ": range '" + item +
                       "' runs backwards (write LOW..HIGH)");
    for (auto v = lo; v <= hi; v *= 2) {
      out.push_back(v);
      if (v > hi / 2) break;
    }
  }
  return out;
}

}  // namespace

std::vector<std::uint64_t> parse_size_list(std::string_view text, std::string_view what) {
  std::vector<std::uint64_t> out = parse_size_list_items(text, what);
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (out[i] == out[j])
        throw UsageError(std::string(what) + ": " + format_size(out[i]) +
                         " is listed twice (two runs would get one name)");
  return out;
}

std::string format_fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string format_size(std::uint64_t bytes) {
  static const char* suffixes[] = {"", "K", "M", "G"};
  int i = 0;
  while (i < 3 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++i;
  }
  return std::to_string(bytes) + suffixes[i];
}

}  // namespace zc
