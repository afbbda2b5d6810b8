// The training loop and the estimator plumbing (neural/trainer.hpp,
// neural_mi.hpp, cene.hpp, split.hpp, onehot.hpp): same seed => same bits with
// 1 and 2 threads, divergence => mmc::training_error naming the step (or the
// documented recovery), the progress callback and early stopping, splits and
// batches, caller data left untouched. Small networks and few steps: these are
// behaviour tests, accuracy is in test_neural_accuracy.cpp.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/neural.hpp>

namespace {

using mmc::Index;
using mmc::RowMatrix;
namespace neural = mmc::neural;

struct Data {
  RowMatrix<double> x, y;
  Eigen::VectorXi labels;
};

// y = x_0 + noise: a dependent pair with a discrete label derived from x_0.
Data make_data(Index n, std::uint64_t seed) {
  mmc::Rng rng(seed, 1);
  Data d{RowMatrix<double>(n, 2), RowMatrix<double>(n, 1), Eigen::VectorXi(n)};
  for (Index i = 0; i < n; ++i) {
    d.x(i, 0) = rng.normal();
    d.x(i, 1) = rng.normal();
    d.y(i, 0) = d.x(i, 0) + 0.5 * rng.normal();
    d.labels(i) = d.x(i, 0) > 0.3 ? 2 : (d.x(i, 0) > -0.3 ? 1 : 0);
  }
  return d;
}

template <class Options>
Options small(Options o, int threads) {
  o.steps = 24;
  o.batch = 256;
  o.hidden = {64, 64};  // batch 2 x 256: GEMMs large enough to be split across threads
  o.eval_interval = 8;
  o.threads = threads;
  o.seed = 42;
  return o;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

template <class Result>
void expect_same_curves(const Result& a, const Result& b) {
  ASSERT_EQ(a.curve.size(), b.curve.size());
  for (std::size_t i = 0; i < a.curve.size(); ++i) {
    EXPECT_TRUE(same_bits(a.curve[i].train, b.curve[i].train)) << i;
    EXPECT_TRUE(same_bits(a.curve[i].heldout, b.curve[i].heldout) ||
                (std::isnan(a.curve[i].heldout) && std::isnan(b.curve[i].heldout)));
  }
}

template <class Estimator>
void check_thread_independence() {
  const Data d = make_data(1000, 1);
  const auto one = Estimator(small(typename Estimator::Options{}, 1)).estimate(d.x, d.y);
  const auto two = Estimator(small(typename Estimator::Options{}, 2)).estimate(d.x, d.y);
  EXPECT_TRUE(same_bits(one.value, two.value)) << one.value << " vs " << two.value;
  EXPECT_TRUE(same_bits(one.train_estimate, two.train_estimate));
  expect_same_curves(one, two);
  EXPECT_TRUE(std::isfinite(one.value));
}

TEST(NeuralTrainer, SameSeedSameBitsWithOneAndTwoThreads) {
  check_thread_independence<neural::Mine<>>();
  check_thread_independence<neural::Smile<>>();
  check_thread_independence<neural::InfoNce<>>();  // separable critic, all pairs
}

TEST(NeuralTrainer, CeneSameBitsWithOneAndTwoThreads) {
  const Data d = make_data(1000, 2);
  const auto run = [&](int threads, bool discrete) {
    neural::CeneOptions o = small(neural::CeneOptions{}, threads);
    o.patience = 0;
    return discrete ? neural::Cene<>(o).estimate(d.labels, d.x) : neural::Cene<>(o).estimate(d.y, d.x);
  };
  for (bool discrete : {true, false}) {
    const auto one = run(1, discrete), two = run(2, discrete);
    EXPECT_TRUE(same_bits(one.value, two.value)) << one.value << " vs " << two.value;
    expect_same_curves(one, two);
  }
}

TEST(NeuralTrainer, SeedChangesTheResult) {
  const Data d = make_data(600, 3);
  auto o = small(neural::Mine<>::Options{}, 1);
  const double a = neural::Mine<>(o).estimate(d.x, d.y).value;
  EXPECT_TRUE(same_bits(a, neural::Mine<>(o).estimate(d.x, d.y).value));
  o.seed = 43;
  EXPECT_FALSE(same_bits(a, neural::Mine<>(o).estimate(d.x, d.y).value));
}

TEST(NeuralTrainer, DivergenceThrowsTrainingErrorNamingTheStep) {
  const Data d = make_data(400, 4);
  auto o = small(neural::Mine<>::Options{}, 1);
  o.lr = 1e10;  // absurd: weights explode, scores overflow, the loss becomes NaN
  try {
    neural::Mine<>(o).estimate(d.x, d.y);
    FAIL() << "no training_error";
  } catch (const mmc::training_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("mmc::neural::Mine::estimate"), std::string::npos) << m;
    EXPECT_NE(m.find("diverged at step "), std::string::npos) << m;
    EXPECT_NE(m.find("lower the learning rate"), std::string::npos) << m;
    EXPECT_NE(m.find("--lr"), std::string::npos) << m;
    EXPECT_NE(m.find("clip"), std::string::npos) << m;
  }
  neural::CeneOptions c = small(neural::CeneOptions{}, 1);
  c.lr = 1e10;
  EXPECT_THROW(neural::Cene<>(c).estimate(d.y, d.x), mmc::training_error);
}

TEST(NeuralTrainer, RecoveryRestoresAndHalvesTheLearningRate) {
  const Data d = make_data(400, 5);
  auto o = small(neural::Mine<>::Options{}, 1);
  o.lr = 1e10;
  o.recover_from_divergence = true;
  o.max_recoveries = 2;  // not enough at this rate: the error says how many were tried
  try {
    neural::Mine<>(o).estimate(d.x, d.y);
    FAIL() << "no training_error";
  } catch (const mmc::training_error& e) {
    EXPECT_NE(std::string(e.what()).find("after 2 recoveries"), std::string::npos) << e.what();
  }
  o.max_recoveries = 60;
  const auto r = neural::Mine<>(o).estimate(d.x, d.y);
  EXPECT_GT(r.recoveries, 0);
  EXPECT_DOUBLE_EQ(r.learning_rate, 1e10 / std::pow(2.0, static_cast<double>(r.recoveries)));
  EXPECT_TRUE(std::isfinite(r.value));
}

TEST(NeuralTrainer, ProgressCallbackSeesEveryStepAndMayStop) {
  const Data d = make_data(600, 6);
  auto o = small(neural::Nwj<>::Options{}, 1);
  std::vector<Index> steps;
  Index evaluations = 0;
  o.progress = [&](const neural::Progress& p) {
    steps.push_back(p.step);
    EXPECT_EQ(p.steps, 24);
    EXPECT_TRUE(std::isfinite(p.train_estimate));
    if (!std::isnan(p.heldout)) ++evaluations;
    return p.step == 13 ? neural::ProgressAction::stop : neural::ProgressAction::proceed;
  };
  const auto r = neural::Nwj<>(o).estimate(d.x, d.y);
  EXPECT_EQ(r.steps, 13);
  EXPECT_EQ(r.stop, neural::StopReason::callback);
  ASSERT_EQ(steps.size(), 13u);
  for (std::size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i], static_cast<Index>(i + 1));
  EXPECT_EQ(evaluations, 1);           // step 8 (interval 8)
  EXPECT_TRUE(std::isfinite(r.value));  // evaluated at the stop
  EXPECT_EQ(r.best_step, 13);
}

TEST(NeuralTrainer, EarlyStoppingReturnsTheBestEvaluation) {
  const Data d = make_data(600, 7);
  auto o = small(neural::Mine<>::Options{}, 1);
  o.steps = 400;
  o.lr = 3e-3;
  o.eval_interval = 2;
  o.patience = 2;
  const auto r = neural::Mine<>(o).estimate(d.x, d.y);
  double best = -INFINITY;
  Index best_step = 0, evaluations = 0;
  for (const auto& p : r.curve) {
    if (std::isnan(p.heldout)) continue;
    ++evaluations;
    if (p.heldout > best) {
      best = p.heldout;
      best_step = p.step;
    }
  }
  EXPECT_EQ(r.stop, neural::StopReason::early_stopping);
  EXPECT_LT(r.steps, 400);
  EXPECT_EQ(r.best_step, best_step);
  EXPECT_EQ(r.value, best);  // the restored critic's held-out value
  EXPECT_EQ(r.steps, best_step + 2 * o.eval_interval);  // patience evaluations later
  EXPECT_GE(evaluations, 3);
}

TEST(NeuralTrainer, EstimatorsNeverModifyCallerDataAndTakeExpressions) {
  Data d = make_data(500, 8);
  const Data copy = d;
  auto o = small(neural::Js<>::Options{}, 1);
  const auto a = neural::Js<>(o).estimate(d.x, d.y);
  EXPECT_EQ(d.x, copy.x);
  EXPECT_EQ(d.y, copy.y);
  // A column-major double expression gives the same bits as the row-major matrix.
  const Eigen::MatrixXd xc = d.x;
  const auto b = neural::Js<>(o).estimate(xc.leftCols(2), d.y.col(0) * 1.0);
  EXPECT_TRUE(same_bits(a.value, b.value));
  EXPECT_EQ(a.n_train + a.n_heldout, 500);
  EXPECT_EQ(a.n_heldout, 100);
}

TEST(NeuralSplit, SplitIsAPartitionAndBatchesCoverEpochs) {
  const auto s = neural::make_split(103, 0.2, 9);
  EXPECT_EQ(s.heldout.size(), 21u);
  EXPECT_EQ(s.train.size(), 82u);
  std::set<Index> all(s.train.begin(), s.train.end());
  all.insert(s.heldout.begin(), s.heldout.end());
  EXPECT_EQ(all.size(), 103u);
  EXPECT_EQ(*all.rbegin(), 102);
  neural::BatchSampler sampler(s.train, 9);
  std::vector<Index> epoch(82);
  for (int e = 0; e < 3; ++e) {
    sampler.next(82, epoch.data());
    EXPECT_EQ(std::set<Index>(epoch.begin(), epoch.end()), std::set<Index>(s.train.begin(), s.train.end()));
  }
  const auto again = neural::make_split(103, 0.2, 9);
  EXPECT_EQ(again.heldout, s.heldout);
}

TEST(NeuralOneHot, CodesLabelsAndAppendsThem) {
  Eigen::VectorXi labels(4);
  labels << 2, 0, 1, 2;
  const auto h = neural::one_hot(labels);
  ASSERT_EQ(h.rows(), 4);
  ASSERT_EQ(h.cols(), 3);
  for (Index i = 0; i < 4; ++i) {
    EXPECT_EQ(h.row(i).sum(), 1.0f);
    EXPECT_EQ(h(i, labels(i)), 1.0f);
  }
  EXPECT_EQ(neural::one_hot(labels, 5).cols(), 5);
  Eigen::MatrixXd f = Eigen::MatrixXd::Constant(4, 2, 7.0);
  const auto joined = neural::append_one_hot<double>(f, labels);
  EXPECT_EQ(joined.cols(), 5);
  EXPECT_EQ(joined(0, 0), 7.0);
  EXPECT_EQ(joined(0, 4), 1.0);
}

}  // namespace
