// The bounds of neural/bounds.hpp and their CPU operations (neural/bound_ops.hpp):
// values against direct formulas, statistics that merge chunk by chunk,
// dLoss/dScores against finite differences (double, both pairings, every
// training objective), MINE's moving-average gradient against its formula, and
// the InfoNCE cap log K.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <span>
#include <vector>

#include <mmc/core/rng.hpp>
#include <mmc/neural/bound_ops.hpp>
#include <mmc/neural/bounds.hpp>
#include <mmc/nn/gradcheck.hpp>

namespace {

using mmc::Index;
using mmc::neural::Bound;
using mmc::neural::BoundConfig;
using mmc::neural::BoundState;
using mmc::neural::Pairing;
using mmc::neural::ScoreBlock;
using mmc::neural::ScoreStats;
using Matrix = Eigen::MatrixXd;
using Ops = mmc::neural::BoundOps<mmc::nn::CpuBackend<double>>;

Matrix random_scores(Index rows, Index cols, std::uint64_t seed, double scale = 1.0,
                     double shift = 0.0) {
  mmc::Rng rng(seed, 7);
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = shift + scale * rng.normal();
  return m;
}

double softplus(double x) { return std::log1p(std::exp(x)); }  // fine for |x| < 30

// Direct formulas from docs/design.md §3.2 on joint scores tj and marginal scores tm.
double reference(Bound b, const std::vector<double>& tj, const std::vector<double>& tm,
                 double tau) {
  double pj = 0, js_j = 0, e = 0, ec = 0, js_m = 0;
  for (double t : tj) {
    pj += t;
    js_j -= softplus(-t);
  }
  for (double t : tm) {
    e += std::exp(t);
    ec += std::exp(std::min(std::max(t, -tau), tau));
    js_m += softplus(t);
  }
  const double nj = static_cast<double>(tj.size()), nm = static_cast<double>(tm.size());
  switch (b) {
    case Bound::dv: return pj / nj - std::log(e / nm);
    case Bound::nwj: return pj / nj - std::exp(-1.0) * e / nm;
    case Bound::js: return js_j / nj - js_m / nm;
    case Bound::smile: return pj / nj - std::log(ec / nm);
    default: return NAN;
  }
}

double infonce_reference(const Matrix& s) {
  const Index k = s.rows();
  double sum = 0;
  for (Index i = 0; i < k; ++i) sum += s(i, i) - std::log(s.row(i).array().exp().sum());
  return std::log(static_cast<double>(k)) + sum / static_cast<double>(k);
}

ScoreStats shuffled_stats(Ops& ops, const Matrix& s, double tau) {
  const Index k = s.cols() / 2;
  const auto v = mmc::nn::view(s);
  ScoreStats st = ops.stats(ScoreBlock::joint, v.middle_cols(0, k), tau);
  st.merge(ops.stats(ScoreBlock::marginal, v.middle_cols(k, k), tau));
  return st;
}

TEST(NeuralBounds, ShuffledValuesMatchTheFormulas) {
  Ops ops;
  const Index k = 64;
  const double tau = 1.5;  // small, so SMILE's clipping is active on some scores
  const Matrix s = random_scores(1, 2 * k, 1, 1.3, 0.2);
  std::vector<double> tj(s.data(), s.data() + k), tm(s.data() + k, s.data() + 2 * k);
  const ScoreStats st = shuffled_stats(ops, s, tau);
  for (Bound b : {Bound::dv, Bound::nwj, Bound::js, Bound::smile}) {
    EXPECT_NEAR(mmc::neural::bound_value(b, st), reference(b, tj, tm, tau), 1e-12)
        << mmc::neural::bound_name(b);
  }
  EXPECT_TRUE(std::isnan(mmc::neural::bound_value(Bound::infonce, st)));
  // JS-trained critics report DV.
  EXPECT_EQ(mmc::neural::estimate_value(Bound::js, st), mmc::neural::bound_value(Bound::dv, st));
}

TEST(NeuralBounds, AllPairsValuesMatchTheFormulas) {
  Ops ops;
  const Index k = 24;
  const double tau = 1.0;
  const Matrix s = random_scores(k, k, 2, 1.5);
  std::vector<double> tj, tm;
  for (Index j = 0; j < k; ++j) {
    for (Index i = 0; i < k; ++i) (i == j ? tj : tm).push_back(s(i, j));
  }
  const ScoreStats st = ops.stats(ScoreBlock::matrix, mmc::nn::view(s), tau);
  EXPECT_EQ(st.joint_count, static_cast<double>(k));
  EXPECT_EQ(st.marginal_count, static_cast<double>(k * (k - 1)));
  for (Bound b : {Bound::dv, Bound::nwj, Bound::js, Bound::smile}) {
    EXPECT_NEAR(mmc::neural::bound_value(b, st), reference(b, tj, tm, tau), 1e-12);
  }
  EXPECT_NEAR(mmc::neural::bound_value(Bound::infonce, st), infonce_reference(s), 1e-12);
}

TEST(NeuralBounds, StatisticsMergeChunkByChunk) {
  // The held-out value is accumulated in chunks; it must equal the one-shot value.
  Ops ops;
  const Matrix joint = random_scores(1, 1000, 3, 2.0), marg = random_scores(1, 3000, 4, 2.0, 1.0);
  const auto vj = mmc::nn::view(joint), vm = mmc::nn::view(marg);
  ScoreStats whole = ops.stats(ScoreBlock::joint, vj, 5.0);
  whole.merge(ops.stats(ScoreBlock::marginal, vm, 5.0));
  ScoreStats chunks;
  for (Index b = 0; b < 1000; b += 300) {
    chunks.merge(ops.stats(ScoreBlock::joint, vj.middle_cols(b, std::min<Index>(300, 1000 - b)), 5.0));
  }
  for (Index b = 0; b < 3000; b += 700) {
    chunks.merge(ops.stats(ScoreBlock::marginal, vm.middle_cols(b, std::min<Index>(700, 3000 - b)), 5.0));
  }
  for (Bound b : {Bound::dv, Bound::nwj, Bound::js, Bound::smile}) {
    EXPECT_NEAR(mmc::neural::bound_value(b, chunks), mmc::neural::bound_value(b, whole), 1e-12);
  }
}

TEST(NeuralBounds, LargeScoresDoNotOverflow) {
  // log-sum-exp in double: scores of 800 would overflow exp().
  Ops ops;
  Matrix s = random_scores(1, 64, 5, 1.0, 800.0);
  const ScoreStats st = shuffled_stats(ops, s, 5.0);
  for (Bound b : {Bound::dv, Bound::js, Bound::smile}) {
    EXPECT_TRUE(std::isfinite(mmc::neural::bound_value(b, st))) << mmc::neural::bound_name(b);
  }
}

// dLoss/dScores of bound_step against the fourth-order finite difference of
// -bound_value(objective) (nn/gradcheck.hpp; rounding error ~1e-13 relative).
void check_score_gradient(Bound bound, Pairing pairing, std::uint64_t seed) {
  SCOPED_TRACE(std::string(mmc::neural::bound_name(bound)) + " " +
               std::string(mmc::neural::pairing_name(pairing)));
  Ops ops;
  const Index k = 12;
  const BoundConfig config{bound, pairing, 1.0, 5.0};  // ema = 1: the plain DV gradient
  Matrix s = pairing == Pairing::shuffled ? random_scores(1, 2 * k, seed) : random_scores(k, k, seed);
  Matrix grad(s.rows(), s.cols());
  BoundState state;
  const auto values = mmc::neural::bound_step(ops, config, mmc::nn::ConstMatrixRef<double>(mmc::nn::view(s)),
                                              mmc::nn::view(grad), state);
  const Bound objective = mmc::neural::training_objective(bound);
  const auto loss = [&] {
    const ScoreStats st = pairing == Pairing::shuffled
                              ? shuffled_stats(ops, s, config.tau)
                              : ops.stats(ScoreBlock::matrix, mmc::nn::view(s), config.tau);
    return -mmc::neural::bound_value(objective, st);
  };
  EXPECT_NEAR(values.loss, loss(), 1e-12);
  const auto r = mmc::nn::check_gradient<double>(std::span<double>(s.data(), s.size()),
                                                 std::span<const double>(grad.data(), grad.size()), loss);
  EXPECT_EQ(r.checked, s.size());
  EXPECT_LT(r.max_relative_error, 1e-6) << "worst " << r.worst << ": " << r.analytic << " vs "
                                        << r.numeric;
}

TEST(NeuralBounds, ScoreGradientsMatchFiniteDifferences) {
  std::uint64_t seed = 10;
  for (Pairing p : {Pairing::shuffled, Pairing::all_pairs}) {
    for (Bound b : {Bound::dv, Bound::nwj, Bound::js, Bound::smile}) check_score_gradient(b, p, ++seed);
  }
  check_score_gradient(Bound::infonce, Pairing::all_pairs, ++seed);
}

TEST(NeuralBounds, MineMovingAverageGradientFollowsItsFormula) {
  // log m_t = logaddexp(log(1-a) + log m_{t-1}, log a + logmeanexp_B T_marg), m_1 =
  // the batch mean; marginal gradient e^t / (n m_t), joint gradient -1/n.
  for (Pairing pairing : {Pairing::shuffled, Pairing::all_pairs}) {
    Ops ops;
    const double alpha = 0.1;
    const Index k = 10;
    const BoundConfig config{Bound::dv, pairing, alpha, 5.0};
    BoundState state;
    double m = 0.0;
    for (int step = 0; step < 4; ++step) {
      const Matrix s = pairing == Pairing::shuffled ? random_scores(1, 2 * k, 100 + step, 1.0, step)
                                                    : random_scores(k, k, 100 + step, 1.0, step);
      Matrix grad(s.rows(), s.cols());
      mmc::neural::bound_step(ops, config, mmc::nn::ConstMatrixRef<double>(mmc::nn::view(s)),
                              mmc::nn::view(grad), state);
      double batch_mean = 0.0, n_marg = 0.0;
      for (Index j = 0; j < s.cols(); ++j) {
        for (Index i = 0; i < s.rows(); ++i) {
          const bool joint = pairing == Pairing::shuffled ? j < k : i == j;
          if (!joint) {
            batch_mean += std::exp(s(i, j));
            n_marg += 1.0;
          }
        }
      }
      batch_mean /= n_marg;
      m = step == 0 ? batch_mean : (1 - alpha) * m + alpha * batch_mean;
      EXPECT_NEAR(state.log_ema, std::log(m), 1e-12);
      for (Index j = 0; j < s.cols(); ++j) {
        for (Index i = 0; i < s.rows(); ++i) {
          const bool joint = pairing == Pairing::shuffled ? j < k : i == j;
          const double expected = joint ? -1.0 / k : std::exp(s(i, j)) / (n_marg * m);
          EXPECT_NEAR(grad(i, j), expected, 1e-12 * std::max(1.0, std::fabs(expected)));
        }
      }
    }
  }
}

TEST(NeuralBounds, InfoNceNeverExceedsLogK) {
  // log K + mean_i (S_ii - lse_j S_ij) <= log K because S_ii <= lse_j S_ij, for
  // any scores: random ones at several scales, and a diagonal that dominates.
  Ops ops;
  for (Index k : {2, 5, 33, 128}) {
    for (double scale : {0.1, 1.0, 10.0, 1000.0}) {
      Matrix s = random_scores(k, k, static_cast<std::uint64_t>(k * 7 + scale), scale);
      const double v = mmc::neural::bound_value(
          Bound::infonce, ops.stats(ScoreBlock::matrix, mmc::nn::view(s), 5.0));
      EXPECT_LE(v, std::log(static_cast<double>(k)) + 1e-12) << k << " " << scale;
      s.diagonal().array() += 1e4;
      const double top = mmc::neural::bound_value(
          Bound::infonce, ops.stats(ScoreBlock::matrix, mmc::nn::view(s), 5.0));
      EXPECT_LE(top, std::log(static_cast<double>(k)) + 1e-12);
      EXPECT_NEAR(top, std::log(static_cast<double>(k)), 1e-9);  // the cap is reached
    }
  }
}

TEST(NeuralBounds, SmileWithLargeTauIsDv) {
  Ops ops;
  const Matrix s = random_scores(1, 200, 9, 2.0);
  const ScoreStats wide = shuffled_stats(ops, s, 1e6);
  EXPECT_NEAR(mmc::neural::bound_value(Bound::smile, wide), mmc::neural::bound_value(Bound::dv, wide),
              1e-12);
  // Clipping the marginal term at tau bounds the log-mean-exp by tau.
  const ScoreStats tight = shuffled_stats(ops, random_scores(1, 200, 9, 1.0, 50.0), 2.0);
  EXPECT_NEAR(tight.marginal_clipped_lse - std::log(tight.marginal_count), 2.0, 1e-12);
}

TEST(NeuralBounds, NamesRoundTrip) {
  for (Bound b : {Bound::dv, Bound::nwj, Bound::infonce, Bound::js, Bound::smile}) {
    EXPECT_EQ(mmc::neural::parse_bound(mmc::neural::bound_name(b)), b);
  }
  EXPECT_EQ(mmc::neural::parse_bound("dv"), Bound::dv);
  EXPECT_THROW(mmc::neural::parse_bound("mime"), mmc::invalid_argument);
  EXPECT_EQ(mmc::neural::training_objective(Bound::smile), Bound::js);
}

}  // namespace
