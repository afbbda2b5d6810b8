// mmc/metric/neural_backends.hpp — the `cene` and `mine` backends of the
// complementarity metric (docs/design.md §3.4).
//
// cene (conditional-entropy differences, McAllester & Stratos 2020 style):
//   Gamma_i     = Ĥ(Y | X_{-i}) - Ĥ(Y | X_all)
//   I(X_all; Y) = H(Y) - Ĥ(Y | X_all)
// mine (the paper's MINE, with one shared critic: shared_critic.hpp):
//   Gamma_i     = Î(X_all; Y) - Î(X_{-i}; Y)
//   I(X_all; Y) = Î(X_all; Y)
//   all from one Donsker–Varadhan critic with one output per class, trained on
//   the full input and every all-but-one variant at once.
// Every sub-estimate gets its own seed derived from the options' seed, so
// results are reproducible and sub-estimates are not correlated by a shared seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "mmc/core/rng.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"
#include "mmc/metric/knn_backend.hpp"
#include "mmc/metric/quantities.hpp"
#include "mmc/metric/shared_critic.hpp"
#include "mmc/neural/cene.hpp"
#include "mmc/neural/neural_mi.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::metric {

/// Called before each sub-estimate of a neural backend with (done, total, what):
/// lets a caller draw a progress bar. May be empty.
using StageCallback = std::function<void(Index done, Index total, const std::string& what)>;

/// The nn backend the cene and mine backends train on, as two functions: a
/// CENE estimate Ĥ(Y | condition) and the shared-critic MINE estimates. Made
/// by neural_runner<B>() for any nn backend B (nn/backend.hpp): the metric's
/// code is compiled once per backend only where the backend is known (the CUDA
/// one in a .cu file, e.g. the CLI's --device cuda), not in every includer.
struct NeuralRunner {
  std::string device = "cpu";  ///< for messages and reports
  std::function<double(const Labels& labels, const RowMatrix<float>& condition, const neural::CeneOptions&)>
      conditional_entropy;
  std::function<SharedCriticResult(const std::vector<RowMatrix<double>>& modalities, const Labels& labels,
                                   Index classes, const neural::NeuralMiOptions<neural::Bound::dv>&)>
      shared_critic;
};

/// The runner for nn backend B (float scalars, the neural estimators' default).
template <class B>
NeuralRunner neural_runner(std::string device) {
  NeuralRunner r;
  r.device = std::move(device);
  r.conditional_entropy = [](const Labels& labels, const RowMatrix<float>& condition,
                             const neural::CeneOptions& options) {
    return neural::Cene<float, B>(options).estimate(labels, condition).value;
  };
  r.shared_critic = [](const std::vector<RowMatrix<double>>& modalities, const Labels& labels, Index classes,
                       const neural::NeuralMiOptions<neural::Bound::dv>& options) {
    return shared_critic_mine<float, B>(modalities, labels, classes, options);
  };
  return r;
}

/// The CPU (Eigen) runner: ComplementarityOptions' default.
inline NeuralRunner cpu_neural_runner() { return neural_runner<nn::CpuBackend<float>>("cpu"); }

namespace detail {

inline std::uint64_t sub_seed(std::uint64_t seed, std::uint64_t index) {
  return derive_seed(seed, streams::metric::sub_estimate + index);
}

/// Ĥ(Y | X_S) by CENE (S = all modalities but `skip`; skip = m for all).
inline double cene_conditional_entropy(const NeuralRunner& runner,
                                       const std::vector<RowMatrix<double>>& modalities,
                                       const Labels& labels, Index classes, std::size_t skip,
                                       neural::CeneOptions options) {
  options.classes = classes;
  const RowMatrix<float> condition =
      concat_modalities(modalities, all_but(modalities.size(), skip)).cast<float>();
  return runner.conditional_entropy(labels, condition, options);
}

inline Quantities cene_quantities(const NeuralRunner& runner,
                                  const std::vector<RowMatrix<double>>& modalities,
                                  const Labels& labels, Index classes, double h_y,
                                  neural::CeneOptions options, const StageCallback& stage) {
  const std::size_t m = modalities.size();
  const std::uint64_t seed = options.seed;
  const Index total = static_cast<Index>(m + 1);
  Quantities q;
  q.h_y = h_y;
  if (stage) stage(0, total, "CENE H(Y|all)");
  options.seed = sub_seed(seed, 0);
  const double h_all = cene_conditional_entropy(runner, modalities, labels, classes, m, options);
  q.joint_mi = h_y - h_all;
  for (std::size_t i = 0; i < m; ++i) {
    if (stage) stage(static_cast<Index>(i + 1), total, "CENE H(Y|all but " + std::to_string(i) + ")");
    options.seed = sub_seed(seed, 1 + i);
    q.gamma.push_back(cene_conditional_entropy(runner, modalities, labels, classes, i, options) - h_all);
  }
  return q;
}

inline Quantities mine_quantities(const NeuralRunner& runner,
                                  const std::vector<RowMatrix<double>>& modalities,
                                  const Labels& labels, Index classes, double h_y,
                                  neural::NeuralMiOptions<neural::Bound::dv> mine,
                                  const StageCallback& stage) {
  if (stage) stage(0, 1, "MINE shared critic: I(X_all;Y) and I(X_-i;Y)");
  mine.seed = sub_seed(mine.seed, 0);
  const SharedCriticResult r = runner.shared_critic(modalities, labels, classes, mine);
  Quantities q;
  q.h_y = h_y;
  q.joint_mi = r.joint;
  for (double without : r.without) q.gamma.push_back(r.joint - without);
  return q;
}

}  // namespace detail
}  // namespace mmc::metric
