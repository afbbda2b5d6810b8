// Helpers shared by the tests of include/mmc/fusion/: small fast training
// options, a small task, and the bad-input / bitwise expectations (the generic
// ones come from tests/nn/nn_testing.hpp).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "../nn/nn_testing.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/task.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/paired_features.hpp"

namespace mmc::fusion::testing {

using mmc::nn::testing::expect_invalid;

/// Tiny networks and few epochs: unit tests check arithmetic, not accuracy.
inline TrainOptions tiny_options(std::uint64_t seed = 0, int threads = 1) {
  TrainOptions o;
  o.encoder_widths = {8, 6};
  o.epochs = 2;
  o.batch = 16;
  o.seed = seed;
  o.threads = threads;
  return o;
}

/// n samples of the default paired-features task (2 modalities, 7 columns each).
inline data::LabelledTask small_task(Index n = 120, std::uint64_t seed = 1) {
  return paired_features_task(PairedFeatureOptions{}, n, seed);
}

/// Exact equality of every entry (== on values: -0 == +0).
template <class A, class B>
void expect_same_values(const A& a, const B& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < a.cols(); ++j) ASSERT_EQ(a(i, j), b(i, j)) << "at (" << i << ", " << j << ")";
  }
}

}  // namespace mmc::fusion::testing
