// "Did you mean": edit distance and the nearest name, ties and far misses.
#include "harness/base/suggest.hpp"

#include <gtest/gtest.h>

namespace zc {
namespace {

TEST(Suggest, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("sendfle", "sendfile"), 1u);
  EXPECT_EQ(edit_distance("splcie", "splice"), 2u);
  EXPECT_EQ(edit_distance("", "tcp"), 3u);
  EXPECT_EQ(edit_distance("tcp", "tcp"), 0u);
}

TEST(Suggest, NearestNameIsATypoNotAGuess) {
  const std::vector<std::string> ids = {"read-write", "sendfile", "splice", "io-uring"};
  EXPECT_EQ(nearest_name("sendfle", ids), "sendfile");
  EXPECT_EQ(nearest_name("io-urin", ids), "io-uring");
  EXPECT_FALSE(nearest_name("zzzzzzzz", ids));     // nothing close
  EXPECT_FALSE(nearest_name("sendfile", ids));     // not a typo: known
  EXPECT_FALSE(nearest_name("ab", {"ac", "ad"}));  // a tie suggests nothing
}

}  // namespace
}  // namespace zc
