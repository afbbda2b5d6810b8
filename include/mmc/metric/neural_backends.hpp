// mmc/metric/neural_backends.hpp — the `cene` and `mine` backends of the
// complementarity metric (docs/design.md §3.4).
//
// cene (conditional-entropy differences, McAllester & Stratos 2020 style):
//   Gamma_i     = Ĥ(Y | X_{-i}) - Ĥ(Y | X_all)
//   I(X_all; Y) = H(Y) - Ĥ(Y | X_all)
// mine (the paper's pipeline: MINE with the label one-hot in the critic):
//   Gamma_i     = I(X_i; Y, X_{-i}) - I(X_i; X_{-i})
//   I(X_all; Y) = H(Y) - Ĥ(Y | X_all)   (CENE; the paper approximates it by H(Y))
// Every sub-estimate gets its own seed derived from the options' seed, so
// results are reproducible and sub-estimates are not correlated by a shared seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mmc/core/rng.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"
#include "mmc/metric/knn_backend.hpp"
#include "mmc/metric/quantities.hpp"
#include "mmc/neural/cene.hpp"
#include "mmc/neural/neural_mi.hpp"
#include "mmc/neural/onehot.hpp"

namespace mmc::metric {

/// Called before each sub-estimate of a neural backend with (done, total, what):
/// lets a caller draw a progress bar. May be empty.
using StageCallback = std::function<void(Index done, Index total, const std::string& what)>;

namespace detail {

inline std::uint64_t sub_seed(std::uint64_t seed, std::uint64_t index) {
  return derive_seed(seed, streams::metric::sub_estimate + index);
}

/// Ĥ(Y | X_S) by CENE (S = all modalities but `skip`; skip = m for all).
inline double cene_conditional_entropy(const std::vector<RowMatrix<double>>& modalities,
                                       const Labels& labels, Index classes, std::size_t skip,
                                       neural::CeneOptions options) {
  options.classes = classes;
  const RowMatrix<float> condition =
      concat_modalities(modalities, all_but(modalities.size(), skip)).cast<float>();
  return neural::Cene<float>(options).estimate(labels, condition).value;
}

inline Quantities cene_quantities(const std::vector<RowMatrix<double>>& modalities,
                                  const Labels& labels, Index classes, double h_y,
                                  neural::CeneOptions options, const StageCallback& stage) {
  const std::size_t m = modalities.size();
  const std::uint64_t seed = options.seed;
  const Index total = static_cast<Index>(m + 1);
  Quantities q;
  q.h_y = h_y;
  if (stage) stage(0, total, "CENE H(Y|all)");
  options.seed = sub_seed(seed, 0);
  const double h_all = cene_conditional_entropy(modalities, labels, classes, m, options);
  q.joint_mi = h_y - h_all;
  for (std::size_t i = 0; i < m; ++i) {
    if (stage) stage(static_cast<Index>(i + 1), total, "CENE H(Y|all but " + std::to_string(i) + ")");
    options.seed = sub_seed(seed, 1 + i);
    q.gamma.push_back(cene_conditional_entropy(modalities, labels, classes, i, options) - h_all);
  }
  return q;
}

inline Quantities mine_quantities(const std::vector<RowMatrix<double>>& modalities,
                                  const Labels& labels, Index classes, double h_y,
                                  neural::NeuralMiOptions<neural::Bound::dv> mine,
                                  neural::CeneOptions cene, const StageCallback& stage) {
  const std::size_t m = modalities.size();
  const std::uint64_t seed = mine.seed;
  const Index total = static_cast<Index>(2 * m + 1);
  const RowMatrix<double> label_columns = neural::one_hot<double>(labels, classes);
  Quantities q;
  q.h_y = h_y;
  if (stage) stage(0, total, "CENE H(Y|all)");
  cene.seed = sub_seed(seed, 0);
  q.joint_mi = h_y - cene_conditional_entropy(modalities, labels, classes, m, cene);
  for (std::size_t i = 0; i < m; ++i) {
    const RowMatrix<float> xi = modalities[i].cast<float>();
    const RowMatrix<double> rest = concat_modalities(modalities, all_but(m, i));
    RowMatrix<float> label_and_rest(rest.rows(), classes + rest.cols());
    label_and_rest << label_columns.cast<float>(), rest.cast<float>();
    if (stage) stage(static_cast<Index>(1 + 2 * i), total, "MINE I(X_" + std::to_string(i) + "; Y, rest)");
    mine.seed = sub_seed(seed, 1 + 2 * i);
    const double with_label = neural::Mine<float>(mine).estimate(xi, label_and_rest).value;
    if (stage) stage(static_cast<Index>(2 + 2 * i), total, "MINE I(X_" + std::to_string(i) + "; rest)");
    mine.seed = sub_seed(seed, 2 + 2 * i);
    const double without_label = neural::Mine<float>(mine).estimate(xi, rest.cast<float>()).value;
    q.gamma.push_back(with_label - without_label);
  }
  return q;
}

}  // namespace detail
}  // namespace mmc::metric
