#include "harness/measure/statistics.hpp"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/binomial.hpp>
#include <cmath>
#include <limits>
#include <numeric>

namespace zc::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Discrete quantiles rounded down: the largest k with P(X <= k) <= p, which
// is how an order statistic is chosen (Boost's default rounds outwards).
using RoundDown = boost::math::policies::policy<
    boost::math::policies::discrete_quantile<boost::math::policies::integer_round_down>>;

double choose(std::size_t n, std::size_t k) {
  return boost::math::binomial_coefficient<double>(unsigned(n), unsigned(k));
}

// Mid-ranks (1-based) of the pooled values, doubled so that ties (3.5)
// stay integers (7) and the rank-sum distribution can be counted exactly.
std::vector<int> doubled_midranks(const std::vector<double>& pooled) {
  std::vector<std::size_t> order(pooled.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto x, auto y) { return pooled[x] < pooled[y]; });
  std::vector<int> ranks(pooled.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && pooled[order[j + 1]] == pooled[order[i]]) ++j;
    int doubled = int(i + 1 + j + 1);  // (first + last rank) = 2 x mid-rank
    for (std::size_t t = i; t <= j; ++t) ranks[order[t]] = doubled;
    i = j + 1;
  }
  return ranks;
}

// counts[s]: how many ways of picking k of the items have doubled ranks
// summing to s (the permutation distribution of the rank sum under "no
// difference"). Counts are integers well inside a double's exact range for
// the sample sizes it is used for (C(50, 25) ~ 1.3e14 < 2^53).
std::vector<double> rank_sum_counts(const std::vector<int>& ranks2, std::size_t k) {
  int total = std::accumulate(ranks2.begin(), ranks2.end(), 0);
  std::vector<std::vector<double>> ways(k + 1, std::vector<double>(std::size_t(total) + 1, 0.0));
  ways[0][0] = 1;
  std::size_t seen = 0;
  for (int r : ranks2) {
    ++seen;
    for (std::size_t j = std::min(seen, k); j >= 1; --j)
      for (int s = total; s >= r; --s) ways[j][std::size_t(s)] += ways[j - 1][std::size_t(s - r)];
  }
  return ways[k];
}

// P(U <= u) for u = 0..nm under "no difference" with distinct values: the
// null distribution that the Hodges–Lehmann interval is read from.
std::vector<double> u_cdf_exact(std::size_t n, std::size_t m) {
  std::vector<int> ranks2(n + m);
  for (std::size_t i = 0; i < ranks2.size(); ++i) ranks2[i] = int(2 * (i + 1));
  auto counts = rank_sum_counts(ranks2, n);
  double all = choose(n + m, n);
  std::vector<double> cdf(n * m + 1);
  double run = 0;
  for (std::size_t u = 0; u <= n * m; ++u) {
    run += counts[2 * (u + n * (n + 1) / 2)];  // rank sum = U + n(n+1)/2
    cdf[u] = run / all;
  }
  return cdf;
}

bool all_positive(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x > 0 && std::isfinite(x); });
}

std::vector<double> logs(const std::vector<double>& v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double x : v) out.push_back(std::log(x));
  return out;
}

}  // namespace

double median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double min_max_coverage(std::size_t n) {
  if (n < 2) return 0;
  boost::math::binomial_distribution<double> b(double(n), 0.5);
  return 1 - 2 * boost::math::cdf(b, 0.0);
}

Interval median_interval(std::vector<double> v, double confidence) {
  Interval out;
  out.confidence = confidence;
  if (v.empty()) {
    out.low = out.high = kNaN;
    return out;
  }
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  if (n == 1) {
    out.low = out.high = v[0];
    return out;
  }
  boost::math::binomial_distribution<double, RoundDown> b(double(n), 0.5);
  const double tail = (1 - confidence) / 2;
  // j - 1 = the largest count whose lower tail stays within `tail`.
  auto below = std::size_t(boost::math::quantile(b, tail));
  std::size_t j = boost::math::cdf(b, double(below)) <= tail ? below + 1 : 1;
  j = std::min(j, (n + 1) / 2);  // never past the middle
  out.low = v[j - 1];
  out.high = v[n - j];
  out.coverage = 1 - 2 * boost::math::cdf(b, double(j - 1));
  return out;
}

double smallest_p_value(std::size_t n, std::size_t m) {
  if (n == 0 || m == 0) return 1;
  return std::min(1.0, 2 / choose(n + m, n));
}

std::size_t minimum_repetitions(double alpha) {
  std::size_t n = 1;
  while (smallest_p_value(n, n) >= alpha && n < 1000) ++n;
  return n;
}

UTest mann_whitney(const std::vector<double>& a, const std::vector<double>& b) {
  UTest t;
  const std::size_t n = a.size(), m = b.size(), total = n + m;
  if (n == 0 || m == 0) return t;
  std::vector<double> pooled(a);
  pooled.insert(pooled.end(), b.begin(), b.end());
  auto ranks2 = doubled_midranks(pooled);
  long long sum2 = 0;  // doubled rank sum of `a`
  for (std::size_t i = 0; i < n; ++i) sum2 += ranks2[i];
  t.u = double(sum2) / 2 - double(n * (n + 1)) / 2;
  t.smallest_p_value = smallest_p_value(n, m);

  if (total <= kExactLimit) {
    // Every way of splitting the pooled ranks into n and m is equally
    // likely under "no difference": p is the share of splits whose rank sum
    // lies at least as far from its mean as the one observed.
    auto counts = rank_sum_counts(ranks2, n);
    const long long mean2 = (long long)(n) * (long long)(total + 1);
    const long long dev = std::llabs(sum2 - mean2);
    double extreme = 0, all = 0;
    for (std::size_t s = 0; s < counts.size(); ++s) {
      all += counts[s];
      if (std::llabs((long long)(s)-mean2) >= dev) extreme += counts[s];
    }
    t.exact = true;
    t.p_value = std::min(1.0, extreme / all);
    return t;
  }

  // Normal approximation with the tie correction of the variance and a
  // continuity correction, as scipy.stats.mannwhitneyu(method="asymptotic").
  std::vector<double> sorted(pooled);
  std::sort(sorted.begin(), sorted.end());
  double ties = 0;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[i]) ++j;
    double k = double(j - i + 1);
    ties += k * k * k - k;
    i = j + 1;
  }
  const double nm = double(n) * double(m), N = double(total);
  const double sd = std::sqrt(nm / 12 * ((N + 1) - ties / (N * (N - 1))));
  if (!(sd > 0)) {
    t.p_value = 1;  // every value equal: nothing to tell apart
    return t;
  }
  double u = std::max(t.u, nm - t.u);
  double z = (u - nm / 2 - 0.5) / sd;
  boost::math::normal_distribution<double> normal;
  t.p_value = std::clamp(2 * boost::math::cdf(boost::math::complement(normal, z)), 0.0, 1.0);
  return t;
}

std::optional<Shift> hodges_lehmann(const std::vector<double>& a, const std::vector<double>& b,
                                    double confidence) {
  const std::size_t n = a.size(), m = b.size();
  if (n == 0 || m == 0) return std::nullopt;
  std::vector<double> d;
  d.reserve(n * m);
  for (double y : b)
    for (double x : a) d.push_back(y - x);
  std::sort(d.begin(), d.end());
  Shift s;
  s.estimate = median(d);
  s.interval.confidence = confidence;
  const std::size_t nm = n * m;
  const double tail = (1 - confidence) / 2;
  // [D(k), D(nm+1-k)] covers the shift with probability 1 - 2 P(U <= k-1).
  std::size_t k = 1;
  double below = 0;  // P(U <= k-1)
  if (n + m <= kExactLimit) {
    auto cdf = u_cdf_exact(n, m);
    while (k < (nm + 1) / 2 && cdf[k] <= tail) ++k;
    below = cdf[k - 1];
  } else {
    boost::math::normal_distribution<double> normal;
    const double sd = std::sqrt(double(nm) * double(n + m + 1) / 12);
    const double z = boost::math::quantile(normal, 1 - tail);
    double k_real = std::floor(double(nm) / 2 + 0.5 - z * sd);
    k = std::size_t(std::clamp(k_real, 1.0, double((nm + 1) / 2)));
    below = boost::math::cdf(normal, (double(k) - 0.5 - double(nm) / 2) / sd);
  }
  s.interval.low = d[k - 1];
  s.interval.high = d[nm - k];
  s.interval.coverage = std::max(0.0, 1 - 2 * below);
  return s;
}

std::optional<Shift> ratio(const std::vector<double>& a, const std::vector<double>& b,
                           double confidence) {
  if (!all_positive(a) || !all_positive(b)) return std::nullopt;
  auto s = hodges_lehmann(logs(a), logs(b), confidence);
  if (!s) return std::nullopt;
  s->estimate = std::exp(s->estimate);
  s->interval.low = std::exp(s->interval.low);
  s->interval.high = std::exp(s->interval.high);
  return s;
}

std::optional<double> log_spread(const std::vector<double>& a, const std::vector<double>& b) {
  if (!all_positive(a) || !all_positive(b)) return std::nullopt;
  double ss = 0;
  std::size_t dof = 0;
  for (const auto* v : {&a, &b}) {
    if (v->size() < 2) continue;
    // 1.4826 x the median absolute deviation: the standard deviation for
    // normal data, and like the rank test itself not thrown by the odd
    // repetition that a neighbour's burst slowed down.
    auto l = logs(*v);
    double m = median(l);
    std::vector<double> dev;
    for (double x : l) dev.push_back(std::fabs(x - m));
    double sd = 1.4826 * median(dev);
    ss += sd * sd * double(v->size() - 1);
    dof += v->size() - 1;
  }
  if (dof == 0) return std::nullopt;
  return std::sqrt(ss / double(dof));
}

std::size_t repetitions_needed(double log_sd, double change, double alpha, double power) {
  const std::size_t floor_n = minimum_repetitions(alpha);
  if (!(change > 0) || !std::isfinite(log_sd)) return std::numeric_limits<std::size_t>::max();
  boost::math::normal_distribution<double> normal;
  const double z =
      boost::math::quantile(normal, 1 - alpha / 2) + boost::math::quantile(normal, power);
  const double effect = std::log1p(change);  // the smaller of ln(1+c) and -ln(1-c)
  const double t_test = 2 * z * z * log_sd * log_sd / (effect * effect);
  // Mann–Whitney's asymptotic efficiency against the t test on normal data.
  const double needed = std::ceil(t_test / (3 / M_PI));
  if (needed > 1e9) return std::size_t(1e9);
  return std::max(floor_n, std::size_t(needed));
}

std::optional<Modes> two_modes(std::vector<double> values) {
  const std::size_t n = values.size();
  if (n < 5) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t least = std::max<std::size_t>(2, (n + 4) / 5);
  std::size_t cut = 0;  // values[0, cut) and [cut, n)
  double widest = -1;
  for (std::size_t i = least; i + least <= n; ++i)
    if (double gap = values[i] - values[i - 1]; gap > widest) widest = gap, cut = i;
  if (cut == 0) return std::nullopt;
  const double range_low = values[cut - 1] - values[0], range_high = values[n - 1] - values[cut];
  // Few values cluster by chance: with 5-7 the gap must be 3x (simulated
  // unimodal samples, 15% spread: 3% of 5, 1.4% of 6 called two modes),
  // from 8 on 2x (0.1% of 10).
  const double factor = n < 8 ? 3 : 2;
  if (!(widest > factor * std::max(range_low, range_high))) return std::nullopt;
  Modes m;
  m.low = median(std::vector<double>(values.begin(), values.begin() + long(cut)));
  m.high = median(std::vector<double>(values.begin() + long(cut), values.end()));
  m.n_low = cut;
  m.n_high = n - cut;
  if (!(m.high > 0) || (m.high - m.low) < 0.1 * std::fabs(m.high)) return std::nullopt;
  return m;
}

}  // namespace zc::stats
