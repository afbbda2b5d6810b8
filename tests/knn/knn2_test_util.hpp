// tests/knn/knn2_test_util.hpp — what the tests of Ross, Mixed KSG, plug-in,
// binned, geometric kNN and LNC add to ksg_test_util.hpp (data generators,
// naive neighbour lists, oracle comparison, seed statistics): distances as
// callables, counts that include the sample itself, the joint matrix, a
// multi-block thread check and the bad-input expectation.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <string>

#include <mmc/core/errors.hpp>
#include <mmc/core/types.hpp>
#include <mmc/knn/common.hpp>
#include <mmc/neighbors/distance.hpp>

#include "ksg_test_util.hpp"

namespace knn2_test {

using ksg_test::Kind;
using ksg_test::Matrix;
using mmc::Index;

/// dist(i, j) between rows of m under a norm, for ksg_test::naive_knn/naive_count.
inline auto metric(const Matrix& m, mmc::Norm norm) {
  return [&m, norm](Index i, Index j) {
    return mmc::neighbors::distance(norm, m.row(i).data(), m.row(j).data(), m.cols());
  };
}

/// #{j : dist(i, j) < r} (strict) or <= r, the sample i itself included
/// when 0 is within r.
inline Index count_with_self(const Matrix& m, Index i, double r, bool strict, mmc::Norm norm) {
  return ksg_test::naive_count(m.rows(), i, r, strict, metric(m, norm)) +
         (mmc::neighbors::within(0.0, r, strict) ? 1 : 0);
}

/// Options (KnnOptions or a derived type) with k set, the rest default.
template <class Options = mmc::knn::KnnOptions>
Options with_k(Index k) {
  Options options;
  options.k = k;
  return options;
}

/// Rows [a | b].
inline Matrix joint(const Matrix& a, const Matrix& b) {
  Matrix m(a.rows(), a.cols() + b.cols());
  m << a, b;
  return m;
}

/// estimate(threads) with 1 and 2 threads gives the same local values bit
/// for bit and the same value. Use inputs of more than 1024 samples (the
/// block size), or both runs use a single block.
template <class Estimate>
void expect_thread_independent(Estimate&& estimate) {
  const auto one = estimate(1);
  const auto two = estimate(2);
  ASSERT_GT(one.local.size(), 1024);
  ASSERT_EQ(one.local.size(), two.local.size());
  for (Index i = 0; i < one.local.size(); ++i) ASSERT_EQ(one.local(i), two.local(i)) << "at " << i;
  EXPECT_EQ(one.value, two.value);
}

/// Calls f() and checks it throws mmc::invalid_argument whose message names
/// `argument` (as 'argument') and, when given, contains `also`.
template <class F>
void expect_invalid(F&& f, const std::string& argument, const std::string& also = "") {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one naming '" << argument << "'";
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'" + argument + "'"), std::string::npos) << message;
    if (!also.empty()) {
      EXPECT_NE(message.find(also), std::string::npos) << message;
    }
  }
}

}  // namespace knn2_test
