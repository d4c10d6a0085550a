#include "harness/run/progress.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace zc {
namespace {

TEST(Progress, EtaIsHumanAndHonestWhenUnknown) {
  EXPECT_EQ(Progress::format_eta(0.2), "0s");
  EXPECT_EQ(Progress::format_eta(59.6), "1m00s");
  EXPECT_EQ(Progress::format_eta(3725), "1h02m");
  EXPECT_EQ(Progress::format_eta(NAN), "--");
}

TEST(Progress, LineFitsTheTerminalAndShortensTheRunName) {
  std::string name = "read-write/tcp/" + std::string(200, 'x') + "/chunk:1M";
  for (std::size_t width : {80u, 60u, 40u}) {
    auto line = Progress::render(0.5, "3/8 runs", name, "rep 2/5", 65, width, false);
    EXPECT_LE(line.size(), width) << line;
    EXPECT_NE(line.find(" 50%"), std::string::npos) << line;
    EXPECT_NE(line.find("3/8 runs"), std::string::npos) << line;
    if (width >= 60) EXPECT_NE(line.find("rep 2/5"), std::string::npos) << line;
    EXPECT_NE(line.find("ETA 1m05s"), std::string::npos) << line;
  }
  auto line = Progress::render(0.5, "round 2/5", name, "", 65, 80, false);
  EXPECT_LE(line.size(), 80u);
  // Cut in the middle: the strategy and the varying end stay readable.
  EXPECT_NE(line.find("read-write/"), std::string::npos) << line;
  EXPECT_NE(line.find("...x"), std::string::npos) << line;
  EXPECT_NE(line.find("/chunk:1M  ETA"), std::string::npos) << line;
  EXPECT_NE(line.find("round 2/5"), std::string::npos) << line;
  EXPECT_EQ(line.find('\033'), std::string::npos) << "colour without being asked";
  EXPECT_NE(Progress::render(0.5, "round 2/5", "r", "", 65, 80, true).find("\033[32m"),
            std::string::npos);
}

TEST(Progress, EtaComesFromTheRatesMeasured) {
  // Two runs of 100 bytes each: the first half done in 10 s (10 B/s), the
  // second not started: it is assumed to go at the rate seen so far.
  EXPECT_DOUBLE_EQ(Progress::estimate_remaining({100, 100}, {50, 0}, {5, 0}), 15.0);
  // Each run at its own rate: 50 B left at 10 B/s, 80 B left at 40 B/s.
  EXPECT_DOUBLE_EQ(Progress::estimate_remaining({100, 100}, {50, 20}, {5, 0.5}), 7.0);
  // Nothing finished yet: unknown, not a guess.
  EXPECT_TRUE(std::isnan(Progress::estimate_remaining({100}, {0}, {0})));
  EXPECT_EQ(Progress::format_eta(Progress::estimate_remaining({100}, {0}, {0})), "--");
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
