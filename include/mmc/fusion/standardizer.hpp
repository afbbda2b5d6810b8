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
//
// Precision (docs/design.md §2): raw data reach the standardizer in double
// (ModalityList<double>, see late_fusion.hpp) and are standardised in double,
// on columns scaled by a power of two (core/preprocess.hpp), before the result
// is rounded to the model's scalar T. In float32 an offset such as a Unix
// timestamp (x * 100 + 1.7e9) would round every value to a multiple of 128
// before the mean could be removed, and the model would train at chance.
// Without standardisation fit() refuses training data T cannot hold
// (core/preprocess.hpp check_representable).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/preprocess.hpp"
#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"

namespace mmc::fusion {

template <class T = float>
struct Standardizer {
  /// Training mean and standard deviation (1 for constant columns) per
  /// modality, rounded to T (apply() uses the double statistics below).
  std::vector<Vector<T>> mean, stddev;
  /// false: apply() is the identity (statistics are still kept, see top).
  bool enabled = true;

  /// Statistics of each modality of the training data (any scalar; raw data
  /// should be double, see the header). Without standardisation, throws
  /// mmc::invalid_argument, naming `fn` and modalities[m], when T cannot
  /// represent a modality.
  template <class S>
  static Standardizer fit(const ModalityList<S>& train, bool enabled = true,
                          std::string_view fn = "mmc::fusion::Standardizer::fit") {
    Standardizer s;
    s.enabled = enabled;
    for (std::size_t m = 0; m < train.size(); ++m) {
      const RowMatrix<S>& x = train[m];
      if (!enabled) {
        mmc::detail::check_representable<T>(
            fn, "modalities[" + std::to_string(m) + "]", x,
            "set options.standardize = true (the default; it standardises in double precision "
            "first) or center and scale the data before training");
      }
      std::vector<mmc::detail::ScaledMoments> columns;
      Vector<T> mu(x.cols()), sd(x.cols());
      for (Index c = 0; c < x.cols(); ++c) {
        mmc::detail::ScaledMoments moments = mmc::detail::scaled_column_moments(x, c);
        if (!(moments.stddev > 0.0)) moments.stddev = std::ldexp(1.0, -moments.exponent);
        mu(c) = static_cast<T>(std::ldexp(moments.mean, moments.exponent));
        sd(c) = static_cast<T>(std::ldexp(moments.stddev, moments.exponent));
        columns.push_back(moments);
      }
      s.mean.push_back(std::move(mu));
      s.stddev.push_back(std::move(sd));
      s.scaled_.push_back(std::move(columns));
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
      s.scaled_.emplace_back(static_cast<std::size_t>(d), mmc::detail::ScaledMoments{0, 0.0, 1.0});
    }
    return s;
  }

  Index modalities() const noexcept { return static_cast<Index>(mean.size()); }

  /// Modality m of raw data (any scalar, double for full precision) in model
  /// space: (x - mean) / stddev computed in double and rounded to T, or x.
  template <class S>
  RowMatrix<T> apply(Index m, const RowMatrix<S>& x) const {
    if (!enabled) return x.template cast<T>();
    const auto& columns = scaled_[static_cast<std::size_t>(m)];
    RowMatrix<T> out(x.rows(), x.cols());
    for (Index r = 0; r < x.rows(); ++r) {
      for (Index c = 0; c < x.cols(); ++c) {
        const mmc::detail::ScaledMoments& s = columns[static_cast<std::size_t>(c)];
        out(r, c) = static_cast<T>(
            (std::ldexp(static_cast<double>(x(r, c)), -s.exponent) - s.mean) / s.stddev);
      }
    }
    return out;
  }

  /// Every modality in model space.
  template <class S>
  ModalityList<T> apply(const ModalityList<S>& raw) const {
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

 private:
  /// Per modality and column, the training moments in double on the column
  /// scaled by 2^exponent (core/preprocess.hpp), which apply() uses.
  std::vector<std::vector<mmc::detail::ScaledMoments>> scaled_;
};

}  // namespace mmc::fusion
