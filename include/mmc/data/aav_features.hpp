// mmc/data/aav_features.hpp — learned per-modality features for AAV-MNIST
// (docs/aav-mnist.md "Results", docs/design.md §3.5 data): the paper (§5.2)
// pretrains one encoder per modality and measures the complementarity C on
// their features. Here each modality gets a uni-modal MLP (fusion/unimodal.hpp)
// trained to recognise THAT modality's own digit — x for the image, y for the
// utterance — never the label t, so the features know nothing about how the
// two digits combine; the output of the encoder's last ReLU layer (32 units by
// default) is the feature vector.
//
//   auto pool  = mmc::data::load_aav_mnist();
//   auto split = mmc::data::split_aav_mnist(pool, 0.2, 1);
//   auto enc   = mmc::data::fit_aav_feature_extractors(split.train, {});
//   auto test  = mmc::data::make_aav_mnist(split.test, {.sigma = 1.0}, 2000, 2);
//   auto feats = mmc::data::aav_features(enc, test);   // modalities: n x 32 each
//
// Train the extractors on the train pool and compute features of draws from
// the test pool: the features of images the encoder saw are cleaner than those
// of new images. ReLU units that never fire give constant feature columns; the
// complementarity metric drops those (metric/complementarity.hpp).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/aav_mnist.hpp"
#include "mmc/data/task.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/unimodal.hpp"

namespace mmc::data {

/// Options of fit_aav_feature_extractors().
struct AavFeatureOptions {
  /// Encoder widths; the last is the feature size.
  std::vector<Index> widths = {128, 32};
  /// Training samples per modality, drawn from the pool with uniform digits.
  Index samples = 4000;
  int epochs = 5;
  Index batch = 64;
  double lr = 1e-3;
  std::uint64_t seed = 0;
  /// GEMM threads (0 = all cores).
  int threads = 1;
};

/// One trained encoder per modality: image (modality 0) and audio (modality 1).
struct AavFeatureExtractors {
  fusion::UniModal<float> image, audio;
  /// Accuracy of each encoder's own digit classifier on its training draw
  /// (a sanity check: near 1 means the features separate the digits).
  double image_train_accuracy = 0.0, audio_train_accuracy = 0.0;
};

/// Trains the two encoders on draws from `pool` (σ = 0: each sample's image and
/// utterance show the same digit, which is also the class each encoder learns).
inline AavFeatureExtractors fit_aav_feature_extractors(const AavPool& pool, const AavFeatureOptions& options) {
  const AavMnistTask draw = make_aav_mnist(pool, {.sigma = 0.0}, options.samples, derive_seed(options.seed, 1));
  fusion::TrainOptions train;
  train.encoder_widths = options.widths;
  train.epochs = options.epochs;
  train.batch = options.batch;
  train.lr = options.lr;
  train.threads = options.threads;
  train.seed = derive_seed(options.seed, 2);
  auto image = fusion::fit_unimodal<float>(draw.task.modalities[0], draw.image_digit, train, kAavDigits, 0);
  train.seed = derive_seed(options.seed, 3);
  auto audio = fusion::fit_unimodal<float>(draw.task.modalities[1], draw.audio_digit, train, kAavDigits, 1);
  AavFeatureExtractors out{std::move(image), std::move(audio)};
  out.image_train_accuracy = out.image.accuracy(draw.task.modalities[0], draw.image_digit);
  out.audio_train_accuracy = out.audio.accuracy(draw.task.modalities[1], draw.audio_digit);
  return out;
}

/// The task with each modality replaced by its encoder's features (n x
/// widths.back() each, as double); labels, classes, name and truth unchanged.
inline LabelledTask aav_features(AavFeatureExtractors& extractors, const AavMnistTask& task) {
  LabelledTask out = task.task;
  out.modalities = {extractors.image.features(task.task.modalities[0]).cast<double>(),
                    extractors.audio.features(task.task.modalities[1]).cast<double>()};
  out.name = task.task.name + "_features";
  return out;
}

}  // namespace mmc::data
