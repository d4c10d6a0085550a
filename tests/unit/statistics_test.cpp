// Reference values: scipy 1.10 (scipy.stats.mannwhitneyu), a brute-force
// enumeration of every split for the exact test with ties, and the
// textbook tables of order-statistic intervals of the median and of
// Mann–Whitney critical values.
#include "harness/measure/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace zc::stats {
namespace {

std::vector<double> range(int from, int to) {
  std::vector<double> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

TEST(Median, OddEvenEmpty) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(median({})));
}

TEST(MedianInterval, OrderStatisticsFromTheBinomialTable) {
  // n = 6: [x(1), x(6)], 1 - 2/64; n = 10: [x(2), x(9)], 1 - 2 * 11/1024;
  // n = 20: [x(6), x(15)], 95.86%.
  auto i6 = median_interval(range(1, 6));
  EXPECT_EQ(i6.low, 1);
  EXPECT_EQ(i6.high, 6);
  EXPECT_NEAR(i6.coverage, 0.96875, 1e-12);
  EXPECT_TRUE(i6.reaches_confidence());
  auto i10 = median_interval(range(1, 10));
  EXPECT_EQ(i10.low, 2);
  EXPECT_EQ(i10.high, 9);
  EXPECT_NEAR(i10.coverage, 1 - 2 * 11.0 / 1024, 1e-12);
  auto i20 =
      median_interval({20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  EXPECT_EQ(i20.low, 6);
  EXPECT_EQ(i20.high, 15);
  EXPECT_NEAR(i20.coverage, 0.958610, 1e-6);
}

TEST(MedianInterval, TooFewForNinetyFivePercentSaysWhatItCovers) {
  auto i5 = median_interval({5, 1, 4, 2, 3});
  EXPECT_EQ(i5.low, 1);
  EXPECT_EQ(i5.high, 5);
  EXPECT_NEAR(i5.coverage, 0.9375, 1e-12);
  EXPECT_FALSE(i5.reaches_confidence());
  auto i3 = median_interval({2, 1, 3});
  EXPECT_NEAR(i3.coverage, 0.75, 1e-12);
  EXPECT_NEAR(min_max_coverage(3), 0.75, 1e-12);
  auto i1 = median_interval({7});
  EXPECT_EQ(i1.low, 7);
  EXPECT_EQ(i1.coverage, 0);
  // A lower confidence is reached sooner: 90% needs only n = 5.
  EXPECT_TRUE(median_interval(range(1, 5), 0.9).reaches_confidence());
}

TEST(MannWhitney, ExactMatchesScipy) {
  auto t = mann_whitney({1, 2, 3}, {4, 5, 6});
  EXPECT_TRUE(t.exact);
  EXPECT_EQ(t.u, 0);
  EXPECT_NEAR(t.p_value, 0.1, 1e-12);
  EXPECT_NEAR(t.smallest_p_value, 0.1, 1e-12);  // 3 vs 3 can never reach 5%
  EXPECT_NEAR(mann_whitney(range(1, 5), range(6, 10)).p_value, 0.007936507936507936, 1e-12);
  auto ab = mann_whitney({10.1, 9.8, 10.4, 10.0, 9.9, 10.2}, {10.6, 10.3, 10.9, 10.5, 10.8, 10.15});
  EXPECT_EQ(ab.u, 3);
  EXPECT_NEAR(ab.p_value, 0.015151515151515152, 1e-12);
  // Symmetric in its samples.
  EXPECT_NEAR(mann_whitney(range(6, 10), range(1, 5)).p_value, 0.007936507936507936, 1e-12);
}

TEST(MannWhitney, ExactWithTiesMatchesEnumeration) {
  auto t = mann_whitney({1, 2, 2, 3, 5}, {2, 3, 4, 5, 5, 6});
  EXPECT_TRUE(t.exact);
  EXPECT_EQ(t.u, 6.5);
  EXPECT_NEAR(t.p_value, 0.13852813852813853, 1e-12);
  // Nothing to tell apart.
  EXPECT_EQ(mann_whitney({4, 4, 4}, {4, 4, 4}).p_value, 1);
}

TEST(MannWhitney, NormalApproximationMatchesScipy) {
  std::vector<double> x = {101.7, 104.1, 101.7, 93.5,  104.5, 102.2, 97.3,  102.9, 101.8, 101.5,
                           100.1, 102.7, 96.3,  99.2,  97.6,  103.0, 100.2, 98.5,  96.1,  98.7,
                           100.0, 98.6,  106.5, 105.0, 86.4,  90.6,  99.1,  97.9,  101.1, 101.1};
  std::vector<double> y = {113.6, 97.4, 101.1, 113.2, 106.2, 106.3, 100.4, 94.8,  103.8, 103.5,
                           96.9,  99.6, 102.6, 98.3,  102.5, 103.5, 103.2, 100.5, 106.0, 107.5,
                           104.6, 98.9, 106.7, 100.5, 107.4, 97.6,  107.6, 102.9, 96.8,  101.4};
  auto t = mann_whitney(x, y);
  EXPECT_FALSE(t.exact);
  EXPECT_EQ(t.u, 290);
  EXPECT_NEAR(t.p_value, 0.018353372222017026, 1e-9);
  std::vector<double> same(60, 1.0);
  EXPECT_EQ(mann_whitney(same, same).p_value, 1);
}

TEST(MannWhitney, SmallestPValueAndMinimumRepetitions) {
  EXPECT_NEAR(smallest_p_value(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(smallest_p_value(4, 4), 2.0 / 70, 1e-12);
  EXPECT_EQ(smallest_p_value(0, 5), 1);
  EXPECT_EQ(minimum_repetitions(0.05), 4u);
  EXPECT_EQ(minimum_repetitions(0.01), 5u);
}

TEST(HodgesLehmann, EstimateAndExactIntervalFromTheCriticalValues) {
  // Differences of 1..5 and 6..10: 1..9 with weights 1,2,3,4,5,4,3,2,1.
  // Two-sided 5% critical U for 5 vs 5 is 2, so k = 3: [D(3), D(23)].
  auto s = hodges_lehmann(range(1, 5), range(6, 10));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->estimate, 5);
  EXPECT_EQ(s->interval.low, 2);
  EXPECT_EQ(s->interval.high, 8);
  EXPECT_NEAR(s->interval.coverage, 1 - 2 * 4.0 / 252, 1e-12);
  // 10 vs 10: critical U 23, k = 24; the interval is the 24th smallest and
  // largest of the 100 differences.
  auto s10 = hodges_lehmann(range(1, 10), range(1, 10));
  ASSERT_TRUE(s10);
  EXPECT_EQ(s10->estimate, 0);
  std::vector<double> d;
  for (int y = 1; y <= 10; ++y)
    for (int x = 1; x <= 10; ++x) d.push_back(y - x);
  std::sort(d.begin(), d.end());
  EXPECT_EQ(s10->interval.low, d[23]);
  EXPECT_EQ(s10->interval.high, d[76]);
  EXPECT_TRUE(s10->interval.reaches_confidence());
  EXPECT_FALSE(hodges_lehmann({}, {1}));
}

TEST(HodgesLehmann, ThreeRepetitionsGiveTheWidestIntervalAtNinetyPercent) {
  auto s = hodges_lehmann({1, 2, 3}, {11, 12, 13});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->interval.low, 8);
  EXPECT_EQ(s->interval.high, 12);
  EXPECT_NEAR(s->interval.coverage, 0.9, 1e-12);
  EXPECT_FALSE(s->interval.reaches_confidence());
}

TEST(HodgesLehmann, LargeSamplesUseTheNormalApproximation) {
  auto s = hodges_lehmann(range(1, 40), range(11, 50));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->estimate, 10);
  EXPECT_LT(s->interval.low, 10);
  EXPECT_GT(s->interval.high, 10);
  EXPECT_NEAR(s->interval.coverage, 0.95, 0.01);
}

TEST(Ratio, ReadsAsNewOverBase) {
  std::vector<double> base = {100, 104, 98, 101, 99, 103};
  std::vector<double> slower;
  for (double x : base) slower.push_back(x * 0.8);
  auto r = ratio(base, slower);
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->estimate, 0.8, 1e-12);
  EXPECT_LT(r->interval.low, 0.8);
  EXPECT_GT(r->interval.high, 0.8);
  EXPECT_LT(r->interval.high, 1.0);
  EXPECT_FALSE(ratio({1, 0}, {1, 2}));  // a zero has no logarithm
}

TEST(RepetitionsNeeded, GrowsWithSpreadAndShrinksWithEffect) {
  // 2 (1.95996 + 1.28155)^2 sd^2 / ln(1.05)^2 / (3/pi)
  EXPECT_EQ(repetitions_needed(0.10, 0.05), 93u);
  EXPECT_EQ(repetitions_needed(0.03, 0.05), 9u);
  EXPECT_EQ(repetitions_needed(0.0, 0.05), 4u);  // never fewer than the test needs
  EXPECT_LT(repetitions_needed(0.03, 0.20), repetitions_needed(0.03, 0.05));
  // ln: 4.6052, 4.7005, 4.4998; deviations from the median 0, 0.0953,
  // 0.1054; 1.4826 x 0.0953. An outlier does not move it.
  auto spread = log_spread({100, 110, 90}, {100, 110, 90});
  ASSERT_TRUE(spread);
  EXPECT_NEAR(*spread, 1.4826 * std::log(1.1), 1e-9);
  auto with_outlier = log_spread({100, 101, 99, 100, 30}, {100, 101, 99, 100, 100});
  ASSERT_TRUE(with_outlier);
  EXPECT_LT(*with_outlier, 0.02);
  EXPECT_FALSE(log_spread({1}, {2}));
}

TEST(TwoModes, FoundWhereTheRepetitionsFallInTwoStates) {
  // Sendfile over loopback TCP that lands near 4.0 or near 2.6 GB/s.
  auto m = stats::two_modes({4.07e9, 2.63e9, 3.98e9, 4.02e9, 2.65e9, 3.95e9, 2.60e9});
  ASSERT_TRUE(m);
  EXPECT_NEAR(m->high, 3.995e9, 1e7);
  EXPECT_NEAR(m->low, 2.63e9, 1e7);
  EXPECT_EQ(m->n_high, 4u);
  EXPECT_EQ(m->n_low, 3u);
}

TEST(TwoModes, NotFoundInOneWideCluster) {
  // A 20% spread with no gap, one outlier alone, too few values, and two
  // clusters closer than 10%: none is two modes.
  EXPECT_FALSE(stats::two_modes({3.0, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6}));
  EXPECT_FALSE(stats::two_modes({4.0, 4.01, 4.02, 4.03, 4.04, 2.0}));
  EXPECT_FALSE(stats::two_modes({4.0, 2.0, 4.0}));
  EXPECT_FALSE(stats::two_modes({1.0, 1.001, 1.002, 1.05, 1.051, 1.052}));
}

}  // namespace
}  // namespace zc::stats
