// mmc/fusion/late_fusion.hpp — "naive" late fusion (docs/design.md §3.6-3.7): the
// encoders and the head of fusion/model.hpp trained jointly through the fused
// cross-entropy only.
//
// This is the baseline the paper's robustness evaluation trains, and the one
// that suffers "modality laziness" (Du et al. 2023): once the easy features of
// one modality fit the labels, the gradients reaching the other encoders fade,
// and those encoders learn fewer uni-modal features than when trained alone
// (measured by fusion/laziness.hpp; remedied by UME and UMT, ume.hpp / umt.hpp).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/detail/trainer.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/standardizer.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

namespace detail {

/// Validated inputs of a trainer: the raw modalities, the labels and the
/// number of classes (classes <= 0: max label + 1). The modalities stay double
/// until the model's standardizer has removed their training mean and scale;
/// only model-space data are T (standardizer.hpp, docs/design.md §2).
template <class T>
struct TrainingData {
  ModalityList<double> x;
  Labels y;
  Index classes = 0;

  std::vector<Index> widths() const {
    std::vector<Index> w;
    for (const auto& m : x) w.push_back(m.cols());
    return w;
  }
};

template <class T, ModalityRange R, class L>
TrainingData<T> training_data(std::string_view fn, const R& modalities,
                              const Eigen::DenseBase<L>& labels, const TrainOptions& options,
                              Index min_modalities, Index classes) {
  check_train_options(fn, options);
  TrainingData<T> d;
  d.x = to_modalities<double>(fn, modalities, min_modalities);
  d.y = to_labels(fn, labels, d.x.front().rows(), classes, d.classes);
  return d;
}

/// Validated data cut by split_samples: the training part as TrainingData and
/// the validation and test parts (possibly empty).
template <class T>
struct SplitData {
  TrainingData<T> train;
  ModalityList<double> validation_x, test_x;  // raw, like train.x
  Labels validation_y, test_y;
};

template <class T>
SplitData<T> split_data(const TrainingData<T>& d, double validation_fraction, double test_fraction,
                        std::uint64_t seed) {
  const DataSplit s = split_samples(d.y.size(), validation_fraction, test_fraction, seed);
  return {{take_rows(d.x, s.train), take_labels(d.y, s.train), d.classes},
          take_rows(d.x, s.validation), take_rows(d.x, s.test),
          take_labels(d.y, s.validation), take_labels(d.y, s.test)};
}

/// Builds a model on backend B for d, fits its standardizer on d.x and trains it.
template <class T, class B = nn::CpuBackend<T>>
LateFusion<T, B> fit_network(std::string_view fn, const TrainingData<T>& d, const TrainOptions& options,
                             std::type_identity_t<Teachers<T, B>>* teachers = nullptr) {
  LateFusion<T, B> net(d.widths(), d.classes, options);
  net.set_standardizer(Standardizer<T>::fit(d.x, options.standardize, fn));
  train(net, net.standardizer().apply(d.x), d.y, options, fn, teachers);
  return net;
}

}  // namespace detail

/// Trains a late-fusion classifier jointly (naive training). modalities: two or
/// more n x d_m matrices (any Eigen expressions), rows aligned; labels: n
/// integers in [0, classes) (classes <= 0: max label + 1). The model keeps the
/// training statistics and standardises whatever it is given later. B: the nn
/// backend the networks train on (nn/backend.hpp; docs/design.md §4).
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
LateFusion<T, B> fit_late_fusion(const R& modalities, const Eigen::DenseBase<L>& labels,
                                 const TrainOptions& options = {}, Index classes = 0) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::fit_late_fusion<T, B>");
  constexpr std::string_view fn = "mmc::fusion::fit_late_fusion";
  const auto d = detail::training_data<T>(fn, modalities, labels, options, 2, classes);
  return detail::fit_network<T, B>(fn, d, options);
}

}  // namespace mmc::fusion
