// The mine backend's shared critic (mmc/metric/shared_critic.hpp) against slow,
// obviously-correct oracles: its analytic gradient against central finite
// differences of the DV objective (double precision, ema = 1, the batch = the
// whole pool so the step's loss is the held-out objective), its held-out bounds
// against the DV formula evaluated by hand on explicitly built variant inputs,
// chunk-size and thread-count invariance, and the argument checks. (Its
// accuracy on redundant and unique modalities, a trained run, is in the
// accuracy suite: test_complementarity_neural.cpp.)
#include <gtest/gtest.h>

#include <mmc/metric/shared_critic.hpp>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace {

using mmc::Index;
using mmc::RowMatrix;
using Model = mmc::metric::detail::SharedCriticModel<double, mmc::nn::CpuBackend<double>>;

struct Fixture {
  RowMatrix<double> x;                                  // 12 x 3: modality 0 = cols 0-1, 1 = col 2
  std::vector<mmc::metric::detail::ColumnBlock> blocks{{0, 2}, {2, 1}};
  std::vector<int> labels;
  std::vector<double> log_prior;
  std::vector<Index> rows;
  mmc::neural::NeuralMiOptions<mmc::neural::Bound::dv> options;

  Fixture() : x(RowMatrix<double>::Random(12, 3)) {
    for (int r = 0; r < 12; ++r) labels.push_back(r % 3);
    log_prior.assign(3, std::log(1.0 / 3.0));
    rows.resize(12);
    std::iota(rows.begin(), rows.end(), Index{0});
    options.hidden = {5};
    options.activation = mmc::nn::Activation::tanh;
    options.batch = 12;
    options.ema = 1.0;  // the plain batch gradient: exactly d(-objective)
    options.seed = 3;
  }
  Model model(Index chunk = 4096) {
    options.eval_chunk = chunk;
    mmc::nn::MlpSpec spec{{3 + 2, 5, 3}, options.activation};
    return Model(spec, options, mmc::nn::CpuBackend<double>(1), x, blocks, labels, log_prior, rows, rows);
  }
};

/// The fixture's labels as the metric takes them.
mmc::Labels fixture_labels(const Fixture& f) {
  mmc::Labels labels(static_cast<Index>(f.labels.size()));
  for (Index r = 0; r < labels.size(); ++r) labels(r) = f.labels[static_cast<std::size_t>(r)];
  return labels;
}

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

TEST(SharedCritic, GradientMatchesFiniteDifferences) {
  Fixture f;
  Model model = f.model();
  const double loss = model.step().loss;
  // Train pool = held-out set = all rows and batch = pool: the step's loss is
  // minus the mean held-out bound, whatever order the batch comes in.
  EXPECT_NEAR(loss, -mean(model.heldout_bounds()), 1e-12);
  const auto g = model.mlp(0).gradients();
  const mmc::Vector<double> theta = model.mlp(0).get_parameters();
  ASSERT_EQ(g.rows, theta.size());
  const double h = 1e-6;
  for (Index p = 0; p < theta.size(); ++p) {
    mmc::Vector<double> moved = theta;
    moved(p) += h;
    model.mlp(0).set_parameters(moved);
    const double up = -mean(model.heldout_bounds());
    moved(p) -= 2 * h;
    model.mlp(0).set_parameters(moved);
    const double down = -mean(model.heldout_bounds());
    // Central differences: error O(h^2 f''') ~ 1e-12 plus rounding ~ 1e-16 / h.
    EXPECT_NEAR(g.data[p], (up - down) / (2 * h), 1e-8) << "parameter " << p;
  }
}

TEST(SharedCritic, HeldoutBoundsEqualTheDvFormulaByHand) {
  Fixture f;
  Model model = f.model(5);  // chunks of 5, 5 and 2 samples
  const std::vector<double> bounds = model.heldout_bounds();
  ASSERT_EQ(bounds.size(), 3u);
  for (int v = 0; v < 3; ++v) {
    RowMatrix<double> input = RowMatrix<double>::Zero(12, 5);
    input.leftCols(3) = f.x;
    if (v > 0) {
      const auto& b = f.blocks[static_cast<std::size_t>(v - 1)];
      input.middleCols(b.offset, b.width).setZero();
      input.col(3 + v - 1).setOnes();
    }
    const auto out = model.mlp(0).forward_host(mmc::nn::as_batch(input));  // 3 x 12
    double joint = 0.0, marginal = 0.0;
    for (Index c = 0; c < 12; ++c) {
      joint += out.data[f.labels[static_cast<std::size_t>(c)] + 3 * c];
      for (Index y = 0; y < 3; ++y) marginal += std::exp(out.data[y + 3 * c]) / 3.0;
    }
    EXPECT_NEAR(bounds[static_cast<std::size_t>(v)], joint / 12 - std::log(marginal / 12), 1e-12)
        << "variant " << v;
  }
  EXPECT_EQ(f.model(4096).heldout_bounds().size(), 3u);
  const std::vector<double> one_chunk = f.model(4096).heldout_bounds();
  for (std::size_t v = 0; v < 3; ++v) EXPECT_NEAR(one_chunk[v], bounds[v], 1e-12);
}

TEST(SharedCritic, SameBitsAtAnyThreadCount) {
  Fixture f;
  const mmc::Labels labels = fixture_labels(f);
  auto o = f.options;
  o.batch = 4;
  o.steps = 20;
  o.holdout = 0.25;
  o.threads = 1;
  const auto a = mmc::metric::shared_critic_mine({f.x.leftCols(2), f.x.rightCols(1)}, labels, 3, o);
  o.threads = 2;
  const auto b = mmc::metric::shared_critic_mine({f.x.leftCols(2), f.x.rightCols(1)}, labels, 3, o);
  EXPECT_EQ(a.joint, b.joint);
  EXPECT_EQ(a.without, b.without);
}

TEST(SharedCritic, RejectsABatchLargerThanTheTrainingSplit) {
  Fixture f;
  const mmc::Labels labels = fixture_labels(f);
  auto o = f.options;
  o.batch = 64;
  try {
    mmc::metric::shared_critic_mine({f.x.leftCols(2), f.x.rightCols(1)}, labels, 3, o);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batch"), std::string::npos) << e.what();
  }
}

}  // namespace
