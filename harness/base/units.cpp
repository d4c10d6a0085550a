#include "harness/base/units.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

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

namespace {

// K, M, G and KiB, MiB, GiB are powers of 1024 (DESIGN.md); KB, MB, GB are
// powers of 1000, as in dd(1) and as the MB/s zc-bench prints. Any case.
std::optional<double> size_multiplier(std::string_view suffix) {
  std::string s;
  for (char ch : suffix) s += char(std::tolower(static_cast<unsigned char>(ch)));
  if (s.empty() || s == "b") return 1;
  const std::string_view units = "kmg";
  auto at = units.find(s[0]);
  if (at == std::string_view::npos) return std::nullopt;
  const auto rest = s.substr(1);
  if (rest == "" || rest == "i" || rest == "ib") return std::pow(1024.0, double(at + 1));
  if (rest == "b") return std::pow(1000.0, double(at + 1));
  return std::nullopt;
}

}  // namespace

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  auto bad = [&](const char* why) {
    return UsageError(std::string(what) + ": '" + std::string(text) + "' " + why +
                      " (allowed: a positive number, decimals too, with an optional suffix: "
                      "K, M, G or KiB, MiB, GiB = powers of 1024; KB, MB, GB = powers of 1000; "
                      "e.g. 4K, 1.5M, 256MiB, 32MB)");
  };
  const char* begin = text.data();
  const char* end = begin + text.size();
  // Whole numbers exactly; a decimal point goes through a double.
  std::uint64_t whole = 0;
  auto [ptr, ec] = std::from_chars(begin, end, whole);
  if (ec == std::errc::result_out_of_range) throw bad("is too large");
  if (ec != std::errc() || ptr == begin) throw bad("is not a size");
  double value = double(whole);
  if (ptr != end && *ptr == '.') {
    auto [dptr, dec] = std::from_chars(begin, end, value, std::chars_format::fixed);
    if (dec != std::errc()) throw bad("is not a size");
    ptr = dptr;
  }
  auto mult = size_multiplier(std::string_view(ptr, std::size_t(end - ptr)));
  if (!mult) throw bad("has an unknown suffix");
  if (value == 0) throw bad("must be greater than 0");
  if (value == double(whole) && *mult == std::floor(*mult)) {
    auto m = std::uint64_t(*mult);
    if (whole > std::numeric_limits<std::uint64_t>::max() / m) throw bad("is too large");
    return whole * m;
  }
  double bytes = value * *mult;
  if (bytes >= 0x1p63) throw bad("is too large");
  if (bytes != std::floor(bytes)) throw bad("is not a whole number of bytes");
  return std::uint64_t(bytes);
}

double parse_seconds(std::string_view text, std::string_view what, double max_s) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  // from_chars takes "nan" and "inf" too: only finite numbers pass.
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || !std::isfinite(v))
    throw UsageError(std::string(what) + ": '" + std::string(text) +
                     "' is not a number of seconds");
  if (v <= 0 || v > max_s)
    throw UsageError(std::string(what) + ": '" + std::string(text) + "' is not from 0 to " +
                     format_number(max_s) + " seconds (0 excluded)");
  return v;
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

std::string format_fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

std::string format_number(double v) {
  auto text = fmt::format("{:.3f}", v);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

std::string plural(long long n, std::string_view singular, std::string_view plural_form) {
  std::string word(n == 1 ? singular : plural_form);
  if (word.empty()) word = std::string(singular) + "s";
  return fmt::format("{} {}", n, word);
}

std::string format_size(std::uint64_t bytes) {
  static const char* suffixes[] = {"", "K", "M", "G"};
  int i = 0;
  while (i < 3 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++i;
  }
  return fmt::format("{}{}", bytes, suffixes[i]);
}

}  // namespace zc
