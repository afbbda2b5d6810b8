// Tests of core/errors.hpp and core/validate.hpp: each check throws
// mmc::invalid_argument (a std::invalid_argument) whose message names the
// function, the argument, what is wrong (with row/column/index where it
// applies) and a fix, and stays silent on good input (docs/design.md §2).
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <functional>
#include <initializer_list>
#include <limits>
#include <mmc/core/errors.hpp>
#include <mmc/core/validate.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace {

constexpr const char* kFunction = "mmc::test::estimate";

// Runs `call`, expects mmc::invalid_argument, and checks that the message has
// the uniform shape and contains every fragment.
void expect_invalid(const std::function<void()>& call, const std::string& argument,
                    std::initializer_list<std::string> fragments) {
  try {
    call();
    ADD_FAILURE() << "no exception for argument '" << argument << "'";
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(std::string(kFunction) + ": argument '" + argument + "' ", 0), 0u)
        << message;
    EXPECT_NE(message.find("; "), std::string::npos) << "no fix in: " << message;
    for (const auto& fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "'" << fragment << "' missing from: " << message;
    }
  }
}

TEST(Errors, FormatAndHierarchy) {
  EXPECT_EQ(mmc::detail::format_error("f", "k", "is 0", "use k >= 1"),
            "f: argument 'k' is 0; use k >= 1");
  EXPECT_EQ(mmc::detail::format_error("f", "k", "is 0", ""), "f: argument 'k' is 0");
  // Generic handlers for std::invalid_argument keep working.
  EXPECT_THROW(mmc::detail::throw_invalid("f", "a", "p", "x"), std::invalid_argument);
  static_assert(std::is_base_of_v<std::runtime_error, mmc::training_error>);
  static_assert(std::is_base_of_v<std::runtime_error, mmc::io_error>);
}

TEST(Validate, EmptyMatrixNamesArgumentAndShape) {
  const Eigen::MatrixXd no_rows(0, 3), no_cols(4, 0);
  expect_invalid([&] { mmc::detail::check_not_empty(kFunction, "x", no_rows); }, "x",
                 {"is empty", "0 rows, 3 columns"});
  expect_invalid([&] { mmc::detail::check_data(kFunction, "y", no_cols); }, "y",
                 {"4 rows, 0 columns"});
}

TEST(Validate, NonFiniteNamesRowAndColumn) {
  Eigen::MatrixXd m = Eigen::MatrixXd::Ones(5, 3);
  m(3, 2) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { mmc::detail::check_finite(kFunction, "x", m); }, "x",
                 {"NaN", "row 3", "column 2"});
  m(3, 2) = 1.0;
  m(1, 0) = -std::numeric_limits<double>::infinity();
  expect_invalid([&] { mmc::detail::check_data(kFunction, "z", m); }, "z",
                 {"Inf", "row 1", "column 0"});
  // Works on any Eigen expression, e.g. a float block.
  Eigen::MatrixXf f = Eigen::MatrixXf::Zero(4, 4);
  f(2, 3) = std::numeric_limits<float>::infinity();
  expect_invalid([&] { mmc::detail::check_finite(kFunction, "x", f.rightCols(2)); }, "x",
                 {"row 2", "column 1"});
  // Several non-finite values in a large column-major matrix: the first in
  // row order is named (row 700's column 2 comes before row 701's column 0).
  Eigen::MatrixXd big = Eigen::MatrixXd::Ones(100000, 3);
  big(90000, 0) = std::numeric_limits<double>::quiet_NaN();
  big(701, 0) = std::numeric_limits<double>::infinity();
  big(700, 2) = -std::numeric_limits<double>::infinity();
  expect_invalid([&] { mmc::detail::check_finite(kFunction, "x", big); }, "x", {"Inf", "row 700", "column 2"});
  big(700, 2) = big(701, 0) = 1.0;
  expect_invalid([&] { mmc::detail::check_finite(kFunction, "x", big); }, "x", {"NaN", "row 90000", "column 0"});
  big(90000, 0) = std::numeric_limits<double>::max();  // finite, however large
  EXPECT_NO_THROW(mmc::detail::check_finite(kFunction, "x", big));
}

TEST(Validate, RowMismatchNamesBothArguments) {
  expect_invalid([] { mmc::detail::check_same_rows(kFunction, "y", 9, "x", 10); }, "y",
                 {"9 rows", "'x' has 10"});
}

TEST(Validate, KTooSmallOrTooLarge) {
  expect_invalid([] { mmc::detail::check_k(kFunction, 0, 100); }, "k", {"is 0", "at least 1"});
  expect_invalid([] { mmc::detail::check_k(kFunction, -3, 100); }, "k", {"is -3"});
  expect_invalid([] { mmc::detail::check_k(kFunction, 5, 5); }, "k",
                 {"only 5 samples", "k = 4 at most"});
}

TEST(Validate, AtLeast) {
  expect_invalid([] { mmc::detail::check_at_least(kFunction, "bins", 1, 2); }, "bins",
                 {"is 1", "at least 2"});
}

TEST(Validate, LabelsCountAndRange) {
  Eigen::VectorXi labels(4);
  labels << 0, 1, 2, 1;
  expect_invalid([&] { mmc::detail::check_labels(kFunction, "labels", labels, 5); }, "labels",
                 {"4 labels", "5 samples"});
  expect_invalid([&] { mmc::detail::check_labels(kFunction, "labels", labels, 4, 2); }, "labels",
                 {"label 2 at index 2", "[0, 2)"});
  labels(3) = -1;
  expect_invalid([&] { mmc::detail::check_labels(kFunction, "labels", labels, 4); }, "labels",
                 {"label -1 at index 3", "non-negative"});
}

TEST(Validate, ConstantColumnNamesColumnAndUsesGivenFix) {
  Eigen::MatrixXd m(3, 2);
  m << 1, 7, 2, 7, 3, 7;
  expect_invalid(
      [&] { mmc::detail::check_no_constant_columns(kFunction, "x", m, "drop column 1"); }, "x",
      {"constant column 1", "drop column 1"});
}

TEST(Validate, GoodInputPasses) {
  Eigen::MatrixXd m(3, 2);
  m << 1, 2, 3, 4, 5, 7;
  Eigen::VectorXi labels(3);
  labels << 0, 2, 1;
  EXPECT_NO_THROW(mmc::detail::check_data(kFunction, "x", m));
  EXPECT_NO_THROW(mmc::detail::check_same_rows(kFunction, "y", 3, "x", 3));
  EXPECT_NO_THROW(mmc::detail::check_k(kFunction, 2, 3));
  EXPECT_NO_THROW(mmc::detail::check_at_least(kFunction, "bins", 2, 2));
  EXPECT_NO_THROW(mmc::detail::check_labels(kFunction, "labels", labels, 3, 3));
  EXPECT_NO_THROW(mmc::detail::check_no_constant_columns(kFunction, "x", m, "fix"));
}

}  // namespace
