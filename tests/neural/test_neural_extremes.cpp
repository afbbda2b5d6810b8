// Extreme data in the neural estimators (docs/design.md §2, §3.2, §3.3): inputs
// are standardised in double before they are rounded to float32, so a large
// offset (a Unix timestamp: x * 100 + 1.7e9, which float32 rounds to multiples
// of 128) changes nothing: the estimate equals the one on the centred data
// with the same seed. Without standardisation such data are refused with a
// message naming options.standardize, never trained into a misleading
// "diverged" or "constant column" error.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/neural.hpp>

namespace {

using mmc::Index;
using mmc::RowMatrix;
namespace neural = mmc::neural;

constexpr double kOffset = 1.7e9;

// x, y: standard bivariate normal with correlation 0.8 (I = 0.51 nats), x
// scaled by 100 as for data in other units.
struct Pair {
  RowMatrix<double> x, y;
};
Pair data(Index n) {
  mmc::Rng rng(5, 1);
  Pair p{RowMatrix<double>(n, 1), RowMatrix<double>(n, 1)};
  for (Index i = 0; i < n; ++i) {
    const double u = rng.normal();
    p.x(i, 0) = 100.0 * u;
    p.y(i, 0) = 0.8 * u + 0.6 * rng.normal();
  }
  return p;
}

RowMatrix<double> shifted(const RowMatrix<double>& m) { return m.array() + kOffset; }

std::string message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const mmc::invalid_argument& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "(no exception)";
}

template <class Estimator>
typename Estimator::Options quick(Estimator estimator) {
  auto o = estimator.options();
  o.steps = 400;
  o.batch = 64;
  o.lr = 5e-3;
  o.hidden = {16};
  o.eval_interval = 50;
  o.threads = 1;
  o.seed = 3;
  return o;
}

// The standardised copies of the centred and the offset data agree to float
// rounding (a few may differ in the last bit), so training follows the same
// path: equal up to that rounding, where float32 standardisation gave
// InfoNCE 0.0001 (KSG: 0.51) and DoE 3.05.
template <class Estimator>
void expect_offset_changes_nothing(Estimator estimator, const char* name) {
  const Pair p = data(600);
  const auto o = quick(estimator);
  const double centred = Estimator(o).estimate(p.x, p.y).value;
  const double offset = Estimator(o).estimate(shifted(p.x), p.y).value;
  EXPECT_TRUE(std::isfinite(centred)) << name;
  EXPECT_NEAR(offset, centred, 1e-3) << name;
  EXPECT_GT(centred, 0.1) << name << ": the critic learned nothing in the quick setting";
  std::printf("%s: centred %.6f, offset %.6f\n", name, centred, offset);
  // Without standardisation float32 cannot hold the offset data: refused.
  auto raw = o;
  raw.standardize = false;
  const std::string message = message_of([&] { Estimator(raw).estimate(shifted(p.x), p.y); });
  EXPECT_NE(message.find("mmc::neural::" + std::string(name) + "::estimate: argument 'x'"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("options.standardize"), std::string::npos) << message;
}

TEST(NeuralExtremes, MineIgnoresAnOffsetThatFloatCannotHold) {
  expect_offset_changes_nothing(neural::Mine<>(), "Mine");
}

TEST(NeuralExtremes, InfoNceIgnoresAnOffsetThatFloatCannotHold) {
  expect_offset_changes_nothing(neural::InfoNce<>(), "InfoNce");
}

neural::CeneOptions cene_options() {
  neural::CeneOptions o;
  o.steps = 300;
  o.batch = 128;
  o.lr = 1e-2;
  o.hidden = {16};
  o.eval_interval = 50;
  o.threads = 1;
  o.seed = 2;
  return o;
}

// CENE is not scale-invariant: the entropy of x * 100 (+ 1.7e9) is
// 0.5 log(2 pi e) + log 100 = 6.02 nats. Standardised in double and corrected
// by log sd it is that with and without the offset (float32 standardisation:
// 3.3e17 nats).
TEST(NeuralExtremes, CeneEntropyOfOffsetDataIsTheEntropyOfTheCentredData) {
  const Pair p = data(2000);
  const double truth = 0.5 * std::log(2.0 * M_PI * std::exp(1.0)) + std::log(100.0);
  const auto centred = neural::Cene<>(cene_options()).estimate(p.x);
  const auto offset = neural::Cene<>(cene_options()).estimate(shifted(p.x));
  EXPECT_NEAR(offset.value, centred.value, 1e-3);
  EXPECT_NEAR(offset.value, truth, 0.1);
  // Conditional on y: both arguments standardised in double.
  const auto cond = neural::Cene<>(cene_options()).estimate(p.x, p.y);
  const auto cond_offset = neural::Cene<>(cene_options()).estimate(shifted(p.x), shifted(p.y));
  EXPECT_NEAR(cond_offset.value, cond.value, 1e-3);
  // Without standardisation: refused, naming the argument and the option.
  auto raw = cene_options();
  raw.standardize = false;
  const std::string message = message_of([&] { neural::Cene<>(raw).estimate(shifted(p.x)); });
  EXPECT_NE(message.find("mmc::neural::Cene::estimate: argument 'a'"), std::string::npos) << message;
  EXPECT_NE(message.find("options.standardize"), std::string::npos) << message;
  EXPECT_NO_THROW(neural::Cene<>(raw).estimate(p.x));  // float32 holds x * 100 itself
}

TEST(NeuralExtremes, DoeOfOffsetDataEqualsDoeOfCentredData) {
  const Pair p = data(2000);
  const auto centred = neural::Doe<>(cene_options()).estimate(p.x, p.y);
  const auto offset = neural::Doe<>(cene_options()).estimate(shifted(p.x), shifted(p.y));
  EXPECT_NEAR(offset.value, centred.value, 2e-3);
  EXPECT_NEAR(centred.value, -std::log(0.6), 0.2);  // I = -log sqrt(1 - 0.8^2) = 0.51
}

}  // namespace
