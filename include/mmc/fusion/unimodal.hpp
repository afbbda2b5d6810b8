// mmc/fusion/unimodal.hpp — uni-modal models (docs/design.md §3.7): one encoder and
// its own linear head, trained on one modality alone.
//
// They are the members of the Uni-Modal Ensemble (ume.hpp), the frozen
// teachers of UMT (umt.hpp), the feature extractors of the advisor
// (advisor.hpp) and the reference of the laziness measurement (laziness.hpp):
// trained alone, an encoder has no other modality to lean on, so it learns all
// the uni-modal features it can (Du et al. 2023). A uni-modal model is the
// late-fusion network of model.hpp with one modality and a linear head, so it
// shares all of its arithmetic and tests.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/detail/batches.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

template <class T = float, class B = nn::CpuBackend<T>>
class UniModal {
 public:
  using Backend = B;

  UniModal(LateFusion<T, B> network, Index modality)
      : network_(std::move(network)), modality_(modality) {}

  /// The underlying one-modality network (encoder(0), head()).
  LateFusion<T, B>& network() noexcept { return network_; }
  const LateFusion<T, B>& network() const noexcept { return network_; }
  /// Which modality of the original list this model reads.
  Index modality() const noexcept { return modality_; }
  Index classes() const noexcept { return network_.classes(); }
  Index feature_size() const { return network_.feature_size(0); }

  /// Raw n x d data of this modality -> model space (validated).
  template <class D>
  RowMatrix<T> to_model_space(const Eigen::DenseBase<D>& x) const {
    return network_.to_model_space(single(x)).front();
  }
  /// Class probabilities, n x classes.
  template <class D>
  RowMatrix<T> predict_proba(const Eigen::DenseBase<D>& x) {
    return network_.predict_proba(single(x));
  }
  /// Encoder features phi(x), n x feature_size().
  template <class D>
  RowMatrix<T> features(const Eigen::DenseBase<D>& x) {
    return network_.features(0, to_model_space(x));
  }
  template <class D, class L>
  double accuracy(const Eigen::DenseBase<D>& x, const Eigen::DenseBase<L>& labels) {
    return network_.accuracy(single(x), labels);
  }

 private:
  template <class D>
  static std::vector<RowMatrix<double>> single(const Eigen::DenseBase<D>& x) {
    return {RowMatrix<double>(x.template cast<double>())};
  }

  LateFusion<T, B> network_;
  Index modality_;
};

/// Trains a uni-modal model on one modality x (n x d) with labels in
/// [0, classes) (classes <= 0: max label + 1); `modality` is only recorded.
/// options.head_hidden is ignored: uni-modal heads are linear. B: the nn backend
/// (nn/backend.hpp).
template <class T = float, class B = nn::CpuBackend<T>, class D, class L>
UniModal<T, B> fit_unimodal(const Eigen::DenseBase<D>& x, const Eigen::DenseBase<L>& labels,
                         const TrainOptions& options = {}, Index classes = 0, Index modality = 0) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::fit_unimodal<T, B>");
  constexpr std::string_view fn = "mmc::fusion::fit_unimodal";
  std::vector<RowMatrix<double>> list{RowMatrix<double>(x.template cast<double>())};
  mmc::detail::check_data(fn, "x", x);
  TrainOptions linear_head = options;
  linear_head.head_hidden.clear();
  const auto d = detail::training_data<T>(fn, list, labels, linear_head, 1, classes);
  return UniModal<T, B>(detail::fit_network<T, B>(fn, d, linear_head), modality);
}

namespace detail {

/// The options of uni-modal model m of a set: seed derived from (seed, m);
/// one thread each when the models are trained side by side.
inline TrainOptions member_options(const TrainOptions& o, Index m, bool side_by_side) {
  TrainOptions member = o;
  member.seed = derive_seed(o.seed, streams::unimodal + static_cast<std::uint64_t>(m));
  member.head_hidden.clear();
  if (side_by_side) member.threads = 1;
  return member;
}

/// One uni-modal model per modality of validated data (see fit_unimodal_models).
template <class T, class B = nn::CpuBackend<T>>
std::vector<UniModal<T, B>> fit_members(std::string_view fn, const TrainingData<T>& d,
                                        const TrainOptions& options) {
  const auto count = static_cast<Index>(d.x.size());
  const bool side_by_side = resolve_threads(options.threads) > 1 && count > 1;
  std::vector<std::optional<UniModal<T, B>>> slots(static_cast<std::size_t>(count));
  parallel_for(count, side_by_side ? options.threads : 1, 1, [&](Index begin, Index end) {
    for (Index m = begin; m < end; ++m) {
      TrainingData<T> one{{d.x[static_cast<std::size_t>(m)]}, d.y, d.classes};
      slots[static_cast<std::size_t>(m)].emplace(
          fit_network<T, B>(fn, one, member_options(options, m, side_by_side)), m);
    }
  });
  std::vector<UniModal<T, B>> models;
  for (auto& slot : slots) models.push_back(std::move(*slot));
  return models;
}

}  // namespace detail

/// Trains one uni-modal model per modality (independently; side by side on
/// options.threads). Model m uses the seed derive_seed(options.seed, 700 + m),
/// so the set is the same for any thread count.
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
std::vector<UniModal<T, B>> fit_unimodal_models(const R& modalities, const Eigen::DenseBase<L>& labels,
                                                const TrainOptions& options = {}, Index classes = 0) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::fit_unimodal_models<T, B>");
  constexpr std::string_view fn = "mmc::fusion::fit_unimodal_models";
  const auto d = detail::training_data<T>(fn, modalities, labels, options, 1, classes);
  return detail::fit_members<T, B>(fn, d, options);
}

}  // namespace mmc::fusion
