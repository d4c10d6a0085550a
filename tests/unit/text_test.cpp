// base/text.hpp: the one escaping of outside text, for the results
// (utf8_safe: valid UTF-8 kept, other bytes \xNN) and for the terminal
// (printable, terminal_text: no control byte passes).
#include "harness/base/text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/report/output.hpp"

namespace zc {
namespace {

TEST(Text, Utf8SafeKeepsValidUtf8AndEscapesEveryOtherByte) {
  EXPECT_EQ(utf8_safe("plain"), "plain");
  EXPECT_EQ(utf8_safe("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80");
  EXPECT_EQ(utf8_safe("o\xff.json"), "o\\xff.json");
  EXPECT_EQ(utf8_safe("caf\xe9"), "caf\\xe9");                       // Latin-1
  EXPECT_EQ(utf8_safe("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(utf8_safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(utf8_safe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(utf8_safe("ab\xe2\x80"), "ab\\xe2\\x80");                // cut short
  // Whatever the bytes, the result dumps as JSON.
  std::string all;
  for (int i = 0; i < 256; ++i) all += char(i);
  EXPECT_NO_THROW(nlohmann::json(utf8_safe(all)).dump());
}

TEST(Text, PrintableEscapesControlsBackslashAndNonAscii) {
  EXPECT_EQ(printable("\x1b]0;x\x07\x1b[2J"), "\\x1b]0;x\\x07\\x1b[2J");
  EXPECT_EQ(printable("a\\b"), "a\\x5cb");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\\xc3\\xa9");
  EXPECT_EQ(printable(std::string(100, 'a'), 10), std::string(10, 'a') + "...");
}

TEST(Text, TerminalTextPassesUtf8ButNoControlCharacter) {
  EXPECT_EQ(terminal_text("median \xc2\xb1 3%"), "median \xc2\xb1 3%");
  EXPECT_EQ(terminal_text("tab\tok"), "tab\tok");
  EXPECT_EQ(terminal_text("esc\x1b[2J"), "esc\\x1b[2J");
  EXPECT_EQ(terminal_text("c1 \xc2\x9b"), "c1 \\xc2\\x9b");  // U+009B, 8-bit CSI
  EXPECT_EQ(terminal_text("bad \xff"), "bad \\xff");
  EXPECT_FALSE(terminal_safe("line\nbreak"));
}

TEST(Text, ResultsDocumentsAreMadeValidUtf8KeysIncluded) {
  nlohmann::json doc = {{"path", "o\xff.json"},
                        {"list", {"ok", "caf\xe9"}},
                        {"nested", {{"k\xfe", 1}, {"fine", "\xe2\x82\xac"}}}};
  make_utf8_safe(doc);
  EXPECT_EQ(doc["path"], "o\\xff.json");
  EXPECT_EQ(doc["list"][1], "caf\\xe9");
  EXPECT_EQ(doc["nested"]["k\\xfe"], 1);
  EXPECT_EQ(doc["nested"]["fine"], "\xe2\x82\xac");
  EXPECT_NO_THROW(doc.dump());
}

}  // namespace
}  // namespace zc
