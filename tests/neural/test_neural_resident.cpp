// The device-resident training loop (neural/resident.hpp, resident_ops.hpp) on
// the CPU: its draws (epoch orders, pairing shifts), bit-for-bit agreement with
// a step-by-step reference built from the host loop's public pieces, no host
// reads of backend memory (the guarded backend), one read-back per block,
// divergence, recovery, the progress callback, and agreement with the host loop
// within the estimator's seed-to-seed spread.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "guarded_resident.hpp"
#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/neural/neural_mi.hpp"
#include "mmc/neural/resident.hpp"
#include "mmc/nn/optimizers.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
namespace neural = mmc::neural;
using Cpu = mmc::nn::CpuBackend<float>;
using Guarded = mmc::nn::testing::GuardedBackend<float>;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// y_0 = x_0 + noise, x_1 independent: I(X;Y) = 0.5 log(1 + 1/0.25) = 0.805 nats.
void make_data(Index n, std::uint64_t seed, RowMatrix<float>& x, RowMatrix<float>& y) {
  mmc::Rng rng(seed, 1);
  x.resize(n, 2);
  y.resize(n, 1);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = static_cast<float>(rng.normal());
    x(i, 1) = static_cast<float>(rng.normal());
    y(i, 0) = x(i, 0) + static_cast<float>(0.5 * rng.normal());
  }
}

template <neural::Bound kBound>
neural::NeuralMiOptions<kBound> small_options() {
  neural::NeuralMiOptions<kBound> o;
  o.steps = 24;
  o.batch = 64;
  o.hidden = {32, 32};
  o.eval_interval = 8;
  o.seed = 42;
  o.threads = 1;
  o.loop = neural::TrainingLoop::resident;
  return o;
}

TEST(ResidentDraws, EpochOrderIsASeededPermutationOfTheTrainingIndices) {
  std::vector<Index> train(1000);
  for (std::size_t i = 0; i < train.size(); ++i) train[i] = static_cast<Index>(3 * i + 1);
  std::vector<Index> a(train.size()), b(train.size()), c(train.size());
  neural::epoch_order(7, 0, train, a.data());
  neural::epoch_order(7, 0, train, b.data());
  neural::epoch_order(7, 1, train, c.data());
  EXPECT_EQ(a, b);  // a pure function of (seed, epoch)
  EXPECT_NE(a, c);
  std::vector<Index> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, train);  // every training index exactly once
  // Shuffled: the number of fixed points of a uniform permutation is ~Poisson(1).
  Index fixed = 0;
  for (std::size_t i = 0; i < a.size(); ++i) fixed += a[i] == train[i];
  EXPECT_LE(fixed, 8);
}

TEST(ResidentDraws, PairingShiftsAreUniformOnOneToKMinusOne) {
  constexpr Index k = 8, draws = 70000;
  std::vector<Index> counts(k, 0);
  for (Index s = 1; s <= draws; ++s) {
    const Index d = neural::pairing_shift(3, s, k);
    ASSERT_GE(d, 1);
    ASSERT_LE(d, k - 1);
    ++counts[static_cast<std::size_t>(d)];
  }
  // Each of the 7 values: Binomial(70000, 1/7), mean 10000, SD 92.6; 5 SD.
  for (Index d = 1; d < k; ++d) EXPECT_NEAR(counts[static_cast<std::size_t>(d)], 10000.0, 463.0);
  EXPECT_EQ(neural::pairing_shift(3, 5, 2), 1);  // K = 2: the only shift
}

// The reference: the host loop's public pieces (ConcatCritic::pair_scores on
// host-gathered indices, bound_step, the critic's clipping and Adam), fed the
// batches the resident loop's contract defines. The resident model must give
// the same parameters and per-step records, bit for bit.
template <neural::Bound kBound>
void expect_resident_equals_reference(double clip_norm, double lr_decay) {
  RowMatrix<float> x, y;
  make_data(300, 11, x, y);  // 240 training samples: batches of 64 straddle epochs
  auto o = small_options<kBound>();
  o.steps = 13;  // 832 samples: 3.5 epochs, so the window rotates three times
  o.clip_norm = clip_norm;
  o.lr_decay = lr_decay;
  o.lr = 3e-3;
  const neural::BoundConfig config{kBound, neural::Pairing::shuffled, o.ema, o.tau};
  const neural::CriticSpec spec{neural::CriticKind::concat, o.hidden, o.activation, o.embedding};
  const Cpu cpu(1);
  const neural::Split split = neural::make_split(x.rows(), o.holdout, o.seed);

  neural::ConcatCritic<float, Cpu> resident_critic(2, 1, spec, o.seed, cpu, o.lr, o.weight_decay);
  neural::detail::ResidentMiModel<float, Cpu> model(resident_critic, cpu, config, x, y, split, o,
                                                    o.eval_permutations, o.eval_chunk, o.seed);
  model.run_steps(1, o.steps);
  std::vector<neural::StepRecord> records(static_cast<std::size_t>(o.steps));
  model.read_log(1, o.steps, records.data());

  neural::ConcatCritic<float, Cpu> ref(2, 1, spec, o.seed, cpu, o.lr, o.weight_decay);
  neural::BoundOps<Cpu> ops(cpu);
  neural::BoundState state;
  const auto n = static_cast<Index>(split.train.size());
  const Index k = o.batch;
  std::vector<std::vector<Index>> epochs;
  std::vector<Index> xr(2 * k), yr(2 * k), rows(k);
  std::vector<float> grad(2 * k);
  for (Index s = 1; s <= o.steps; ++s) {
    for (Index c = 0; c < k; ++c) {
      const Index position = (s - 1) * k + c;
      const auto e = static_cast<std::size_t>(position / n);
      while (epochs.size() <= e) {
        epochs.emplace_back(split.train.size());
        neural::epoch_order(o.seed, epochs.size() - 1, split.train, epochs.back().data());
      }
      rows[c] = epochs[e][static_cast<std::size_t>(position % n)];
    }
    const Index d = neural::pairing_shift(o.seed, s, k);
    for (Index c = 0; c < k; ++c) {
      xr[c] = yr[c] = xr[k + c] = rows[c];
      yr[k + c] = rows[(c + d) % k];
    }
    const auto scores = ref.pair_scores(x, y, xr, yr);
    const neural::BatchValues v =
        neural::bound_step(ops, config, scores, mmc::nn::MatrixRef<float>(grad.data(), 1, 2 * k),
                           state);
    ref.backward(mmc::nn::ConstMatrixRef<float>(grad.data(), 1, 2 * k));
    const double norm = ref.clip(clip_norm);
    ref.set_learning_rate(neural::detail::scheduled_learning_rate(o.lr, lr_decay, s, o.steps));
    ref.update();
    const auto& r = records[static_cast<std::size_t>(s - 1)];
    EXPECT_TRUE(same_bits(r.loss, v.loss)) << "step " << s;
    EXPECT_TRUE(same_bits(r.estimate, v.estimate)) << "step " << s;
    EXPECT_TRUE(same_bits(std::sqrt(r.squared_norm), norm)) << "step " << s;
  }
  const auto got = resident_critic.snapshot()[0];
  const auto want = ref.snapshot()[0];
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), sizeof(float) * got.size()), 0);
}

TEST(ResidentLoop, EqualsTheStepByStepReferenceBitForBit) {
  expect_resident_equals_reference<neural::Bound::dv>(0.0, 1.0);
  expect_resident_equals_reference<neural::Bound::dv>(0.05, 0.05);  // clipping + cosine schedule
  expect_resident_equals_reference<neural::Bound::nwj>(0.0, 0.05);
  expect_resident_equals_reference<neural::Bound::js>(0.0, 1.0);
  expect_resident_equals_reference<neural::Bound::smile>(0.0, 1.0);
}

TEST(ResidentLoop, NeverReadsBackendMemoryOnTheHostAndReadsBackOncePerBlock) {
  RowMatrix<float> x, y;
  make_data(600, 12, x, y);
  auto o = small_options<neural::Bound::dv>();
  const auto cpu = neural::Mine<float, Cpu>(o).estimate(x, y);
  long long& reads = neural::ResidentOps<Guarded>::read_backs();
  reads = 0;
  const auto guarded = neural::Mine<float, Guarded>(o).estimate(x, y);  // SIGSEGV on a host read
  EXPECT_EQ(reads, 3);  // 24 steps, a block of 8 per evaluation
  EXPECT_TRUE(guarded.resident);
  EXPECT_TRUE(same_bits(cpu.value, guarded.value));
  ASSERT_EQ(cpu.curve.size(), guarded.curve.size());
  for (std::size_t i = 0; i < cpu.curve.size(); ++i) {
    EXPECT_TRUE(same_bits(cpu.curve[i].train, guarded.curve[i].train));
  }
  // Read-backs grow with the evaluations, not with the steps.
  o.steps = 240;
  o.eval_interval = 80;
  reads = 0;
  neural::Mine<float, Guarded>(o).estimate(x, y);
  EXPECT_EQ(reads, 3);
}

// A CUDA graph replays the pointers of the captured step: evaluating the
// held-out part (larger batches than a step) must not move the critic's buffers.
TEST(ResidentLoop, EveryStepAfterTheCaptureUsesTheCapturedBuffers) {
  RowMatrix<float> x, y;
  make_data(600, 19, x, y);  // 120 held-out pairs per evaluation chunk > 2K = 32
  auto o = small_options<neural::Bound::dv>();
  o.batch = 16;
  long long& mismatches = neural::ResidentOps<Guarded>::replay_mismatches();
  mismatches = 0;
  const auto r = neural::Mine<float, Guarded>(o).estimate(x, y);
  EXPECT_TRUE(r.resident);
  EXPECT_EQ(mismatches, 0);
}

TEST(ResidentLoop, ThreadCountNeverChangesTheBits) {
  RowMatrix<float> x, y;
  make_data(600, 13, x, y);
  auto o = small_options<neural::Bound::dv>();
  o.batch = 256;
  o.hidden = {64, 64};
  const auto one = neural::Mine<>(o).estimate(x, y);
  o.threads = 2;
  const auto two = neural::Mine<>(o).estimate(x, y);
  EXPECT_TRUE(same_bits(one.value, two.value));
  EXPECT_TRUE(same_bits(one.train_estimate, two.train_estimate));
}

TEST(ResidentLoop, DivergenceNamesTheFirstBadStepAndRecoveryHalvesTheRate) {
  RowMatrix<float> x, y;
  make_data(400, 14, x, y);
  auto o = small_options<neural::Bound::dv>();
  o.lr = 1e10;
  try {
    neural::Mine<>(o).estimate(x, y);
    FAIL() << "no training_error";
  } catch (const mmc::training_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("diverged at step "), std::string::npos) << m;
    EXPECT_NE(m.find("lower the learning rate"), std::string::npos) << m;
  }
  // Blocks of one step, so recoveries can halve the rate as often as the host
  // loop's (which recovers at the failing step itself).
  o.recover_from_divergence = true;
  o.max_recoveries = 60;
  o.eval_interval = 1;
  const auto r = neural::Mine<>(o).estimate(x, y);
  EXPECT_GT(r.recoveries, 0);
  EXPECT_DOUBLE_EQ(r.learning_rate, 1e10 / std::pow(2.0, static_cast<double>(r.recoveries)));
  EXPECT_TRUE(std::isfinite(r.value));
}

TEST(ResidentLoop, ProgressSeesEveryStepAndAStopEndsTheBlock) {
  RowMatrix<float> x, y;
  make_data(600, 15, x, y);
  auto o = small_options<neural::Bound::nwj>();
  std::vector<Index> steps;
  o.progress = [&](const neural::Progress& p) {
    steps.push_back(p.step);
    EXPECT_EQ(p.steps, 24);
    EXPECT_TRUE(std::isfinite(p.train_estimate));
    EXPECT_EQ(std::isnan(p.heldout), p.step % 8 != 0);
    return p.step == 13 ? neural::ProgressAction::stop : neural::ProgressAction::proceed;
  };
  const auto r = neural::Nwj<>(o).estimate(x, y);
  ASSERT_EQ(steps.size(), 13u);
  for (std::size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i], static_cast<Index>(i + 1));
  EXPECT_EQ(r.stop, neural::StopReason::callback);
  EXPECT_EQ(r.steps, 16);  // the block 9..16 had already run
  EXPECT_EQ(r.best_step, 16);
  EXPECT_TRUE(std::isfinite(r.value));
}

TEST(ResidentLoop, EarlyStoppingReturnsTheBestEvaluation) {
  RowMatrix<float> x, y;
  make_data(600, 16, x, y);
  auto o = small_options<neural::Bound::dv>();
  o.steps = 400;
  o.lr = 3e-3;
  o.eval_interval = 2;
  o.patience = 2;
  const auto r = neural::Mine<>(o).estimate(x, y);
  double best = -1e300;
  for (const auto& p : r.curve) {
    if (!std::isnan(p.heldout)) best = std::max(best, p.heldout);
  }
  EXPECT_EQ(r.stop, neural::StopReason::early_stopping);
  EXPECT_TRUE(same_bits(r.value, best));
  EXPECT_LT(r.steps, 400);
}

TEST(ResidentLoop, RefusesCriticsAndPairingsItDoesNotTrain) {
  RowMatrix<float> x, y;
  make_data(300, 17, x, y);
  auto o = small_options<neural::Bound::infonce>();
  try {
    neural::InfoNce<>(o).estimate(x, y);
    FAIL() << "no invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("loop"), std::string::npos) << e.what();
  }
  auto m = small_options<neural::Bound::dv>();
  m.loop = neural::TrainingLoop::automatic;  // the CPU backend keeps the host loop
  EXPECT_FALSE(neural::Mine<>(m).estimate(x, y).resident);
}

// Both loops estimate the same MI: over 6 seeds each, the means differ by less
// than 3 standard errors of the difference (plus 0.02 nats for the different
// minibatch streams' systematic effect, which is far below that here).
TEST(ResidentLoop, AgreesWithTheHostLoopWithinTheSeedSpread) {
  RowMatrix<float> x, y;
  make_data(3000, 18, x, y);
  auto o = small_options<neural::Bound::dv>();
  o.steps = 600;
  o.eval_interval = 100;
  o.batch = 256;
  std::vector<double> host, resident;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    o.seed = seed;
    o.loop = neural::TrainingLoop::host;
    host.push_back(neural::Mine<>(o).estimate(x, y).value);
    o.loop = neural::TrainingLoop::resident;
    resident.push_back(neural::Mine<>(o).estimate(x, y).value);
  }
  const auto mean = [](const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  const auto var = [&](const std::vector<double>& v) {
    double s = 0.0;
    for (double a : v) s += (a - mean(v)) * (a - mean(v));
    return s / static_cast<double>(v.size() - 1);
  };
  const double se = std::sqrt((var(host) + var(resident)) / 6.0);
  EXPECT_LT(std::abs(mean(host) - mean(resident)), 3.0 * se + 0.02)
      << "host " << mean(host) << ", resident " << mean(resident) << ", se " << se;
  EXPECT_NEAR(mean(resident), 0.805, 0.2);  // the truth, within a 600-step budget's bias
}

}  // namespace
