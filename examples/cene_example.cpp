// examples/cene_example.cpp — CENE (docs/design.md §3.3) on labelled data: the label
// entropy H(Y), the conditional entropy H(Y|X) left after seeing the features,
// and their difference I(X;Y) = H(Y) - H(Y|X) (DoE), all in nats.
//
// Usage: cene_example [FEATURES.npy|.csv LABELS.npy|.csv] [--seed S]
//   Labels are integers 0..C-1, one per row of FEATURES. Without files: a demo
//   with 3 Gaussian classes in 2-D whose means are 2 standard deviations apart.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <mmc/core/rng.hpp>
#include <mmc/core/types.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/neural/cene.hpp>

int main(int argc, char** argv) {
  std::vector<std::string> files;
  unsigned long long seed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      files.push_back(arg);
    }
  }
  try {
    mmc::RowMatrix<double> features;
    mmc::Labels labels;
    if (files.size() == 2) {
      features = mmc::data::read_matrix(files[0]);
      labels = mmc::data::read_labels(files[1]);
    } else if (files.empty()) {
      const double means[3][2] = {{0.0, 0.0}, {2.0, 0.0}, {1.0, 1.7}};
      mmc::Rng rng(seed, 0);
      features.resize(6000, 2);
      labels.resize(6000);
      for (mmc::Index i = 0; i < features.rows(); ++i) {
        labels(i) = static_cast<int>(rng.uniform_int(3));
        features(i, 0) = means[labels(i)][0] + rng.normal();
        features(i, 1) = means[labels(i)][1] + rng.normal();
      }
      std::printf("demo data: 6000 samples of 3 overlapping Gaussian classes (H(Y) = log 3 = 1.0986)\n");
    } else {
      std::fprintf(stderr, "usage: cene_example [FEATURES.npy LABELS.npy] [--seed S]\n");
      return 2;
    }

    mmc::neural::CeneOptions options;  // defaults of docs/estimators/cene.md
    options.seed = seed;
    const mmc::neural::Cene<> cene(options);
    const auto h_y = cene.estimate(labels);                   // empty condition: H(Y)
    const auto h_y_given_x = cene.estimate(labels, features);  // softmax classifier on X
    std::printf("H(Y)   = %.4f nats (%ld classes)\n", h_y.value, static_cast<long>(h_y.classes));
    std::printf("H(Y|X) = %.4f nats (held-out cross-entropy, %ld steps, best at step %ld)\n",
                h_y_given_x.value, static_cast<long>(h_y_given_x.steps),
                static_cast<long>(h_y_given_x.best_step));
    std::printf("I(X;Y) = H(Y) - H(Y|X) = %.4f nats\n", h_y.value - h_y_given_x.value);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
