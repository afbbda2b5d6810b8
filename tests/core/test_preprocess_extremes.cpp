// Preprocessing of extreme data (docs/design.md §2, core/preprocess.hpp): moments
// and standardisation never overflow or underflow on finite data (values near
// 1e308 or 1e-308), constant columns stay exactly constant (stddev 0), and the
// float32 working copy of the neural estimators is standardised in double
// before rounding, or refused when float32 cannot hold the data.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <limits>
#include <mmc/core/errors.hpp>
#include <mmc/core/preprocess.hpp>
#include <mmc/core/rng.hpp>
#include <string>
#include <string_view>

namespace {

using mmc::Index;
using mmc::RowMatrix;

RowMatrix<double> gaussian(Index n, Index d, std::uint64_t seed) {
  mmc::Rng rng(seed, 3);
  RowMatrix<double> m(n, d);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal();
  return m;
}

std::string message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const mmc::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// x * 1.5e308 / 4 reaches ~1.5e308 at 4 standard deviations: sums of squares
// overflow in a plain computation (variance = inf, every value standardised to 0).
TEST(PreprocessExtremes, HugeAndTinyScalesStandardiseLikeUnitScale) {
  const RowMatrix<double> x = gaussian(2000, 2, 1);
  RowMatrix<double> reference = x;
  mmc::standardize_columns(reference, "f", "x");
  for (const double scale : {1.5e308 / 5.0, 1e-308, 1e300, 3e-300}) {
    RowMatrix<double> scaled = x * scale;
    ASSERT_TRUE(scaled.allFinite());
    const auto moments = mmc::column_moments(scaled);
    EXPECT_TRUE(moments.mean.allFinite() && moments.stddev.allFinite()) << scale;
    const auto removed = mmc::standardize_columns(scaled, "f", "x");
    EXPECT_TRUE(removed.stddev.allFinite()) << scale;
    ASSERT_TRUE(scaled.allFinite()) << scale;
    EXPECT_LT((scaled - reference).cwiseAbs().maxCoeff(), 1e-12) << "scale " << scale;
  }
}

TEST(PreprocessExtremes, ConstantColumnsStayExactlyConstantAtAnyMagnitude) {
  for (const double v : {1.7e308, -1e-310, 12345.678, 0.0}) {
    RowMatrix<double> m = gaussian(5000, 2, 2);
    m.col(1).setConstant(v);
    const auto moments = mmc::column_moments(m);
    EXPECT_EQ(moments.stddev(1), 0.0) << v;
    EXPECT_EQ(moments.mean(1), v) << v;
    const std::string message = message_of([&] { mmc::standardize_columns(m, "f", "x"); });
    EXPECT_NE(message.find("constant column 1"), std::string::npos) << v << ": " << message;
  }
  // One ulp of difference is a (tiny) scale, not a constant column.
  RowMatrix<double> m(4, 1);
  m << 1.7e308, 1.7e308, std::nextafter(1.7e308, 0.0), 1.7e308;
  EXPECT_GT(mmc::column_moments(m).stddev(0), 0.0);
  mmc::standardize_columns(m, "f", "x");
  EXPECT_TRUE(m.allFinite());
  EXPECT_LT(m(2, 0), 0.0);
}

// A Unix-timestamp-like offset: float32 would keep multiples of 128 of
// x * 100 + 1.7e9; standardising in double first removes it exactly up to
// rounding, so the float copy equals the one of the centred data.
TEST(PreprocessExtremes, WorkingCopyStandardisesInDoubleBeforeRounding) {
  const RowMatrix<double> x = gaussian(1000, 3, 3);
  const RowMatrix<double> offset = (x * 100.0).array() + 1.7e9;
  const RowMatrix<float> a = mmc::to_working_copy<float>(x, true, "f", "x", "fix");
  const RowMatrix<float> b = mmc::to_working_copy<float>(offset, true, "f", "x", "fix");
  EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-5f);
  mmc::ColumnMoments<double> moments;
  mmc::to_working_copy<float>(offset, true, "f", "x", "fix", &moments);
  EXPECT_NEAR(moments.stddev(0), 100.0 * mmc::column_moments(x).stddev(0), 1e-6);
}

TEST(PreprocessExtremes, WorkingCopyWithoutStandardisationRefusesWhatFloatCannotHold) {
  const RowMatrix<double> x = gaussian(500, 2, 4);
  constexpr std::string_view fix = "set options.standardize = true";
  // Offset data: the variation is rounded away.
  RowMatrix<double> offset = x;
  offset.col(1) = (x.col(1) * 100.0).array() + 1.7e9;
  std::string message =
      message_of([&] { mmc::to_working_copy<float>(offset, false, "mmc::neural::Mine::estimate", "x", fix); });
  EXPECT_NE(message.find("mmc::neural::Mine::estimate: argument 'x'"), std::string::npos) << message;
  EXPECT_NE(message.find("column 1"), std::string::npos) << message;
  EXPECT_NE(message.find("options.standardize"), std::string::npos) << message;
  // Beyond float's range.
  RowMatrix<double> huge = x;
  huge(7, 0) = 1e39;
  message = message_of([&] { mmc::to_working_copy<float>(huge, false, "f", "y", fix); });
  EXPECT_NE(message.find("argument 'y'"), std::string::npos) << message;
  EXPECT_NE(message.find("row 7, column 0"), std::string::npos) << message;
  // Values float holds exactly (integers below 2^24 with an offset), ordinary
  // data and constant columns are accepted; double needs no check.
  RowMatrix<double> integers(300, 2);
  for (Index i = 0; i < 300; ++i) integers.row(i) << 1e6 + static_cast<double>(i % 7), 5.0;
  EXPECT_NO_THROW(mmc::to_working_copy<float>(integers, false, "f", "x", fix));
  EXPECT_NO_THROW(mmc::to_working_copy<float>(x, false, "f", "x", fix));
  const RowMatrix<double> same = mmc::to_working_copy<double>(offset, false, "f", "x", fix);
  EXPECT_EQ(same, offset);
}

}  // namespace
