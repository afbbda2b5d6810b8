// fusion/ and the neural paths of the complementarity metric on a backend whose
// memory the host cannot read (tests/nn/guarded_backend.hpp): the check, on a
// machine without a GPU, that no code run on the CUDA backend dereferences a
// device pointer on the host (docs/design.md §4). A host read of backend memory
// crashes this test; where none happens, every result must be bit-identical to
// the CPU backend's with the same seed (same arithmetic, same alignment).
// Covered: late-fusion training, prediction and features; the robustness
// evaluation (missing, noisy, FGSM; standardized and input units); UME; UMT;
// the strategy comparison (advisor, linear probe); laziness; the runners of
// fusion/runner.hpp and metric/neural_backends.hpp (cene, mine); neural::Mine.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "../nn/guarded_backend.hpp"
#include "fusion_testing.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/laziness.hpp"
#include "mmc/fusion/robustness.hpp"
#include "mmc/fusion/runner.hpp"
#include "mmc/fusion/strategies.hpp"
#include "mmc/fusion/ume.hpp"
#include "mmc/fusion/umt.hpp"
#include "mmc/metric/neural_backends.hpp"
#include "mmc/neural/neural_mi.hpp"

namespace {

using mmc::Index;
using mmc::Labels;
using mmc::RowMatrix;
using mmc::fusion::ModalityList;
using mmc::fusion::testing::expect_same_values;
using mmc::fusion::testing::small_task;
using mmc::fusion::testing::tiny_options;
using Guarded = mmc::nn::testing::GuardedBackend<float>;
using Cpu = mmc::nn::CpuBackend<float>;

/// Every parameter of two models, and their training curves, exactly equal.
template <class A, class B>
void expect_same_model(const A& a, const B& b) {
  ASSERT_EQ(a.modalities(), b.modalities());
  for (Index m = 0; m < a.modalities(); ++m) {
    expect_same_values(a.encoder(m).get_parameters(), b.encoder(m).get_parameters());
  }
  expect_same_values(a.head().get_parameters(), b.head().get_parameters());
  EXPECT_EQ(a.history(), b.history());
}

void expect_same_robustness(const mmc::fusion::RobustnessResult& a, const mmc::fusion::RobustnessResult& b) {
  EXPECT_EQ(a.clean, b.clean);
  ASSERT_EQ(a.per_modality.size(), b.per_modality.size());
  for (std::size_t m = 0; m < a.per_modality.size(); ++m) {
    EXPECT_EQ(a.per_modality[m].missing, b.per_modality[m].missing);
    EXPECT_EQ(a.per_modality[m].noisy, b.per_modality[m].noisy);
    EXPECT_EQ(a.per_modality[m].adversarial, b.per_modality[m].adversarial);
  }
  EXPECT_EQ(a.robustness_missing, b.robustness_missing);
  EXPECT_EQ(a.robustness_noisy, b.robustness_noisy);
  EXPECT_EQ(a.robustness_adversarial, b.robustness_adversarial);
  EXPECT_EQ(a.units, b.units);
  EXPECT_EQ(a.samples, b.samples);
}

/// The probe's defaults (100 epochs) are for accuracy; these tests check paths.
mmc::fusion::ProbeOptions quick_probe() {
  mmc::fusion::ProbeOptions o;
  o.epochs = 3;
  o.seed = 4;
  return o;
}

TEST(GuardedBackend, HostReadOfBackendMemoryCrashes) {
  // The guard itself: outside the backend's operations its memory is
  // unreadable, inside them it holds what was uploaded.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Guarded backend;
  Guarded::Buffer buffer;
  backend.resize(buffer, 4);
  const std::vector<float> host{1.0f, 2.0f, 3.0f, 4.0f};
  backend.upload(host.data(), 4, {backend.data(buffer), 4, 1});
  std::vector<float> back(4);
  backend.download({backend.data(buffer), 4, 1}, back.data(), 4);
  EXPECT_EQ(back, host);
  volatile const float* device = backend.data(buffer);
  EXPECT_DEATH({ [[maybe_unused]] const float x = device[0]; }, "");
  EXPECT_EQ(backend.guarded([&] { return device[2]; }), 3.0f);
}

TEST(FusionBackends, LateFusionTrainingPredictionAndFeatures) {
  const auto task = small_task(150, 3);
  const auto o = tiny_options(5);
  auto cpu = mmc::fusion::fit_late_fusion<float>(task.modalities, task.labels, o);
  auto guarded = mmc::fusion::fit_late_fusion<float, Guarded>(task.modalities, task.labels, o);
  expect_same_model(cpu, guarded);
  expect_same_values(cpu.predict_proba(task.modalities), guarded.predict_proba(task.modalities));
  EXPECT_EQ(cpu.predict(task.modalities), guarded.predict(task.modalities));
  EXPECT_EQ(cpu.accuracy(task.modalities, task.labels), guarded.accuracy(task.modalities, task.labels));
  const ModalityList<float> x = cpu.to_model_space(task.modalities);
  for (Index m = 0; m < 2; ++m) {
    const auto i = static_cast<std::size_t>(m);
    expect_same_values(cpu.features(m, x[i]), guarded.features(m, x[i]));
  }
}

TEST(FusionBackends, RobustnessMissingNoisyAndFgsm) {
  const auto task = small_task(150, 4);
  auto o = tiny_options(6);
  o.head_hidden = {5};
  auto cpu = mmc::fusion::fit_late_fusion<float>(task.modalities, task.labels, o);
  auto guarded = mmc::fusion::fit_late_fusion<float, Guarded>(task.modalities, task.labels, o);
  const ModalityList<float> x = cpu.to_model_space(task.modalities);
  for (Index m = 0; m < 2; ++m) {
    const auto i = static_cast<std::size_t>(m);
    RowMatrix<float> g_cpu, g_guarded;
    EXPECT_EQ(cpu.loss_input_gradient(x, task.labels, m, g_cpu),
              guarded.loss_input_gradient(x, task.labels, m, g_guarded));
    expect_same_values(g_cpu, g_guarded);
    expect_same_values(mmc::fusion::perturb_fgsm(cpu, x, task.labels, m, 0.1)[i],
                       mmc::fusion::perturb_fgsm(guarded, x, task.labels, m, 0.1)[i]);
  }
  mmc::fusion::RobustnessOptions r;
  r.seed = 8;
  r.epsilon = 0.1;
  const mmc::fusion::InputRange range = mmc::fusion::input_range(task.modalities);
  for (const auto units : {mmc::fusion::PerturbationUnits::standardized, mmc::fusion::PerturbationUnits::input}) {
    r.units = units;
    expect_same_robustness(mmc::fusion::evaluate_robustness(cpu, task.modalities, task.labels, r, range),
                           mmc::fusion::evaluate_robustness(guarded, task.modalities, task.labels, r, range));
  }
  mmc::fusion::RobustnessExperimentOptions experiment;
  experiment.train = o;
  expect_same_robustness(mmc::fusion::robustness_experiment<float>(task.modalities, task.labels, experiment),
                         mmc::fusion::robustness_experiment<float, Guarded>(task.modalities, task.labels, experiment));
}

TEST(FusionBackends, UmeAndUmt) {
  const auto task = small_task(150, 5);
  const auto o = tiny_options(7);
  auto ume_cpu = mmc::fusion::fit_ume<float>(task.modalities, task.labels, o, {1.0, 2.0});
  auto ume_guarded = mmc::fusion::fit_ume<float, Guarded>(task.modalities, task.labels, o, {1.0, 2.0});
  expect_same_values(ume_cpu.predict_proba(task.modalities), ume_guarded.predict_proba(task.modalities));
  EXPECT_EQ(ume_cpu.accuracy(task.modalities, task.labels), ume_guarded.accuracy(task.modalities, task.labels));
  // UMT with teachers trained here, then given (their networks run, never train).
  auto umt_cpu = mmc::fusion::fit_umt<float>(task.modalities, task.labels, o, 0.7);
  auto umt_guarded = mmc::fusion::fit_umt<float, Guarded>(task.modalities, task.labels, o, 0.7);
  expect_same_model(umt_cpu, umt_guarded);
  auto teachers = mmc::fusion::fit_unimodal_models<float, Guarded>(task.modalities, task.labels, o);
  auto again = mmc::fusion::fit_umt(task.modalities, task.labels, teachers, o, 0.7);
  expect_same_model(umt_cpu, again);
  expect_same_values(umt_cpu.predict_proba(task.modalities), again.predict_proba(task.modalities));
}

TEST(FusionBackends, StrategiesAdvisorAndLaziness) {
  const auto task = small_task(200, 6);
  mmc::fusion::StrategyOptions s;
  s.train = tiny_options(9);
  s.train.head_hidden = {4};
  s.probe = quick_probe();
  const auto a = mmc::fusion::compare_strategies<float>(task.modalities, task.labels, s);
  const auto b = mmc::fusion::fusion_runner<Guarded>("guarded").compare_strategies(task.modalities, task.labels, s);
  EXPECT_EQ(a.naive, b.naive);
  EXPECT_EQ(a.ume, b.ume);
  EXPECT_EQ(a.umt, b.umt);
  EXPECT_EQ(a.unimodal, b.unimodal);
  EXPECT_EQ(a.advisor.linear_accuracy, b.advisor.linear_accuracy);
  EXPECT_EQ(a.advisor.ume_accuracy, b.advisor.ume_accuracy);
  EXPECT_EQ(a.advisor.recommendation, b.advisor.recommendation);
  mmc::fusion::LazinessOptions l;
  l.train = tiny_options(10);
  l.probe = quick_probe();
  const auto lazy_cpu = mmc::fusion::measure_laziness<float>(task.modalities, task.labels, l);
  const auto lazy_guarded = mmc::fusion::measure_laziness<float, Guarded>(task.modalities, task.labels, l);
  EXPECT_EQ(lazy_cpu.joint, lazy_guarded.joint);
  EXPECT_EQ(lazy_cpu.unimodal, lazy_guarded.unimodal);
}

TEST(FusionBackends, RunnerFitAndEvaluateRobustness) {
  const auto train = small_task(120, 7);
  const auto test = small_task(60, 8);
  const auto o = tiny_options(11);
  mmc::fusion::RobustnessOptions r;
  r.units = mmc::fusion::PerturbationUnits::input;
  const auto cpu = mmc::fusion::cpu_fusion_runner();
  const auto guarded = mmc::fusion::fusion_runner<Guarded>("guarded");
  EXPECT_EQ(guarded.device, "guarded");
  expect_same_robustness(
      cpu.fit_and_evaluate_robustness(train.modalities, train.labels, 2, o, test.modalities, test.labels, r),
      guarded.fit_and_evaluate_robustness(train.modalities, train.labels, 2, o, test.modalities, test.labels, r));
}

TEST(NeuralBackends, ComplementarityRunnersCeneAndMine) {
  const auto task = small_task(300, 9);
  const auto cpu = mmc::metric::cpu_neural_runner();
  const auto guarded = mmc::metric::neural_runner<Guarded>("guarded");
  mmc::neural::CeneOptions cene;
  cene.steps = 30;
  cene.batch = 64;
  cene.hidden = {8};
  cene.eval_interval = 10;
  cene.threads = 1;
  cene.classes = 2;
  const RowMatrix<float> condition = task.modalities[0].cast<float>();
  EXPECT_EQ(cpu.conditional_entropy(task.labels, condition, cene),
            guarded.conditional_entropy(task.labels, condition, cene));
  mmc::neural::NeuralMiOptions<mmc::neural::Bound::dv> mine;
  mine.steps = 30;
  mine.batch = 64;
  mine.hidden = {8};
  mine.eval_interval = 10;
  mine.threads = 1;
  const auto a = cpu.shared_critic(task.modalities, task.labels, 2, mine);
  const auto b = guarded.shared_critic(task.modalities, task.labels, 2, mine);
  EXPECT_EQ(a.joint, b.joint);
  EXPECT_EQ(a.without, b.without);
  EXPECT_EQ(a.steps, b.steps);
}

TEST(NeuralBackends, MineEstimate) {
  mmc::Rng rng(12, 0);
  const Index n = 400;
  RowMatrix<double> x(n, 2), y(n, 1);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = rng.normal();
    x(i, 1) = rng.normal();
    y(i, 0) = 0.8 * x(i, 0) + 0.6 * rng.normal();
  }
  mmc::neural::Mine<float>::Options o;
  o.steps = 40;
  o.batch = 64;
  o.hidden = {8, 8};
  o.eval_interval = 10;
  o.threads = 1;
  o.seed = 3;
  const auto a = mmc::neural::Mine<float>(o).estimate(x, y);
  const auto b = mmc::neural::Mine<float, Guarded>(o).estimate(x, y);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.train_estimate, b.train_estimate);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_FALSE(b.resident);
  // This translation unit gives the guarded backend no ResidentOps
  // (tests/neural/guarded_resident.hpp does): asking for the resident loop is
  // a clear error, the automatic choice the host loop.
  o.loop = mmc::neural::TrainingLoop::resident;
  EXPECT_THROW((mmc::neural::Mine<float, Guarded>(o).estimate(x, y)), std::invalid_argument);
}

}  // namespace
