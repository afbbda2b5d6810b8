// End-to-end gradients of the critics (neural/critic.hpp): dLoss/dParameters from
// bound_step's dLoss/dScores and the critic's backward pass, against finite
// differences of the loss recomputed from scratch (double; tanh hidden units so
// the loss is smooth). Concat critic with shuffled and all-pairs scores, the
// separable critic with all-pairs scores, every training objective.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <mmc/core/rng.hpp>
#include <mmc/core/types.hpp>
#include <mmc/neural/bound_ops.hpp>
#include <mmc/neural/critic.hpp>
#include <mmc/nn/gradcheck.hpp>

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::neural::Bound;
using mmc::neural::BoundConfig;
using mmc::neural::BoundState;
using mmc::neural::CriticKind;
using mmc::neural::CriticSpec;
using mmc::neural::Pairing;
using mmc::neural::ScoreBlock;
using Backend = mmc::nn::CpuBackend<double>;
using Ops = mmc::neural::BoundOps<Backend>;

RowMatrix<double> random_rows(Index n, Index d, std::uint64_t seed) {
  mmc::Rng rng(seed, 3);
  RowMatrix<double> m(n, d);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal();
  return m;
}

struct Batch {
  RowMatrix<double> x = random_rows(9, 2, 1), y = random_rows(9, 3, 2);
  std::vector<Index> rows{4, 0, 7, 2, 8, 5};               // K = 6 samples
  std::vector<Index> xr{4, 0, 7, 2, 8, 5, 4, 0, 7, 2, 8, 5};  // shuffled: [joint | marginal]
  std::vector<Index> yr{4, 0, 7, 2, 8, 5, 7, 5, 4, 8, 0, 2};
};

// Scores of the batch with the critic's current parameters.
template <class Critic>
mmc::nn::ConstMatrixRef<double> scores(Critic& critic, Batch& b, Pairing pairing) {
  if constexpr (requires { critic.pair_scores(b.x, b.y, b.xr, b.yr); }) {
    if (pairing == Pairing::shuffled) return critic.pair_scores(b.x, b.y, b.xr, b.yr);
  }
  return critic.matrix_scores(b.x, b.y, b.rows);
}

template <class Critic>
void check_critic(Critic& critic, Bound bound, Pairing pairing) {
  SCOPED_TRACE(std::string(mmc::neural::bound_name(bound)) + " " +
               std::string(mmc::neural::pairing_name(pairing)));
  Batch b;
  Ops ops;
  const BoundConfig config{bound, pairing, 1.0, 5.0};
  const auto loss = [&] {
    BoundState state;
    const auto s = scores(critic, b, pairing);
    Eigen::MatrixXd unused(s.rows, s.cols);
    return mmc::neural::bound_step(ops, config, s, mmc::nn::view(unused), state).loss;
  };
  // Analytic gradients.
  const auto s = scores(critic, b, pairing);
  Eigen::MatrixXd grad(s.rows, s.cols);
  BoundState state;
  mmc::neural::bound_step(ops, config, s, mmc::nn::view(grad), state);
  critic.backward(mmc::nn::view(grad));
  for (std::size_t m = 0; m < critic.size(); ++m) {
    auto& mlp = critic.mlp(m);
    const Eigen::VectorXd analytic = Eigen::Map<const Eigen::VectorXd>(
        mlp.gradients().data, mlp.parameter_count());
    const auto r = mmc::nn::check_gradient<double>(
        std::span<double>(mlp.parameters().data, static_cast<std::size_t>(mlp.parameter_count())),
        std::span<const double>(analytic.data(), static_cast<std::size_t>(analytic.size())), loss);
    EXPECT_EQ(r.checked, mlp.parameter_count()) << "network " << m;
    EXPECT_LT(r.max_relative_error, 1e-6)
        << "network " << m << ", parameter " << r.worst << ": " << r.analytic << " vs " << r.numeric;
    EXPECT_GT(analytic.norm(), 1e-3);  // a vanishing gradient would pass trivially
  }
}

CriticSpec small_spec(CriticKind kind) {
  return CriticSpec{kind, {5, 4}, mmc::nn::Activation::tanh, 3};
}

TEST(NeuralCritic, ConcatGradientsMatchFiniteDifferences) {
  for (Pairing p : {Pairing::shuffled, Pairing::all_pairs}) {
    for (Bound bound : {Bound::dv, Bound::nwj, Bound::js, Bound::infonce}) {
      if (bound == Bound::infonce && p == Pairing::shuffled) continue;
      mmc::neural::ConcatCritic<double, Backend> critic(2, 3, small_spec(CriticKind::concat), 5,
                                                        Backend(1), 1e-3);
      check_critic(critic, bound, p);
    }
  }
}

TEST(NeuralCritic, SeparableGradientsMatchFiniteDifferences) {
  for (Bound bound : {Bound::dv, Bound::nwj, Bound::js, Bound::infonce}) {
    mmc::neural::SeparableCritic<double, Backend> critic(2, 3, small_spec(CriticKind::separable), 6,
                                                         Backend(1), 1e-3);
    check_critic(critic, bound, Pairing::all_pairs);
  }
}

TEST(NeuralCritic, ConcatMatrixScoresAreThePairScores) {
  // S_ij = T(x_i, y_j): the all-pairs matrix entry equals the single pair's score.
  Batch b;
  mmc::neural::ConcatCritic<double, Backend> critic(2, 3, small_spec(CriticKind::concat), 7,
                                                    Backend(1), 1e-3);
  const Eigen::MatrixXd s = mmc::nn::as_eigen(critic.matrix_scores(b.x, b.y, b.rows));
  for (std::size_t i = 0; i < b.rows.size(); ++i) {
    for (std::size_t j = 0; j < b.rows.size(); ++j) {
      const std::vector<Index> xi{b.rows[i]}, yj{b.rows[j]};
      const double single = mmc::nn::as_eigen(critic.pair_scores(b.x, b.y, xi, yj))(0, 0);
      EXPECT_NEAR(s(static_cast<Index>(i), static_cast<Index>(j)), single, 1e-12);
    }
  }
}

TEST(NeuralCritic, SeparableScoresAreInnerProducts) {
  Batch b;
  mmc::neural::SeparableCritic<double, Backend> critic(2, 3, small_spec(CriticKind::separable), 8,
                                                       Backend(1), 1e-3);
  const Eigen::MatrixXd s = mmc::nn::as_eigen(critic.matrix_scores(b.x, b.y, b.rows));
  const Eigen::MatrixXd f = mmc::nn::as_eigen(critic.mlp(0).output());
  const Eigen::MatrixXd g = mmc::nn::as_eigen(critic.mlp(1).output());
  EXPECT_EQ(f.rows(), 3);  // embedding 3: scores are inner products over sqrt(3)
  EXPECT_LT((s - f.transpose() * g / std::sqrt(3.0)).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(NeuralCritic, SnapshotRestoresParameters) {
  mmc::neural::ConcatCritic<double, Backend> critic(2, 3, small_spec(CriticKind::concat), 9,
                                                    Backend(1), 1e-2);
  const auto before = critic.snapshot();
  Batch b;
  Ops ops;
  BoundState state;
  const auto s = critic.pair_scores(b.x, b.y, b.xr, b.yr);
  Eigen::MatrixXd grad(s.rows, s.cols);
  mmc::neural::bound_step(ops, BoundConfig{}, s, mmc::nn::view(grad), state);
  critic.backward(mmc::nn::view(grad));
  critic.update();
  EXPECT_NE(critic.mlp(0).get_parameters(), before[0]);
  critic.restore(before);
  EXPECT_EQ(critic.mlp(0).get_parameters(), before[0]);
}

}  // namespace
