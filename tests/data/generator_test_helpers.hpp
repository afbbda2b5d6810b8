// Shared helpers of the data-generator tests (tests/data/test_generators_*.cpp):
// the bad-input check and moment checks with standard errors estimated from
// the sample itself, so tolerances follow the variance of each statistic.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <string>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"

namespace mmc::test {

/// f() must throw mmc::invalid_argument whose message names 'argument'.
template <class F>
void expect_invalid(F&& f, const std::string& argument) {
  try {
    f();
    ADD_FAILURE() << "no mmc::invalid_argument for '" << argument << "'";
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'" + argument + "'"), std::string::npos) << e.what();
  }
}

/// The mean of v must equal `expected` within z standard errors, the standard
/// error sqrt(var(v)/n) estimated from v (valid when v has a finite variance).
inline void expect_mean_near(const Eigen::VectorXd& v, double expected, double z,
                             const std::string& what) {
  const double n = static_cast<double>(v.size());
  const double mean = v.mean();
  const double se = std::sqrt((v.array() - mean).square().sum() / (n - 1.0) / n);
  EXPECT_NEAR(mean, expected, z * se + 1e-15) << what << " (se " << se << ")";
}

/// Every second moment E[v_j v_k] of the zero-mean rows of `joint` must match
/// `expected`(j, k), and every mean must be 0, within z standard errors each.
inline void expect_second_moments(const RowMatrix<double>& joint, const Eigen::MatrixXd& expected,
                                  double z) {
  for (Index j = 0; j < joint.cols(); ++j) {
    expect_mean_near(joint.col(j), 0.0, z, "mean of column " + std::to_string(j));
    for (Index k = j; k < joint.cols(); ++k) {
      const Eigen::VectorXd product = joint.col(j).cwiseProduct(joint.col(k));
      expect_mean_near(product, expected(j, k), z,
                       "E[v_" + std::to_string(j) + " v_" + std::to_string(k) + "]");
    }
  }
}

}  // namespace mmc::test
