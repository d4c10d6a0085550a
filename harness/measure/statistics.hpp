// Statistics that tell signal from noise in repeated measurements: the
// median's confidence interval, the Mann–Whitney U test, the Hodges–Lehmann
// shift between two samples with its interval, and how many repetitions a
// change of a given size needs. All distribution-free (benchmark timings are
// skewed and outlier-prone, not normal); the distributions come from
// Boost.Math, except the exact permutation distribution of U, which no
// library provides and which is counted, not approximated.
//
// Pure functions: a sample is a vector of repetition values; nothing here
// reads a clock or a document.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace zc::stats {

inline constexpr double kConfidence = 0.95;
inline constexpr double kAlpha = 0.05;

double median(std::vector<double> values);  // NaN for an empty sample

// A confidence interval with the probability it really covers: for small
// samples no interval reaches the confidence asked, and the widest one
// (coverage below it) is returned instead of a pretend 95%.
struct Interval {
  double low = 0, high = 0;
  double coverage = 0;
  double confidence = kConfidence;  // what was asked
  bool reaches_confidence() const { return coverage >= confidence - 1e-12; }
};

// The median's interval from order statistics: [x(j), x(n+1-j)] covers the
// population median with probability 1 - 2 P(B <= j-1), B ~ Binomial(n, 1/2);
// j is the largest that keeps that >= `confidence`. With n <= 5 (for 95%)
// no j does and the interval is [min, max] with its coverage (93.75% for
// n = 5, 75% for 3). One value: that value, coverage 0.
Interval median_interval(std::vector<double> values, double confidence = kConfidence);

// The coverage of [min, max] as an interval of the median of n values.
double min_max_coverage(std::size_t n);

// Two-sided Mann–Whitney U test of "a value of `a` is as likely to be above
// a value of `b` as below". Exact (the permutation distribution of the rank
// sum, with mid-ranks for ties) when the two samples hold at most
// kExactLimit values together; otherwise the normal approximation with tie
// and continuity corrections (as scipy.stats.mannwhitneyu, which Google
// Benchmark's compare.py uses).
inline constexpr std::size_t kExactLimit = 50;
struct UTest {
  double u = 0;        // U of `a`: pairs (a_i, b_j) with a_i > b_j, ties counting 1/2
  double p_value = 1;  // two-sided; 1 when either sample is empty
  bool exact = false;
  // The smallest p-value any data could give with these sample sizes: with
  // 3 vs 3 it is 0.1, so no difference can be significant at 5%.
  double smallest_p_value = 1;
};
UTest mann_whitney(const std::vector<double>& a, const std::vector<double>& b);

// 2 / C(n+m, n): the exact two-sided test's floor for samples of n and m.
double smallest_p_value(std::size_t n, std::size_t m);

// The smallest n per side at which the exact test can reach `alpha` (4 for
// 5%) and the Hodges–Lehmann interval can reach 1 - alpha.
std::size_t minimum_repetitions(double alpha = kAlpha);

// Hodges–Lehmann estimate of the shift from `a` to `b` (the median of all
// differences b_j - a_i) and its distribution-free interval
// [D(k), D(mn+1-k)] from the null distribution of U (exact for small
// samples, normal otherwise). Too few values for the confidence: the widest
// interval [D(1), D(mn)] with its coverage. Empty sample: nullopt.
struct Shift {
  double estimate = 0;
  Interval interval;
};
std::optional<Shift> hodges_lehmann(const std::vector<double>& a, const std::vector<double>& b,
                                    double confidence = kConfidence);

// The same on log values, returned as ratios b/a (estimate and interval
// exp()ed): reads as "b is 0.81x (0.77-0.85) a". nullopt when a value is
// not positive (a ratio of a zero CPU time means nothing) or a sample is
// empty.
std::optional<Shift> ratio(const std::vector<double>& a, const std::vector<double>& b,
                           double confidence = kConfidence);

// The run-to-run spread as a relative figure (0.05 ~ 5%): the standard
// deviation of ln(values) within each sample, estimated robustly (1.4826 x
// the median absolute deviation, which ignores the odd outlier as the rank
// test does) and pooled over the two. nullopt without two values on one
// side or with a value that is not positive.
std::optional<double> log_spread(const std::vector<double>& a, const std::vector<double>& b);

// Repetitions per side for a two-sided Mann–Whitney test at `alpha` to
// detect a relative change of `change` (0.05 = 5%, either direction) with
// probability `power`, when ln(values) spread with `log_sd`: the normal
// sample size 2 (z_{1-alpha/2} + z_power)^2 sd^2 / ln(1+change)^2, divided
// by the test's efficiency relative to the t test (3/pi), and never fewer
// than minimum_repetitions(alpha). An estimate: the spread itself comes
// from few repetitions.
inline constexpr double kPower = 0.9;
std::size_t repetitions_needed(double log_sd, double change, double alpha = kAlpha,
                               double power = kPower);

// Two clusters in one run's repetitions (a run that lands in one of two
// states, each repetition in either): the values sorted and split at their
// widest gap, when there are 5 values or more, each side has at least two
// and a fifth of them, the gap is wider than 3x (under 8 values) or 2x
// (from 8) either side's own range, and the two
// centres (medians) differ by at least 10% of the higher. A heuristic, said
// as such where it is reported: a median between two modes describes
// neither.
struct Modes {
  double low = 0, high = 0;  // the clusters' medians
  std::size_t n_low = 0, n_high = 0;
};
std::optional<Modes> two_modes(std::vector<double> values);

}  // namespace zc::stats
