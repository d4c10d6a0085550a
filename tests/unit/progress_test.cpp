#include "harness/run/progress.hpp"

#include <gtest/gtest.h>

namespace zc {
namespace {

TEST(Progress, EtaIsHumanAndHonestWhenUnknown) {
  EXPECT_EQ(Progress::format_eta(0.2), "0s");
  EXPECT_EQ(Progress::format_eta(59.6), "1m00s");
  EXPECT_EQ(Progress::format_eta(3725), "1h02m");
  EXPECT_EQ(Progress::format_eta(NAN), "--");
}

TEST(Progress, LineFitsTheTerminalAndShortensTheRunName) {
  std::string name(200, 'x');
  auto line = Progress::render(0.5, 2, 8, name, 1, 5, 65, 80, false);
  EXPECT_LE(line.size(), 80u);
  EXPECT_NE(line.find(" 50%"), std::string::npos) << line;
  EXPECT_NE(line.find("3/8 runs"), std::string::npos) << line;
  EXPECT_NE(line.find("rep 2/5"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 1m05s"), std::string::npos) << line;
  EXPECT_NE(line.find("..."), std::string::npos) << line;
  EXPECT_EQ(line.find('\033'), std::string::npos) << "colour without being asked";
  EXPECT_NE(Progress::render(0.5, 2, 8, "r", 1, 5, 65, 80, true).find("\033[32m"),
            std::string::npos);
}

TEST(Progress, NoColorDisablesColour) {
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(color_allowed());
  ::setenv("NO_COLOR", "", 1);  // present but empty: no effect (no-color.org)
  ::setenv("TERM", "xterm", 1);
  EXPECT_TRUE(color_allowed());
  ::unsetenv("NO_COLOR");
}

}  // namespace
}  // namespace zc
