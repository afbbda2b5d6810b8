// Bad input for every public entry point of fusion/: each case throws
// mmc::invalid_argument naming the function and the argument (docs/design.md §2).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "fusion_testing.hpp"
#include "mmc/fusion.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::fusion::testing::expect_invalid;
using mmc::fusion::testing::small_task;
using mmc::fusion::testing::tiny_options;
namespace fu = mmc::fusion;

struct Inputs {
  mmc::data::LabelledTask task = small_task(60, 2);
  std::vector<RowMatrix<double>>& x = task.modalities;
  mmc::Labels& y = task.labels;
};

TEST(FusionBadInput, ModalitiesOfTrainers) {
  Inputs in;
  const auto o = tiny_options();
  const char* fn = "mmc::fusion::fit_late_fusion";
  expect_invalid([&] { fu::fit_late_fusion(std::vector<RowMatrix<double>>{in.x[0]}, in.y, o); },
                 "modalities", fn);
  expect_invalid([&] { fu::fit_late_fusion(std::vector<RowMatrix<double>>{}, in.y, o); }, "modalities", fn);
  auto empty = in.x;
  empty[1].resize(60, 0);
  expect_invalid([&] { fu::fit_late_fusion(empty, in.y, o); }, "modalities[1]", fn);
  auto short_rows = in.x;
  short_rows[1].conservativeResize(59, Eigen::NoChange);
  expect_invalid([&] { fu::fit_late_fusion(short_rows, in.y, o); }, "modalities[1]", fn);
  auto nan = in.x;
  nan[0](3, 2) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { fu::fit_late_fusion(nan, in.y, o); }, "modalities[0]", fn);
  auto inf = in.x;
  inf[1](0, 0) = std::numeric_limits<double>::infinity();
  expect_invalid([&] { fu::fit_ume(inf, in.y, o); }, "modalities[1]", "mmc::fusion::fit_ume");
  expect_invalid([&] { fu::fit_umt(nan, in.y, o); }, "modalities[0]", "mmc::fusion::fit_umt");
  expect_invalid([&] { fu::fit_unimodal_models(std::vector<RowMatrix<double>>{}, in.y, o); },
                 "modalities", "mmc::fusion::fit_unimodal_models");
  expect_invalid([&] { fu::fit_unimodal(nan[0], in.y, o); }, "x", "mmc::fusion::fit_unimodal");
}

TEST(FusionBadInput, LabelsOfTrainers) {
  Inputs in;
  const auto o = tiny_options();
  const char* fn = "mmc::fusion::fit_late_fusion";
  expect_invalid([&] { fu::fit_late_fusion(in.x, mmc::Labels(in.y.head(59)), o); }, "labels", fn);
  mmc::Labels negative = in.y;
  negative(4) = -1;
  expect_invalid([&] { fu::fit_late_fusion(in.x, negative, o); }, "labels", fn);
  expect_invalid([&] { fu::fit_late_fusion(in.x, mmc::Labels::Zero(60), o); }, "labels", fn);
  mmc::Labels three = in.y;
  three(0) = 2;
  expect_invalid([&] { fu::fit_late_fusion(in.x, three, o, 2); }, "labels", fn);  // 2 outside [0, 2)
  const Eigen::MatrixXi matrix = Eigen::MatrixXi::Zero(6, 10);
  expect_invalid([&] { fu::fit_late_fusion(in.x, matrix, o); }, "labels", fn);
  expect_invalid([&] { fu::fit_unimodal(in.x[0], mmc::Labels::Ones(60), o); }, "labels",
                 "mmc::fusion::fit_unimodal");
}

TEST(FusionBadInput, TrainOptions) {
  Inputs in;
  const char* fn = "mmc::fusion::fit_late_fusion";
  const auto with = [&](auto change, const char* argument) {
    auto o = tiny_options();
    change(o);
    expect_invalid([&] { fu::fit_late_fusion(in.x, in.y, o); }, argument, fn);
  };
  with([](fu::TrainOptions& o) { o.encoder_widths = {}; }, "options.encoder_widths");
  with([](fu::TrainOptions& o) { o.encoder_widths = {8, 0}; }, "options.encoder_widths");
  with([](fu::TrainOptions& o) { o.head_hidden = {0}; }, "options.head_hidden");
  with([](fu::TrainOptions& o) { o.epochs = 0; }, "options.epochs");
  with([](fu::TrainOptions& o) { o.batch = 0; }, "options.batch");
  with([](fu::TrainOptions& o) { o.lr = 0.0; }, "options.lr");
  with([](fu::TrainOptions& o) { o.lr = std::nan(""); }, "options.lr");
  with([](fu::TrainOptions& o) { o.weight_decay = -1.0; }, "options.weight_decay");
}

TEST(FusionBadInput, TrainedModels) {
  Inputs in;
  auto model = fu::fit_late_fusion(in.x, in.y, tiny_options());
  const char* fn = "mmc::fusion::LateFusion";
  expect_invalid([&] { model.predict(std::vector<RowMatrix<double>>{in.x[0]}); }, "modalities", fn);
  auto narrow = in.x;
  narrow[1].conservativeResize(Eigen::NoChange, 3);
  expect_invalid([&] { model.predict_proba(narrow); }, "modalities[1]", fn);
  expect_invalid([&] { model.accuracy(in.x, mmc::Labels(in.y.head(10))); }, "labels",
                 "mmc::fusion::LateFusion::accuracy");
  mmc::Labels out_of_range = in.y;
  out_of_range(1) = 2;
  expect_invalid([&] { model.accuracy(in.x, out_of_range); }, "labels",
                 "mmc::fusion::LateFusion::accuracy");
  auto members = fu::fit_unimodal_models(in.x, in.y, tiny_options());
  expect_invalid([&] { members[0].predict_proba(in.x[1].leftCols(2)); }, "modalities[0]", fn);
  expect_invalid([&] { fu::Ume<float>(std::vector<fu::UniModal<float>>{}); }, "members", "mmc::fusion::Ume");
  expect_invalid([&] { fu::Ume<float>(members, {1.0}); }, "weights", "mmc::fusion::Ume");
  expect_invalid([&] { fu::Ume<float>(members, {1.0, -1.0}); }, "weights", "mmc::fusion::Ume");
  expect_invalid([&] { fu::Ume<float>(members, {0.0, 0.0}); }, "weights", "mmc::fusion::Ume");
  expect_invalid([&] { fu::fit_ume(in.x, in.y, tiny_options(), {1.0, 2.0, 3.0}); }, "weights",
                 "mmc::fusion::fit_ume");
  expect_invalid([&] { fu::fit_ume(in.x, in.y, tiny_options(), {1.0, std::nan("")}); }, "weights",
                 "mmc::fusion::fit_ume");
  fu::Ume<float> ume(members);
  expect_invalid([&] { ume.predict(std::vector<RowMatrix<double>>{in.x[0]}); }, "modalities",
                 "mmc::fusion::Ume::predict_proba");
}

TEST(FusionBadInput, Umt) {
  Inputs in;
  const auto o = tiny_options();
  const char* fn = "mmc::fusion::fit_umt";
  expect_invalid([&] { fu::fit_umt(in.x, in.y, o, -1.0); }, "lambda", fn);
  expect_invalid([&] { fu::fit_umt(in.x, in.y, o, std::nan("")); }, "lambda", fn);
  auto teachers = fu::fit_unimodal_models(in.x, in.y, o);
  auto one = std::vector<fu::UniModal<float>>{teachers[0]};
  expect_invalid([&] { fu::fit_umt(in.x, in.y, one, o); }, "teachers", fn);
  auto wider = o;
  wider.encoder_widths = {8, 7};  // students' features no longer match the teachers'
  expect_invalid([&] { fu::fit_umt(in.x, in.y, teachers, wider); }, "teachers[0]", fn);
  auto swapped = std::vector<fu::UniModal<float>>{teachers[0], teachers[0]};
  auto other_width = in.x;
  other_width[1] = in.x[1].leftCols(5);  // teacher 1 (a copy of 0) reads 7 columns
  expect_invalid([&] { fu::fit_umt(other_width, in.y, swapped, o); }, "teachers[1]", fn);
}

TEST(FusionBadInput, LinearProbe) {
  Inputs in;
  const char* fn = "mmc::fusion::fit_linear_probe";
  RowMatrix<double> nan = in.x[0];
  nan(0, 0) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { fu::fit_linear_probe(nan, in.y); }, "features", fn);
  expect_invalid([&] { fu::fit_linear_probe(RowMatrix<double>(0, 3), mmc::Labels(0)); }, "features", fn);
  expect_invalid([&] { fu::fit_linear_probe(in.x[0], mmc::Labels(in.y.head(5))); }, "labels", fn);
  expect_invalid([&] { fu::fit_linear_probe(in.x[0], in.y, {.epochs = 0}); }, "options.epochs", fn);
  expect_invalid([&] { fu::fit_linear_probe(in.x[0], in.y, {.batch = 0}); }, "options.batch", fn);
  expect_invalid([&] { fu::fit_linear_probe(in.x[0], in.y, {.lr = -1.0}); }, "options.lr", fn);
  expect_invalid([&] { fu::fit_linear_probe(in.x[0], in.y, {.weight_decay = -1.0}); },
                 "options.weight_decay", fn);
  auto probe = fu::fit_linear_probe(in.x[0], in.y, {.epochs = 1});
  expect_invalid([&] { probe.predict(in.x[0].leftCols(2)); }, "features", "mmc::fusion::LinearProbe");
  expect_invalid([&] { probe.accuracy(in.x[0], mmc::Labels(in.y.head(3))); }, "labels",
                 "mmc::fusion::LinearProbe::accuracy");
}

TEST(FusionBadInput, Robustness) {
  Inputs in;
  auto model = fu::fit_late_fusion(in.x, in.y, tiny_options());
  const auto x = model.to_model_space(in.x);
  expect_invalid([&] { fu::perturb_missing(model, x, 2); }, "modality", "mmc::fusion::perturb_missing");
  expect_invalid([&] { fu::perturb_noisy(model, x, -1, 0.5, 0); }, "modality",
                 "mmc::fusion::perturb_noisy");
  expect_invalid([&] { fu::perturb_fgsm(model, x, in.y, 5, 0.03); }, "modality",
                 "mmc::fusion::perturb_fgsm");
  expect_invalid([&] { fu::perturb_noisy(model, x, 0, -0.5, 0); }, "sd", "mmc::fusion::perturb_noisy");
  expect_invalid([&] { fu::perturb_fgsm(model, x, in.y, 0, -1.0); }, "epsilon",
                 "mmc::fusion::perturb_fgsm");
  expect_invalid([&] { fu::perturb_fgsm(model, x, mmc::Labels(in.y.head(5)), 0, 0.03); }, "labels",
                 "mmc::fusion::LateFusion::loss_input_gradient");
  const std::vector<RowMatrix<float>> one_modality{x[0]};
  expect_invalid([&] { fu::perturb_missing(model, one_modality, 0); }, "modalities",
                 "mmc::fusion::LateFusion");
  const char* fn = "mmc::fusion::evaluate_robustness";
  expect_invalid([&] { fu::evaluate_robustness(model, in.x, in.y, {.noise_sd = -0.5}); },
                 "options.noise_sd", fn);
  expect_invalid([&] { fu::evaluate_robustness(model, in.x, in.y, {.epsilon = std::nan("")}); },
                 "options.epsilon", fn);
  mmc::Labels big = in.y;
  big(7) = 3;
  expect_invalid([&] { fu::evaluate_robustness(model, in.x, big); }, "labels", fn);
  expect_invalid([&] { fu::evaluate_robustness(model, std::vector<RowMatrix<double>>{in.x[1]}, in.y); },
                 "modalities", "mmc::fusion::LateFusion");
  fu::RobustnessExperimentOptions o;
  o.train = tiny_options();
  o.test_fraction = 1.0;
  expect_invalid([&] { fu::robustness_experiment(in.x, in.y, o); }, "options.test_fraction",
                 "mmc::fusion::robustness_experiment");
  o.test_fraction = 0.3;
  expect_invalid([&] { fu::robustness_experiment(in.x, mmc::Labels(in.y.head(3)), o); }, "labels",
                 "mmc::fusion::robustness_experiment");
}

TEST(FusionBadInput, AdvisorLazinessStrategies) {
  Inputs in;
  fu::AdvisorOptions a;
  a.train = tiny_options();
  a.z = -1.0;
  expect_invalid([&] { fu::advise(in.x, in.y, a); }, "options.z", "mmc::fusion::advise");
  a.z = 2.0;
  a.validation_fraction = 0.0;
  expect_invalid([&] { fu::advise(in.x, in.y, a); }, "options.validation_fraction",
                 "mmc::fusion::advise");
  a.validation_fraction = 0.3;
  expect_invalid([&] { fu::advise(std::vector<RowMatrix<double>>{in.x[0]}, in.y, a); }, "modalities",
                 "mmc::fusion::advise");
  fu::LazinessOptions l;
  l.train = tiny_options();
  l.test_fraction = -0.1;
  expect_invalid([&] { fu::measure_laziness(in.x, in.y, l); }, "options.test_fraction",
                 "mmc::fusion::measure_laziness");
  fu::StrategyOptions s;
  s.train = tiny_options();
  s.lambda = -2.0;
  expect_invalid([&] { fu::compare_strategies(in.x, in.y, s); }, "lambda",
                 "mmc::fusion::compare_strategies");
  s.lambda = 1.0;
  s.train.epochs = -1;
  expect_invalid([&] { fu::compare_strategies(in.x, in.y, s); }, "options.epochs",
                 "mmc::fusion::compare_strategies");
}

TEST(FusionBadInput, SplitsAndGenerator) {
  const char* split = "mmc::fusion::split_samples";
  expect_invalid([] { fu::split_samples(100, -0.1, 0.2, 0); }, "validation_fraction", split);
  expect_invalid([] { fu::split_samples(100, 0.2, 1.0, 0); }, "test_fraction", split);
  expect_invalid([] { fu::split_samples(3, 0.3, 0.3, 0); }, "n", split);
  const char* fn = "mmc::fusion::paired_features_task";
  const auto with = [&](auto change, const char* argument) {
    fu::PairedFeatureOptions o;
    change(o);
    expect_invalid([&] { fu::paired_features_task(o, 10, 0); }, argument, fn);
  };
  expect_invalid([] { fu::paired_features_task({}, 0, 0); }, "n", fn);
  with([](fu::PairedFeatureOptions& o) { o.strong[1] = -1; }, "strong[1]");
  with([](fu::PairedFeatureOptions& o) { o.interaction[0] = -2; }, "interaction[0]");
  with([](fu::PairedFeatureOptions& o) { o.paired_linear = -1; }, "paired_linear");
  with([](fu::PairedFeatureOptions& o) { o.rare_rate = 1.5; }, "rare_rate");
  with([](fu::PairedFeatureOptions& o) { o.weak_shift = -0.1; }, "weak_shift");
  with([](fu::PairedFeatureOptions& o) { o.paired_noise = 0.0; }, "paired_noise");
  with([](fu::PairedFeatureOptions& o) { o.nuisance_sd = std::nan(""); }, "nuisance_sd");
  with(
      [](fu::PairedFeatureOptions& o) {
        o.strong = {0, 0};
        o.weak = {0, 0};
        o.noise = {1, 0};
      },
      "noise[1]");
}

}  // namespace
