// mmc/fusion/detail/trainer.hpp — the minibatch training loop of every network
// in fusion/: naive late fusion, uni-modal models (one modality) and UMT (with
// frozen teachers, docs/design.md §3.7).
//
// One Adam optimiser per network (each encoder and the head); each step draws
// the next batch of the epoch (detail/batches.hpp), and, for UMT, runs the
// frozen teacher encoders on the same samples to get the distillation targets.
// The teachers draw nothing from the random stream, so UMT with lambda = 0
// takes exactly the steps of naive training with the same seed (tested).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/detail/batches.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::fusion::detail {

/// UMT's frozen teachers: one encoder per modality and the training inputs in
/// each teacher's model space (rows aligned with the student's training data).
template <class T>
struct Teachers {
  std::vector<typename LateFusion<T>::Network> encoders;
  ModalityList<T> inputs;
  double lambda = 1.0;
};

/// Trains `net` on x (model space) and labels y; appends the mean loss of each
/// epoch to net.history(). Throws mmc::training_error on a non-finite loss.
template <class T>
void train(LateFusion<T>& net, const ModalityList<T>& x, const Labels& y, const TrainOptions& o,
           std::string_view fn, Teachers<T>* teachers = nullptr) {
  const auto modalities = x.size();
  const Index n = y.size();
  std::vector<nn::Adam<T, typename LateFusion<T>::Backend>> adam;
  const nn::AdamOptions adam_options{.lr = o.lr, .weight_decay = o.weight_decay};
  for (std::size_t m = 0; m <= modalities; ++m) adam.emplace_back(adam_options, net.backend());
  EpochBatches batches(n, o.batch, o.seed, streams::batches);
  std::vector<RowMatrix<T>> xb(modalities), tb(modalities);
  std::vector<nn::ConstMatrixRef<T>> views(modalities);
  std::vector<int> yb;
  Distillation<T> distill;
  if (teachers != nullptr) {
    distill.lambda = teachers->lambda;
    distill.target.resize(modalities);
  }
  Index step = 0;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    batches.shuffle();
    double sum = 0.0;
    for (Index b = 0; b < batches.count(); ++b, ++step) {
      const auto indices = batches.batch(b);
      for (std::size_t m = 0; m < modalities; ++m) {
        gather_rows(x[m], indices, xb[m]);
        views[m] = nn::as_batch(xb[m]);
        if (teachers != nullptr) {
          gather_rows(teachers->inputs[m], indices, tb[m]);
          distill.target[m] = teachers->encoders[m].forward(nn::as_batch(tb[m]));
        }
      }
      gather_labels(y, indices, yb);
      const LossParts loss = net.loss_and_gradients(views, yb, teachers != nullptr ? &distill : nullptr);
      check_finite_loss(fn, loss.total(), epoch, step);
      for (std::size_t m = 0; m < modalities; ++m) {
        adam[m].step(net.encoder(static_cast<Index>(m)));
      }
      adam[modalities].step(net.head());
      sum += loss.total() * static_cast<double>(indices.size());
    }
    net.history().push_back(sum / static_cast<double>(n));
  }
}

}  // namespace mmc::fusion::detail
