// The estimator registry (mmc/estimators/): names are unique and parse back,
// every non-neural entry dispatches to the estimator class it names with the
// shared options intact (bit for bit against a direct call), and the neural
// visitor hands out the type whose bound has the registry's name.
#include <gtest/gtest.h>

#include <mmc/data/gaussian.hpp>
#include <mmc/estimators.hpp>
#include <set>
#include <string>
#include <type_traits>

namespace {

namespace est = mmc::estimators;
using mmc::RowMatrix;

TEST(Registry, NamesAreUniqueAndParseBack) {
  for (const auto list : {std::span<const est::EstimatorInfo>(est::kMutualInformation),
                          std::span<const est::EstimatorInfo>(est::kEntropy),
                          std::span<const est::EstimatorInfo>(est::kConditionalMutualInformation)}) {
    std::set<std::string> seen;
    for (const auto& info : list) {
      EXPECT_TRUE(seen.insert(std::string(info.name)).second) << info.name;
      EXPECT_EQ(&est::parse(list, info.name, "test", "name"), &info);
      EXPECT_EQ(est::name_of(info.id), info.name);
    }
  }
  try {
    est::parse(est::kMutualInformation, "ksg3", "test", "estimator");
    FAIL() << "expected mmc::invalid_argument";
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'estimator'"), std::string::npos) << message;
    EXPECT_NE(message.find("ksg1"), std::string::npos) << message;  // lists the names
  }
}

TEST(Registry, NonNeuralDispatchEqualsDirectCalls) {
  const auto task = mmc::data::correlated_gaussian_task(std::vector<double>{0.6}, 600, 4);
  est::NonNeuralOptions o;
  o.knn.k = 5;
  o.knn.standardize = true;
  o.knn.jitter = 1e-3;  // a shared option that must reach every kNN estimator
  o.knn.seed = 9;
  o.knn.threads = 1;
  namespace knn = mmc::knn;
  const auto& x = task.x;
  const auto& y = task.y;
  EXPECT_EQ(est::estimate_mi(est::Estimator::ksg1, x, y, o).value,
            knn::Ksg(knn::KsgOptions{o.knn, 1}).estimate(x, y).value);
  EXPECT_EQ(est::estimate_mi(est::Estimator::ksg2, x, y, o).value,
            knn::Ksg(knn::KsgOptions{o.knn, 2}).estimate(x, y).value);
  EXPECT_EQ(est::estimate_mi(est::Estimator::kl, x, y, o).value,
            knn::KlMutualInformation(knn::KlEntropyOptions{o.knn, mmc::Norm::max}).estimate(x, y).value);
  EXPECT_EQ(est::estimate_mi(est::Estimator::gknn, x, y, o).value, knn::GeometricKnn(o.knn).estimate(x, y).value);
  EXPECT_EQ(est::estimate_mi(est::Estimator::mixed, x, y, o).value,
            knn::MixedKsg(knn::MixedOptions{o.knn, knn::MixedVariant::paper}).estimate(x, y).value);
  const auto lnc = est::estimate_mi(est::Estimator::lnc, x, y, o);
  EXPECT_EQ(lnc.value, knn::Lnc(knn::LncOptions{o.knn, std::nullopt}).estimate(x, y).value);
  EXPECT_EQ(lnc.local.size(), 600);
  EXPECT_EQ(lnc.k, 5);
  // Jitter really is applied: without it the value changes.
  est::NonNeuralOptions plain = o;
  plain.knn.jitter = 0.0;
  EXPECT_NE(est::estimate_mi(est::Estimator::ksg1, x, y, plain).value,
            est::estimate_mi(est::Estimator::ksg1, x, y, o).value);

  // Ross: y holds integer labels.
  RowMatrix<double> labels(600, 1);
  for (mmc::Index i = 0; i < 600; ++i) labels(i, 0) = x(i, 0) > 0 ? 1 : 0;
  mmc::Labels as_int = labels.col(0).cast<int>();
  const auto ross = est::estimate_mi(est::Estimator::ross, x, labels, o);
  EXPECT_EQ(ross.value, knn::Ross(knn::RossOptions{o.knn, mmc::Norm::max}).estimate(x, as_int).value);
  ASSERT_EQ(ross.details.size(), 2u);
  EXPECT_EQ(ross.details[0].first, "classes");
  EXPECT_EQ(ross.details[0].second, 2.0);
  RowMatrix<double> not_labels = labels;
  not_labels(3, 0) = 0.5;
  EXPECT_THROW(est::estimate_mi(est::Estimator::ross, x, not_labels, o), mmc::invalid_argument);

  // Discrete estimators take their own options.
  o.plugin.miller_madow = true;
  EXPECT_EQ(est::estimate_mi(est::Estimator::plugin, labels, labels, o).value,
            knn::PluginMutualInformation(o.plugin).estimate(labels, labels).value);
  o.binned.bins = 7;
  EXPECT_EQ(est::estimate_mi(est::Estimator::binned, x, y, o).value,
            knn::BinnedMutualInformation(o.binned).estimate(x, y).value);

  // Entropy and conditional MI.
  EXPECT_EQ(est::estimate_entropy(est::Estimator::kl, x, o).value,
            knn::KlEntropy(knn::KlEntropyOptions{o.knn, mmc::Norm::max}).estimate(x).value);
  EXPECT_EQ(est::estimate_cmi(est::Estimator::ksg1, x, y, labels, o).value,
            knn::KsgConditional(knn::KsgOptions{o.knn, 1}).estimate(x, y, labels).value);
  EXPECT_THROW(est::estimate_cmi(est::Estimator::kl, x, y, labels, o), mmc::invalid_argument);
  EXPECT_THROW(est::estimate_mi(est::Estimator::mine, x, y, o), mmc::invalid_argument);
}

TEST(Registry, NeuralVisitorGivesTheNamedBound) {
  for (const auto& info : est::kMutualInformation) {
    if (info.family != est::Family::neural) continue;
    const std::string name = est::visit_neural_mi<float, mmc::nn::CpuBackend<float>>(
        info.id, []<class Estimator>() -> std::string {
          if constexpr (std::is_same_v<Estimator, mmc::neural::Doe<float>>) return "doe";
          else return std::string(mmc::neural::bound_name(Estimator::bound));
        });
    EXPECT_EQ(name, info.name);
  }
  const auto visit_ksg = [] {
    return est::visit_neural_mi<float, mmc::nn::CpuBackend<float>>(est::Estimator::ksg1, []<class>() { return 0; });
  };
  EXPECT_THROW(visit_ksg(), mmc::invalid_argument);
}

}  // namespace
