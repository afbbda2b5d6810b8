// examples/complementarity_example.cpp — how complementary are the modalities
// of *your* dataset? Load per-modality feature matrices (here from .npy/.csv
// files given on the command line, or a generated example), then ask mmc for
// Gamma_i = I(X_i; Y | X_-i), the metric C and the missing-modality bounds.
//
//   complementarity_example [image_features.npy text_features.npy labels.npy]
#include <cstdio>
#include <mmc/data/complementarity.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/metric/complementarity.hpp>
#include <vector>

int main(int argc, char** argv) {
  std::vector<mmc::RowMatrix<double>> modalities;
  mmc::Labels labels;
  if (argc == 4) {
    modalities.push_back(mmc::data::read_matrix(argv[1]));
    modalities.push_back(mmc::data::read_matrix(argv[2]));
    labels = mmc::data::read_labels(argv[3]);
  } else {
    // The paper's controlled-complementarity data (alpha = 0.4: fairly complementary).
    mmc::data::SyntheticOptions synthetic;
    synthetic.alpha = 0.4;
    auto task = mmc::data::synthetic_task(synthetic, 5000, /*seed=*/1);
    modalities = std::move(task.modalities);
    labels = std::move(task.labels);
  }

  mmc::metric::ComplementarityOptions options;
  options.backend = mmc::metric::Backend::knn;  // or cene, mine (neural, slower)
  options.bootstrap = 50;                       // 95 % intervals
  options.seed = 0;
  const auto result = mmc::metric::Complementarity(options).estimate(modalities, labels);

  std::printf("C = %.3f  [%.3f, %.3f]   (C_H = %.3f)\n", result.metric,
              result.metric_interval.lower, result.metric_interval.upper, result.metric_h);
  for (std::size_t m = 0; m < result.gamma.size(); ++m) {
    std::printf("Gamma_%zu = %.3f nats; Bayes error if it goes missing in [%.3f, %.3f]\n", m,
                result.gamma[m], result.bounds[m].error_lower, result.bounds[m].error_upper);
  }
  std::printf("I(X_all;Y) = %.3f  H(Y) = %.3f  interaction = %.3f nats\n", result.joint_mi,
              result.h_y, result.interaction);
  return 0;
}
