#include "harness/base/text.hpp"

#include <cstdio>

namespace zc {
namespace {

void append_escaped(std::string& out, unsigned char c) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "\\x%02x", c);
  out += hex;
}

// The length of the valid UTF-8 sequence at text[i], or 0 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = at(i);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                  : c >= 0xe0 && c <= 0xef ? 3
                  : c >= 0xf0 && c <= 0xf4 ? 4
                                           : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((at(i + k) & 0xc0) != 0x80) return 0;
  const unsigned char d = at(i + 1);
  if ((c == 0xe0 && d < 0xa0) || (c == 0xed && d > 0x9f) || (c == 0xf0 && d < 0x90) ||
      (c == 0xf4 && d > 0x8f))
    return 0;
  return n;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\')
      out += char(c);
    else
      append_escaped(out, c);
  }
  return out;
}

std::string utf8_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (auto n = utf8_sequence(text, i)) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      append_escaped(out, static_cast<unsigned char>(text[i++]));
    }
  }
  return out;
}

bool terminal_safe(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto n = utf8_sequence(text, i);
    if (n == 0) return false;
    auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    // C1 controls, U+0080..U+009F: 0xc2 0x80..0x9f.
    if (c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) return false;
    i += n;
  }
  return true;
}

std::string terminal_text(std::string_view text, std::size_t max) {
  if (terminal_safe(text)) return std::string(text);
  return printable(text, max);
}

}  // namespace zc
