// mmc/fusion/data.hpp — the inputs of fusion/: a list of modalities (one
// n x d_m matrix per modality, rows aligned) and integer class labels, their
// validation, row selection, and seeded train / validation / test splits.
//
// Why a list of row-major copies (ModalityList<T>): every model standardises
// its inputs with training statistics (docs/design.md §3.6), so it needs its own
// copy anyway, in the layout nn/ reads without a copy (nn/view.hpp as_batch).
// Public entry points accept any range of Eigen matrices or expressions
// (std::vector<Eigen::MatrixXd>, std::array<mmc::RowMatrix<float>, 2>, the
// `modalities` of data::LabelledTask, ...); mmc::fusion::modalities(a, b, ...)
// builds such a list from arbitrary Eigen expressions.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/fusion/options.hpp"

namespace mmc::fusion {

/// One n x d_m row-major matrix per modality, rows aligned across modalities.
template <class T>
using ModalityList = std::vector<RowMatrix<T>>;

/// A sized range whose elements are Eigen dense matrices or expressions.
template <class R>
concept ModalityRange =
    std::ranges::sized_range<const R> &&
    std::is_base_of_v<Eigen::DenseBase<std::remove_cvref_t<std::ranges::range_reference_t<const R>>>,
                      std::remove_cvref_t<std::ranges::range_reference_t<const R>>>;

/// Copies any Eigen expressions (one sample per row) into a ModalityList<double>.
template <class... Derived>
ModalityList<double> modalities(const Eigen::DenseBase<Derived>&... m) {
  return {RowMatrix<double>(m.template cast<double>())...};
}

namespace detail {

/// Validates and copies the modalities: at least `min_modalities`, each
/// non-empty and finite, all with the same number of rows.
template <class T, ModalityRange R>
ModalityList<T> to_modalities(std::string_view fn, const R& modalities, Index min_modalities) {
  const auto count = static_cast<Index>(std::ranges::size(modalities));
  if (count < min_modalities) {
    mmc::detail::throw_invalid(
        fn, "modalities",
        "has " + std::to_string(count) + " modalities, but at least " +
            std::to_string(min_modalities) + " are needed",
        min_modalities > 1 ? "pass one feature matrix per modality (fusion needs two or more)"
                           : "pass at least one feature matrix");
  }
  ModalityList<T> out;
  out.reserve(static_cast<std::size_t>(count));
  Index m = 0;
  for (const auto& x : modalities) {
    const std::string argument = "modalities[" + std::to_string(m) + "]";
    mmc::detail::check_data(fn, argument, x);
    if (m > 0) mmc::detail::check_same_rows(fn, argument, x.rows(), "modalities[0]", out[0].rows());
    out.emplace_back(x.template cast<T>());
    ++m;
  }
  return out;
}

/// Validates labels for n samples: integers, one per sample, in [0, classes)
/// when classes > 0 (else >= 0), and (for training, `two_classes`) at least two
/// distinct classes. Returns a copy; `classes_out` receives max label + 1 (or
/// `classes`).
template <class Derived>
Labels to_labels(std::string_view fn, const Eigen::DenseBase<Derived>& labels, Index n,
                 Index classes, Index& classes_out, bool two_classes = true) {
  static_assert(std::is_integral_v<typename Derived::Scalar>,
                "mmc::fusion: labels must be integers in [0, C) (e.g. Eigen::VectorXi)");
  if (labels.rows() != 1 && labels.cols() != 1 && labels.size() > 0) {
    mmc::detail::throw_invalid(fn, "labels",
                               "is " + std::to_string(labels.rows()) + " x " +
                                   std::to_string(labels.cols()),
                               "pass a vector with one label per sample");
  }
  mmc::detail::check_labels(fn, "labels", labels, n, classes);
  Labels out(labels.size());
  for (Index i = 0; i < labels.size(); ++i) out(i) = static_cast<int>(labels(i));
  const int top = out.size() > 0 ? out.maxCoeff() : 0;
  const int bottom = out.size() > 0 ? out.minCoeff() : 0;
  if (two_classes && top == bottom) {
    mmc::detail::throw_invalid(fn, "labels",
                               "has a single class (" + std::to_string(top) + ")",
                               "a classifier needs samples of at least two classes");
  }
  classes_out = classes > 0 ? classes : static_cast<Index>(top) + 1;
  // Sparse labels ({0, 7, 10^6}) would make a classifier with max + 1 outputs,
  // most of them for classes that never occur (and a 10^6-wide layer runs out
  // of memory): refuse more classes than samples and say how to renumber.
  if (classes <= 0 && classes_out > std::max<Index>(n, 2)) {
    mmc::detail::throw_invalid(fn, "labels",
                               "has largest label " + std::to_string(top) + ", which needs " +
                                   std::to_string(classes_out) + " outputs for " + std::to_string(n) +
                                   " samples",
                               "renumber the labels to 0..C-1 first (mmc::recode_labels in "
                               "mmc/core/labels.hpp; the mmc program does this itself)");
  }
  return out;
}

}  // namespace detail

/// The rows `indices` of a matrix, in that order.
template <class T>
RowMatrix<T> take_rows(const RowMatrix<T>& x, const std::vector<Index>& indices) {
  RowMatrix<T> out(static_cast<Index>(indices.size()), x.cols());
  for (std::size_t i = 0; i < indices.size(); ++i) out.row(static_cast<Index>(i)) = x.row(indices[i]);
  return out;
}

/// The rows `indices` of every modality.
template <class T>
ModalityList<T> take_rows(const ModalityList<T>& modalities, const std::vector<Index>& indices) {
  ModalityList<T> out;
  out.reserve(modalities.size());
  for (const auto& x : modalities) out.push_back(take_rows(x, indices));
  return out;
}

/// The labels at `indices`.
inline Labels take_labels(const Labels& labels, const std::vector<Index>& indices) {
  Labels out(static_cast<Index>(indices.size()));
  for (std::size_t i = 0; i < indices.size(); ++i) out(static_cast<Index>(i)) = labels(indices[i]);
  return out;
}

/// Disjoint sample indices; each part in the random order of the shuffle.
struct DataSplit {
  std::vector<Index> train, validation, test;
};

/// Shuffles 0..n-1 with Rng(seed, streams::split) and cuts it into test
/// (round(test_fraction n)), validation (round(validation_fraction n)) and the
/// rest for training. Fractions may be 0 (that part is empty); a non-zero
/// fraction gets at least one sample and training keeps at least two.
inline DataSplit split_samples(Index n, double validation_fraction, double test_fraction,
                               std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::fusion::split_samples";
  for (const auto& [name, f] : {std::pair{"validation_fraction", validation_fraction},
                                std::pair{"test_fraction", test_fraction}}) {
    if (!(f >= 0.0 && f < 1.0)) {
      mmc::detail::throw_invalid(fn, name, "is " + std::to_string(f) + ", outside [0, 1)",
                                 "pass a fraction such as 0.2 (0 for no such part)");
    }
  }
  const auto part = [n](double f) {
    return f > 0.0 ? std::max<Index>(1, static_cast<Index>(std::llround(f * static_cast<double>(n))))
                   : Index{0};
  };
  const Index n_test = part(test_fraction), n_val = part(validation_fraction);
  if (n - n_test - n_val < 2) {
    mmc::detail::throw_invalid(fn, "n",
                               "is " + std::to_string(n) + ": the split leaves " +
                                   std::to_string(n - n_test - n_val) + " training samples",
                               "pass more samples or smaller validation/test fractions");
  }
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  Rng rng(seed, streams::split);
  rng.shuffle(order.begin(), order.end());
  DataSplit s;
  const auto it = order.begin();
  s.test.assign(it, it + n_test);
  s.validation.assign(it + n_test, it + n_test + n_val);
  s.train.assign(it + n_test + n_val, order.end());
  return s;
}

}  // namespace mmc::fusion
