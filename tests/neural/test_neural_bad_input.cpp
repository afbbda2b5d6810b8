// Bad input to every public entry point of neural/ (docs/design.md §2): each case
// throws mmc::invalid_argument whose message names the function and the
// offending argument (and, for data, the row and column).
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/neural.hpp>

namespace {

using mmc::Index;
using mmc::RowMatrix;
namespace neural = mmc::neural;

void expect_invalid(const std::function<void()>& call, const std::vector<std::string>& fragments) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one mentioning " << fragments.front();
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    for (const auto& f : fragments) EXPECT_NE(message.find(f), std::string::npos) << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

RowMatrix<double> noise(Index n, Index d, std::uint64_t seed) {
  mmc::Rng rng(seed, 2);
  RowMatrix<double> m(n, d);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal();
  return m;
}

const RowMatrix<double> kX = noise(100, 2, 1), kY = noise(100, 1, 2);

// Every MI estimator with options changed by `edit` must reject (x, y) with
// a message containing `argument`.
void expect_all_mi(const std::function<void(neural::TrainingOptions&)>& edit,
                   const RowMatrix<double>& x, const RowMatrix<double>& y,
                   const std::string& argument) {
  const auto one = [&](auto estimator, const char* name) {
    auto o = estimator.options();
    o.batch = 16;
    o.steps = 1;
    edit(o);
    expect_invalid([&] { decltype(estimator)(o).estimate(x, y); },
                   {"mmc::neural::" + std::string(name) + "::estimate", "'" + argument + "'"});
  };
  one(neural::Mine<>(), "Mine");
  one(neural::Nwj<>(), "Nwj");
  one(neural::InfoNce<>(), "InfoNce");
  one(neural::Js<>(), "Js");
  one(neural::Smile<>(), "Smile");
}

void keep(neural::TrainingOptions&) {}

TEST(NeuralBadInput, ShapeMismatch) { expect_all_mi(keep, kX, noise(99, 1, 3), "y"); }

TEST(NeuralBadInput, NonFiniteData) {
  RowMatrix<double> x = kX, y = kY;
  x(7, 1) = std::numeric_limits<double>::quiet_NaN();
  expect_all_mi(keep, x, kY, "x");
  expect_invalid([&] { neural::Mine<>().estimate(x, kY); }, {"NaN at row 7, column 1"});
  y(3, 0) = std::numeric_limits<double>::infinity();
  expect_all_mi(keep, kX, y, "y");
}

TEST(NeuralBadInput, EmptyData) { expect_all_mi(keep, RowMatrix<double>(0, 2), RowMatrix<double>(0, 1), "x"); }

TEST(NeuralBadInput, ConstantColumnWithStandardisation) {
  RowMatrix<double> x = kX;
  x.col(1).setConstant(3.0);
  expect_all_mi(keep, x, kY, "x");
  neural::Mine<>::Options o;
  o.batch = 16;
  expect_invalid([&] { neural::Mine<>(o).estimate(x, kY); }, {"constant column 1"});
}

TEST(NeuralBadInput, SharedOptions) {
  const auto opt = [](auto edit, const std::string& arg) { expect_all_mi(edit, kX, kY, arg); };
  opt([](neural::TrainingOptions& o) { o.holdout = 0.0; }, "holdout");
  opt([](neural::TrainingOptions& o) { o.holdout = 1.0; }, "holdout");
  opt([](neural::TrainingOptions& o) { o.holdout = -0.1; }, "holdout");
  opt([](neural::TrainingOptions& o) { o.holdout = std::numeric_limits<double>::quiet_NaN(); }, "holdout");
  opt([](neural::TrainingOptions& o) { o.batch = 1; }, "batch");
  opt([](neural::TrainingOptions& o) { o.steps = 0; }, "steps");
  opt([](neural::TrainingOptions& o) { o.lr = 0.0; }, "lr");
  opt([](neural::TrainingOptions& o) { o.lr = std::numeric_limits<double>::infinity(); }, "lr");
  opt([](neural::TrainingOptions& o) { o.hidden = {8, 0}; }, "hidden");
  opt([](neural::TrainingOptions& o) { o.eval_interval = 0; }, "eval_interval");
  opt([](neural::TrainingOptions& o) { o.patience = -1; }, "patience");
  opt([](neural::TrainingOptions& o) { o.clip_norm = -1.0; }, "clip_norm");
  opt([](neural::TrainingOptions& o) { o.lr_decay = 0.0; }, "lr_decay");
  opt([](neural::TrainingOptions& o) { o.weight_decay = -1.0; }, "weight_decay");
  opt([](neural::TrainingOptions& o) { o.max_recoveries = -1; }, "max_recoveries");
}

TEST(NeuralBadInput, TooFewSamples) {
  // 100 samples, 20 held out: 80 left for training, fewer than the batch.
  expect_all_mi([](neural::TrainingOptions& o) { o.batch = 81; }, kX, kY, "batch");
  expect_invalid([&] { neural::Mine<>().estimate(kX, kY); }, {"'batch' is 512 but only 80 of the 100"});
  // 5 samples with holdout 0.1: no held-out sample at all.
  expect_all_mi([](neural::TrainingOptions& o) { o.batch = 2; o.holdout = 0.1; }, noise(5, 1, 4),
                noise(5, 1, 5), "holdout");
}

TEST(NeuralBadInput, BoundSpecificOptions) {
  auto mine = neural::Mine<>::Options{};
  mine.ema = 0.0;
  expect_invalid([&] { neural::Mine<>(mine).estimate(kX, kY); }, {"Mine::estimate", "'ema'"});
  mine.ema = 1.5;
  expect_invalid([&] { neural::Mine<>(mine).estimate(kX, kY); }, {"'ema'"});
  auto smile = neural::Smile<>::Options{};
  smile.tau = 0.0;
  expect_invalid([&] { neural::Smile<>(smile).estimate(kX, kY); }, {"Smile::estimate", "'tau'"});
  auto nce = neural::InfoNce<>::Options{};
  nce.pairing = neural::Pairing::shuffled;
  expect_invalid([&] { neural::InfoNce<>(nce).estimate(kX, kY); }, {"InfoNce::estimate", "'pairing'"});
  nce = {};
  nce.embedding = 0;
  expect_invalid([&] { neural::InfoNce<>(nce).estimate(kX, kY); }, {"'embedding'"});
  auto js = neural::Js<>::Options{};
  js.critic = neural::CriticKind::separable;  // with the default shuffled pairing
  expect_invalid([&] { neural::Js<>(js).estimate(kX, kY); }, {"Js::estimate", "'pairing'"});
  js = {};
  js.eval_permutations = 0;
  expect_invalid([&] { neural::Js<>(js).estimate(kX, kY); }, {"'eval_permutations'"});
}

neural::CeneOptions cene_options() {
  neural::CeneOptions o;
  o.batch = 16;
  o.steps = 1;
  return o;
}

TEST(NeuralBadInput, CeneLabels) {
  Eigen::VectorXi labels = Eigen::VectorXi::Zero(100);
  labels(5) = -1;
  expect_invalid([&] { neural::Cene<>(cene_options()).estimate(labels, kX); },
                 {"mmc::neural::Cene::estimate", "'a'", "index 5"});
  labels(5) = 3;
  auto o = cene_options();
  o.classes = 2;
  expect_invalid([&] { neural::Cene<>(o).estimate(labels, kX); }, {"'a'", "outside [0, 2)"});
  const Eigen::MatrixXi two_columns = Eigen::MatrixXi::Zero(100, 2);
  expect_invalid([&] { neural::Cene<>(cene_options()).estimate(two_columns, kX); }, {"'a'"});
}

TEST(NeuralBadInput, CeneData) {
  const auto o = cene_options();
  expect_invalid([&] { neural::Cene<>(o).estimate(kY, noise(99, 2, 6)); }, {"Cene::estimate", "'b'"});
  RowMatrix<double> b = kX;
  b(2, 0) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { neural::Cene<>(o).estimate(kY, b); }, {"'b'", "row 2"});
  RowMatrix<double> a = kY;
  a(4, 0) = std::numeric_limits<double>::infinity();
  expect_invalid([&] { neural::Cene<>(o).estimate(a, kX); }, {"'a'", "row 4"});
  expect_invalid([&] { neural::Cene<>(o).estimate(a); }, {"'a'"});
  expect_invalid([&] { neural::Cene<>(o).estimate(RowMatrix<double>(0, 1)); }, {"'a'"});
  expect_invalid([&] { neural::Cene<>().estimate(kY, kX); }, {"'batch'"});  // 256 > 72
}

TEST(NeuralBadInput, CeneOptions) {
  const auto bad = [](auto edit, const std::string& arg) {
    auto o = cene_options();
    edit(o);
    expect_invalid([&] { neural::Cene<>(o).estimate(kY, kX); }, {"Cene::estimate", "'" + arg + "'"});
  };
  bad([](neural::CeneOptions& o) { o.validation = 0.0; }, "validation");
  bad([](neural::CeneOptions& o) { o.validation = 1.0; }, "validation");
  bad([](neural::CeneOptions& o) { o.components = 0; }, "components");
  bad([](neural::CeneOptions& o) { o.sigma_min = -1.0; }, "sigma_min");
  bad([](neural::CeneOptions& o) { o.classes = -2; }, "classes");
  bad([](neural::CeneOptions& o) { o.holdout = 1.2; }, "holdout");
  bad([](neural::CeneOptions& o) { o.batch = 1; }, "batch");
  bad([](neural::CeneOptions& o) { o.steps = 0; }, "steps");
}

TEST(NeuralBadInput, Doe) {
  const auto o = cene_options();
  expect_invalid([&] { neural::Doe<>(o).estimate(kY, RowMatrix<double>(100, 0)); },
                 {"mmc::neural::Doe::estimate", "'b'"});
  expect_invalid([&] { neural::Doe<>(o).estimate(kY, noise(50, 1, 7)); }, {"'b'"});
}

TEST(NeuralBadInput, OneHot) {
  Eigen::VectorXi labels(3);
  labels << 0, -2, 1;
  expect_invalid([&] { neural::one_hot(labels); }, {"mmc::neural::one_hot", "'labels'", "index 1"});
  labels << 0, 5, 1;
  expect_invalid([&] { neural::one_hot(labels, 3); }, {"'labels'", "outside [0, 3)"});
  const Eigen::MatrixXi matrix = Eigen::MatrixXi::Zero(2, 2);
  expect_invalid([&] { neural::one_hot(matrix); }, {"'labels'"});
  labels << 0, 1, 1;
  expect_invalid([&] { neural::append_one_hot(Eigen::MatrixXd::Zero(4, 2), labels); },
                 {"mmc::neural::append_one_hot", "'labels'"});
}

}  // namespace
