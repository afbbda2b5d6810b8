// The paired-features generator (fusion/paired_features.hpp): layout, seeding,
// the class-conditional law of every feature kind, and the closed-form Bayes
// accuracies against the empirical accuracy of the Bayes rule itself.
#include <gtest/gtest.h>

#include <cmath>

#include "fusion_testing.hpp"
#include "mmc/fusion/paired_features.hpp"

namespace {

using mmc::Index;
using mmc::fusion::PairedFeatureOptions;

/// Mean of column c of modality m over samples with label y.
double class_mean(const mmc::data::LabelledTask& t, int m, Index c, int y) {
  double sum = 0.0;
  Index count = 0;
  for (Index i = 0; i < t.n(); ++i) {
    if (t.labels(i) == y) {
      sum += t.modalities[static_cast<std::size_t>(m)](i, c);
      ++count;
    }
  }
  return sum / static_cast<double>(count);
}

TEST(FusionPairedFeatures, LayoutSeedingAndPrefixStability) {
  PairedFeatureOptions o;
  o.rare = {1, 0};
  o.interaction = {0, 1};
  o.paired_linear = 2;
  o.paired_xor = 1;
  const auto t = mmc::fusion::paired_features_task(o, 200, 5);
  ASSERT_EQ(t.modalities.size(), 2u);
  EXPECT_EQ(t.modalities[0].cols(), 1 + 2 + 1 + 0 + 2 + 1 + 4);
  EXPECT_EQ(t.modalities[1].cols(), 1 + 2 + 0 + 2 + 2 + 1 + 4);
  EXPECT_EQ(t.classes, 2);
  EXPECT_TRUE(t.truth.empty());  // rare / interaction / xor: no closed form
  const auto again = mmc::fusion::paired_features_task(o, 200, 5);
  const auto shorter = mmc::fusion::paired_features_task(o, 50, 5);
  const auto other = mmc::fusion::paired_features_task(o, 200, 6);
  EXPECT_EQ(again.modalities[1], t.modalities[1]);
  EXPECT_EQ(shorter.modalities[0], t.modalities[0].topRows(50));
  EXPECT_EQ(shorter.labels, t.labels.head(50));
  EXPECT_NE(other.modalities[0], t.modalities[0]);
}

TEST(FusionPairedFeatures, EveryKindHasItsClassConditionalLaw) {
  PairedFeatureOptions o;  // strong 1, weak 2, noise 4 per modality by default
  o.rare = {1, 1};
  o.interaction = {1, 0};
  o.paired_linear = 2;
  o.paired_xor = 1;
  const Index n = 40000;
  const auto t = mmc::fusion::paired_features_task(o, n, 9);
  // Balanced labels: SE of the mean is 0.0025.
  EXPECT_NEAR(t.labels.cast<double>().mean(), 0.5, 0.0125);
  // Class means have SE <= sd / sqrt(n/2) = 3 / 141 = 0.021 for the nuisance
  // columns (sd 3), 0.007 for unit-variance ones; tolerances are 5 SE.
  const double tol = 5.0 / std::sqrt(n / 2.0);
  for (int m = 0; m < 2; ++m) {
    for (const int y : {0, 1}) {
      const double s = 2.0 * y - 1.0;
      EXPECT_NEAR(class_mean(t, m, 0, y), s * o.strong_shift, tol);
      EXPECT_NEAR(class_mean(t, m, 1, y), s * o.weak_shift, tol);
      EXPECT_NEAR(class_mean(t, m, 3, y), s * o.rare_rate * o.rare_shift, 1.5 * tol);
      const Index last = t.modalities[static_cast<std::size_t>(m)].cols() - 1;
      EXPECT_NEAR(class_mean(t, m, last, y), 0.0, tol);  // a distractor
    }
  }
  // Interaction pair (modality 0, columns 4-5): each column uninformative,
  // sign agreement = y with probability p^2 + (1-p)^2, p = Phi(shift) = 0.977.
  const double p = 0.5 * std::erfc(-o.interaction_shift / std::sqrt(2.0));
  Index agree = 0;
  for (Index i = 0; i < n; ++i) {
    const bool same = (t.modalities[0](i, 4) > 0) == (t.modalities[0](i, 5) > 0);
    agree += same == (t.labels(i) == 0) ? 1 : 0;  // c xor y: equal signs when y = 0
  }
  const double q = p * p + (1 - p) * (1 - p);
  EXPECT_NEAR(static_cast<double>(agree) / n, q, 5 * std::sqrt(q * (1 - q) / n));
  for (const int y : {0, 1}) EXPECT_NEAR(class_mean(t, 0, 4, y), 0.0, 2 * tol);
  // Paired linear k = 0: carrier modality 0 (column 6), partner modality 1
  // (column 4; modality 1 has no interaction columns); carrier - partner =
  // s * shift + noise of SD sqrt(2) 0.25, whose sample SD has SE 0.0013.
  for (const int y : {0, 1}) {
    EXPECT_NEAR(class_mean(t, 0, 6, y), (2.0 * y - 1.0) * o.paired_shift, o.nuisance_sd * tol);
    EXPECT_NEAR(class_mean(t, 1, 4, y), 0.0, o.nuisance_sd * tol);
  }
  Eigen::ArrayXd diff = (t.modalities[0].col(6) - t.modalities[1].col(4)).array();
  diff -= (2.0 * t.labels.cast<double>().array() - 1.0) * o.paired_shift;
  EXPECT_NEAR(std::sqrt(diff.square().mean()), std::sqrt(2.0) * o.paired_noise, 0.0065);
  // k = 1 is carried by modality 1 (column 5) with its partner in modality 0 (column 7).
  EXPECT_NEAR(class_mean(t, 1, 5, 1) - class_mean(t, 1, 5, 0), 2 * o.paired_shift, 2 * o.nuisance_sd * tol);
  EXPECT_NEAR(class_mean(t, 0, 7, 1) - class_mean(t, 0, 7, 0), 0.0, 2 * o.nuisance_sd * tol);
  // Paired XOR (modality 0 column 8, modality 1 column 6): equal signs iff y = 0, w.p. ~ q.
  Index xor_agree = 0;
  for (Index i = 0; i < n; ++i) {
    const bool same = (t.modalities[0](i, 8) > 0) == (t.modalities[1](i, 6) > 0);
    xor_agree += same == (t.labels(i) == 0) ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(xor_agree) / n, q, 5 * std::sqrt(q * (1 - q) / n));
}

TEST(FusionPairedFeatures, BayesAccuraciesMatchTheBayesRule) {
  PairedFeatureOptions o;
  o.paired_linear = 1;  // carrier: modality 0 column 3; partner: modality 1 column 3
  const Index n = 40000;
  const auto t = mmc::fusion::paired_features_task(o, n, 4);
  const double v2 = o.nuisance_sd * o.nuisance_sd, e2 = o.paired_noise * o.paired_noise;
  // Bayes rule: sign of mu' Sigma^-1 x; independent unit columns weigh their
  // shift; the (carrier c, partner p) pair weighs a ((v2 + e2) c - v2 p) / det.
  Index correct_joint = 0, correct_0 = 0;
  for (Index i = 0; i < n; ++i) {
    const auto& x0 = t.modalities[0];
    const auto& x1 = t.modalities[1];
    double uni0 = o.strong_shift * x0(i, 0) + o.weak_shift * (x0(i, 1) + x0(i, 2));
    const double uni1 = o.strong_shift * x1(i, 0) + o.weak_shift * (x1(i, 1) + x1(i, 2));
    const double pair = o.paired_shift * ((v2 + e2) * x0(i, 3) - v2 * x1(i, 3)) / (e2 * (2 * v2 + e2));
    const int y = t.labels(i);
    correct_joint += ((uni0 + uni1 + pair > 0) == (y == 1)) ? 1 : 0;
    uni0 += o.paired_shift * x0(i, 3) / (v2 + e2);  // the carrier column alone
    correct_0 += ((uni0 > 0) == (y == 1)) ? 1 : 0;
  }
  const double joint = *mmc::data::lookup(t.truth, "bayes_accuracy_joint");
  const double alone = *mmc::data::lookup(t.truth, "bayes_accuracy_0");
  // Binomial SE at n = 40000 is <= 0.0025; 5 SE.
  EXPECT_NEAR(static_cast<double>(correct_joint) / n, joint, 0.0125);
  EXPECT_NEAR(static_cast<double>(correct_0) / n, alone, 0.0125);
  EXPECT_GT(joint, alone + 0.05);
  // Modality 1 holds only the partner column, which alone says nothing.
  const double shifts = o.strong_shift * o.strong_shift + 2 * o.weak_shift * o.weak_shift;
  EXPECT_NEAR(*mmc::data::lookup(t.truth, "bayes_accuracy_1"),
              0.5 * std::erfc(-std::sqrt(shifts) / std::sqrt(2.0)), 1e-12);
}

}  // namespace
