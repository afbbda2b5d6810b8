// mmc/neural/onehot.hpp — integer labels as one-hot rows, the way labels enter a
// critic or a classifier's input (docs/design.md §3.2 "labels enter one-hot", §3.4:
// the complementarity metric estimates I(X; Y, Z) with the label Y one-hot next
// to the features of Z).
//
// Why one-hot rather than the integer itself: an MLP would read an integer code
// as an ordered, equally spaced quantity; one-hot coding makes the classes
// exchangeable, so estimates do not depend on how the classes are numbered.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <string>
#include <string_view>
#include <type_traits>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"

namespace mmc::neural {

/// Number of classes implied by labels: max label + 1 (0 for no labels).
/// Throws on negative labels.
template <class Derived>
Index class_count(const Eigen::DenseBase<Derived>& labels,
                  std::string_view function = "mmc::neural::class_count",
                  std::string_view argument = "labels") {
  mmc::detail::check_labels(function, argument, labels, labels.size());
  Index classes = 0;
  for (Index i = 0; i < labels.size(); ++i) {
    classes = std::max<Index>(classes, static_cast<Index>(labels(i)) + 1);
  }
  return classes;
}

/// n x classes matrix with a 1 in column labels(i) of row i. classes <= 0 means
/// class_count(labels). Throws mmc::invalid_argument on a label outside
/// [0, classes), naming `argument` and the index.
template <class T = float, class Derived>
RowMatrix<T> one_hot(const Eigen::DenseBase<Derived>& labels, Index classes = 0,
                     std::string_view function = "mmc::neural::one_hot",
                     std::string_view argument = "labels") {
  static_assert(std::is_integral_v<typename Derived::Scalar>,
                "mmc::neural::one_hot: labels must be integers (e.g. Eigen::VectorXi)");
  if (labels.rows() != 1 && labels.cols() != 1 && labels.size() > 0) {
    mmc::detail::throw_invalid(function, argument,
                               "is " + std::to_string(labels.rows()) + " x " +
                                   std::to_string(labels.cols()),
                               "pass a vector with one label per sample");
  }
  if (classes <= 0) classes = class_count(labels, function, argument);
  mmc::detail::check_labels(function, argument, labels, labels.size(), classes);
  RowMatrix<T> out = RowMatrix<T>::Zero(labels.size(), classes);
  for (Index i = 0; i < labels.size(); ++i) out(i, static_cast<Index>(labels(i))) = T(1);
  return out;
}

/// [features | one_hot(labels)]: features with the labels appended as one-hot
/// columns (the input of a critic for I(X; Y, Z) with discrete Y).
template <class T = float, class DerivedF, class DerivedL>
RowMatrix<T> append_one_hot(const Eigen::DenseBase<DerivedF>& features,
                            const Eigen::DenseBase<DerivedL>& labels, Index classes = 0,
                            std::string_view function = "mmc::neural::append_one_hot") {
  mmc::detail::check_same_rows(function, "labels", labels.size(), "features", features.rows());
  const RowMatrix<T> coded = one_hot<T>(labels, classes, function, "labels");
  RowMatrix<T> out(features.rows(), features.cols() + coded.cols());
  out.leftCols(features.cols()) = features.derived().template cast<T>();
  out.rightCols(coded.cols()) = coded;
  return out;
}

}  // namespace mmc::neural
