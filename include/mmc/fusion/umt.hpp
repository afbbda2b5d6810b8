// mmc/fusion/umt.hpp — the Uni-Modal Teacher (docs/design.md §3.7; Du et al. 2023):
// a late-fusion model trained with
//     L = CE(head([phi_1(x_1); ...; phi_M(x_M)]), y)
//         + lambda * sum_m MSE(phi_m(x_m), phi'_m(x_m)),
// where phi'_m is the encoder of a uni-modal model trained alone on modality m
// (unimodal.hpp) and frozen, and MSE is the mean over the batch and the feature
// dimensions (PyTorch's MSELoss, nn/losses.hpp); lambda = 1 by default.
//
// Why: the distillation term makes every student encoder keep the features its
// teacher learned alone (no modality laziness), while the fused head, trained
// jointly, can still combine paired (cross-modal) features that an ensemble of
// uni-modal models (UME) cannot. The student's initialisation and batches are
// those of naive training with the same seed; lambda = 0 reproduces it exactly.
// The teacher encoders' outputs must have the student's feature size
// (options.encoder_widths.back()); each teacher standardises its modality with
// its own training statistics.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/detail/trainer.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/unimodal.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

namespace detail {

inline void check_lambda(std::string_view fn, double lambda) {
  if (!(std::isfinite(lambda) && lambda >= 0.0)) {
    mmc::detail::throw_invalid(fn, "lambda", "is " + std::to_string(lambda) + ", not >= 0",
                               "use lambda >= 0 (1 is the paper's default; 0 is naive training)");
  }
}

/// Trains the UMT student on validated data with the given teachers.
template <class T, class B>
LateFusion<T, B> fit_student(std::string_view fn, const TrainingData<T>& d,
                             std::vector<UniModal<T, B>>& teachers, const TrainOptions& options,
                             double lambda) {
  if (teachers.size() != d.x.size()) {
    mmc::detail::throw_invalid(fn, "teachers",
                               "has " + std::to_string(teachers.size()) + " models for " +
                                   std::to_string(d.x.size()) + " modalities",
                               "pass one uni-modal model per modality, in modality order");
  }
  Teachers<T, B> frozen;
  frozen.lambda = lambda;
  for (std::size_t m = 0; m < teachers.size(); ++m) {
    auto& teacher = teachers[m];
    const std::string argument = "teachers[" + std::to_string(m) + "]";
    if (teacher.network().input_size(0) != d.x[m].cols() ||
        teacher.feature_size() != options.encoder_widths.back() || teacher.classes() != d.classes) {
      mmc::detail::throw_invalid(
          fn, argument,
          "reads " + std::to_string(teacher.network().input_size(0)) + " columns into " +
              std::to_string(teacher.feature_size()) + " features for " +
              std::to_string(teacher.classes()) + " classes, but the data and options need " +
              std::to_string(d.x[m].cols()) + ", " + std::to_string(options.encoder_widths.back()) +
              " and " + std::to_string(d.classes),
          "train the teachers on these modalities with the same encoder widths and classes");
    }
    frozen.encoders.push_back(&teacher.network().encoder(0));
    frozen.inputs.push_back(teacher.to_model_space(d.x[m]));
  }
  return fit_network<T, B>(fn, d, options, &frozen);
}

}  // namespace detail

/// UMT with the given frozen teachers (teachers[m] trained on modality m, e.g.
/// by fit_unimodal_models on the same training data). Their parameters are not
/// changed (their networks run forward passes on the teachers' inputs). The
/// student trains on the teachers' backend B.
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
LateFusion<T, B> fit_umt(const R& modalities, const Eigen::DenseBase<L>& labels,
                         std::vector<UniModal<T, B>>& teachers, const TrainOptions& options = {},
                         double lambda = 1.0, Index classes = 0) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::fit_umt<T, B>");
  constexpr std::string_view fn = "mmc::fusion::fit_umt";
  detail::check_lambda(fn, lambda);
  const auto d = detail::training_data<T>(fn, modalities, labels, options, 2, classes);
  return detail::fit_student(fn, d, teachers, options, lambda);
}

/// UMT end to end: trains the teachers (fit_unimodal_models with these options),
/// then the student, all on backend B.
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
LateFusion<T, B> fit_umt(const R& modalities, const Eigen::DenseBase<L>& labels,
                         const TrainOptions& options = {}, double lambda = 1.0, Index classes = 0) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::fit_umt<T, B>");
  constexpr std::string_view fn = "mmc::fusion::fit_umt";
  detail::check_lambda(fn, lambda);
  const auto d = detail::training_data<T>(fn, modalities, labels, options, 2, classes);
  auto teachers = detail::fit_members<T, B>(fn, d, options);
  return detail::fit_student(fn, d, teachers, options, lambda);
}

}  // namespace mmc::fusion
