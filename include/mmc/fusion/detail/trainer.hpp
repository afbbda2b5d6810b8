// mmc/fusion/detail/trainer.hpp — the minibatch training loop of every network
// in fusion/: naive late fusion, uni-modal models (one modality) and UMT (with
// frozen teachers, docs/design.md §3.7).
//
// Since the same loop trains the neural estimators, fusion models run in
// neural::run_training through the adapter LateFusionTraining below.
// One Adam optimiser per network (each encoder and the head); each step draws
// the next batch of the epoch (detail/batches.hpp), and, for UMT, runs the
// frozen teacher encoders on the same samples to get the distillation targets.
// The teachers draw nothing from the random stream, so UMT with lambda = 0
// takes exactly the steps of naive training with the same seed (tested).
// Batches and labels are gathered on the host and go up with each network's
// forward pass; the teachers' features come down to the host, where the
// distillation loss is computed (fusion/model.hpp), so any nn backend works.
#pragma once

#include <Eigen/Core>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/detail/batches.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"
#include "mmc/nn/view.hpp"
#include "mmc/neural/trainer.hpp"

namespace mmc::fusion::detail {

/// UMT's frozen teachers: one encoder per modality (not owned: the teachers'
/// own networks, which run forward passes but are never updated; networks on
/// the CUDA backend cannot be copied) and the training inputs in each
/// teacher's model space (rows aligned with the student's training data).
template <class T, class B = nn::CpuBackend<T>>
struct Teachers {
  std::vector<nn::Mlp<T, B>*> encoders;
  ModalityList<T> inputs;
  double lambda = 1.0;
};

/// The late-fusion network as a model of the library's one training loop
/// (neural::run_training, neural/trainer.hpp): step() trains on the next batch
/// of the epoch, update() takes the Adam steps, evaluate() -- called by the
/// loop once per epoch (eval_interval = batches per epoch) -- closes the epoch
/// and records its mean loss in net.history(). No clipping, schedule, early
/// stopping or divergence recovery: snapshots are empty.
template <class T, class B>
class LateFusionTraining {
 public:
  struct Snapshot {};

  LateFusionTraining(LateFusion<T, B>& net, const ModalityList<T>& x, const Labels& y, const TrainOptions& o,
                     Teachers<T, B>* teachers)
      : net_(net), x_(x), y_(y), teachers_(teachers), batches_(y.size(), o.batch, o.seed, streams::batches),
        next_batch_(batches_.count()), xb_(x.size()), tb_(x.size()), targets_(x.size()), views_(x.size()) {
    const nn::AdamOptions adam_options{.lr = o.lr, .weight_decay = o.weight_decay};
    for (std::size_t m = 0; m <= x.size(); ++m) adam_.emplace_back(adam_options, net.backend());
    if (teachers_ != nullptr) {
      distill_.lambda = teachers_->lambda;
      distill_.target.resize(x.size());
    }
  }

  /// Batches per epoch: the loop's eval_interval.
  Index batches_per_epoch() const noexcept { return batches_.count(); }

  neural::StepValues step() {
    if (next_batch_ == batches_.count()) {  // a new epoch
      batches_.shuffle();
      next_batch_ = 0;
      epoch_sum_ = 0.0;
    }
    const auto indices = batches_.batch(next_batch_++);
    for (std::size_t m = 0; m < x_.size(); ++m) {
      gather_rows(x_[m], indices, xb_[m]);
      views_[m] = nn::as_batch(xb_[m]);
      if (teachers_ != nullptr) {
        gather_rows(teachers_->inputs[m], indices, tb_[m]);
        nn::Mlp<T, B>& teacher = *teachers_->encoders[m];
        const nn::ConstMatrixRef<T> features = teacher.forward_host(nn::as_batch(tb_[m]));
        targets_[m].resize(features.rows, features.cols);
        teacher.backend().download(features, targets_[m].data(), features.rows);
        distill_.target[m] = nn::view(targets_[m]);
      }
    }
    gather_labels(y_, indices, yb_);
    const double loss = net_.loss_and_gradients(views_, yb_, teachers_ != nullptr ? &distill_ : nullptr).total();
    epoch_sum_ += loss * static_cast<double>(indices.size());
    return {loss, loss};
  }
  double clip(double) { return 0.0; }
  void update() {
    for (std::size_t m = 0; m < x_.size(); ++m) adam_[m].step(net_.encoder(static_cast<Index>(m)));
    adam_[x_.size()].step(net_.head());
  }
  double evaluate() {
    const double mean = epoch_sum_ / static_cast<double>(y_.size());
    net_.history().push_back(mean);
    return mean;
  }
  Snapshot snapshot() const { return {}; }
  void restore(const Snapshot&) {}
  void set_learning_rate(double) {}
  void reset_optimizer() {}
  void reset_state() {}

 private:
  LateFusion<T, B>& net_;
  const ModalityList<T>& x_;
  const Labels& y_;
  Teachers<T, B>* teachers_;
  std::vector<nn::Adam<T, B>> adam_;
  EpochBatches batches_;
  Index next_batch_;
  double epoch_sum_ = 0.0;
  std::vector<RowMatrix<T>> xb_, tb_;
  std::vector<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> targets_;  // teachers' features, host
  std::vector<nn::ConstMatrixRef<T>> views_;
  std::vector<int> yb_;
  Distillation<T> distill_;
};

/// Trains `net` on x (model space) and labels y for o.epochs epochs with the
/// library's training loop; appends the mean loss of each epoch to
/// net.history(). Throws mmc::training_error on a non-finite loss.
template <class T, class B>
void train(LateFusion<T, B>& net, const ModalityList<T>& x, const Labels& y, const TrainOptions& o,
           std::string_view fn, std::type_identity_t<Teachers<T, B>>* teachers = nullptr) {
  LateFusionTraining<T, B> model(net, x, y, o, teachers);
  neural::TrainingOptions loop;
  loop.steps = static_cast<Index>(o.epochs) * model.batches_per_epoch();
  loop.eval_interval = model.batches_per_epoch();
  loop.lr = o.lr;
  loop.weight_decay = o.weight_decay;
  neural::run_training(model, loop, fn, /*maximize=*/false,
                       "lower options.lr (e.g. by 10x), standardise the inputs (options.standardize = "
                       "true) or check the data for huge values");
}

}  // namespace mmc::fusion::detail
