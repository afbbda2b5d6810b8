// mmc/fusion/standardizer.hpp — per-modality standardisation with TRAINING
// statistics, and the "model space" in which the robustness perturbations of
// docs/design.md §3.6 are defined.
//
// Why training statistics only: validation and test samples must be
// transformed exactly as the model saw its training data, or every accuracy
// would leak information from the evaluation split. The same object gives the
// training mean of a modality (the value a missing modality is replaced by) and
// the size of one standard deviation in model space (the unit of the N(0, 0.5^2)
// noise and of FGSM's epsilon), so a model trained without standardisation is
// perturbed by the same amounts, measured in training standard deviations.
// Columns that are constant in the training split keep scale 1 (they carry no
// information; dividing by 0 would create NaN).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "mmc/core/preprocess.hpp"
#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"

namespace mmc::fusion {

template <class T = float>
struct Standardizer {
  /// Training mean and standard deviation (1 for constant columns) per modality.
  std::vector<Vector<T>> mean, stddev;
  /// false: apply() is the identity (statistics are still kept, see top).
  bool enabled = true;

  /// Statistics of each modality of the training data.
  static Standardizer fit(const ModalityList<T>& train, bool enabled = true) {
    Standardizer s;
    s.enabled = enabled;
    for (const auto& x : train) {
      auto moments = column_moments(x);
      for (Index c = 0; c < moments.stddev.size(); ++c) {
        if (!(moments.stddev(c) > T(0))) moments.stddev(c) = T(1);
      }
      s.mean.push_back(std::move(moments.mean));
      s.stddev.push_back(std::move(moments.stddev));
    }
    return s;
  }

  /// The identity transform for modalities of these widths (an untrained model).
  static Standardizer identity(const std::vector<Index>& widths) {
    Standardizer s;
    s.enabled = false;
    for (const Index d : widths) {
      s.mean.push_back(Vector<T>::Zero(d));
      s.stddev.push_back(Vector<T>::Ones(d));
    }
    return s;
  }

  Index modalities() const noexcept { return static_cast<Index>(mean.size()); }

  /// Modality m of raw data in model space: (x - mean) / stddev, or x.
  RowMatrix<T> apply(Index m, const RowMatrix<T>& x) const {
    if (!enabled) return x;
    const auto& mu = mean[static_cast<std::size_t>(m)];
    const auto& sd = stddev[static_cast<std::size_t>(m)];
    RowMatrix<T> out(x.rows(), x.cols());
    for (Index r = 0; r < x.rows(); ++r) {
      out.row(r) = (x.row(r) - mu.transpose()).cwiseQuotient(sd.transpose());
    }
    return out;
  }

  /// Every modality in model space.
  ModalityList<T> apply(const ModalityList<T>& raw) const {
    ModalityList<T> out;
    out.reserve(raw.size());
    for (std::size_t m = 0; m < raw.size(); ++m) out.push_back(apply(static_cast<Index>(m), raw[m]));
    return out;
  }

  /// The training mean of modality m in model space (zeros when enabled).
  Vector<T> mean_in_model_space(Index m) const {
    const auto& mu = mean[static_cast<std::size_t>(m)];
    return enabled ? Vector<T>(Vector<T>::Zero(mu.size())) : mu;
  }

  /// One training standard deviation of each column of modality m in model
  /// space (ones when enabled).
  Vector<T> unit(Index m) const {
    const auto& sd = stddev[static_cast<std::size_t>(m)];
    return enabled ? Vector<T>(Vector<T>::Ones(sd.size())) : sd;
  }
};

}  // namespace mmc::fusion
