// examples/mine_example.cpp — MINE (docs/design.md §3.2) on your own matrices, with a
// progress callback that prints the training curve and can stop training.
//
// Usage: mine_example [X.npy|X.csv Y.npy|Y.csv] [--steps S] [--seed S]
//   With two files: I(X;Y) between their rows (one sample per row, the same
//   number of rows). Without files: a demo pair of correlated Gaussians with
//   I = 1 nat. Prints the held-out estimate, the train estimate and the steps.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/core/types.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/neural/neural_mi.hpp>

int main(int argc, char** argv) {
  std::vector<std::string> files;
  long steps = 0;
  unsigned long long seed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--steps" && i + 1 < argc) {
      steps = std::atol(argv[++i]);
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      files.push_back(arg);
    }
  }
  try {
    mmc::RowMatrix<double> x, y;
    if (files.size() == 2) {
      x = mmc::data::read_matrix(files[0]);
      y = mmc::data::read_matrix(files[1]);
    } else if (files.empty()) {
      // y = rho x + sqrt(1 - rho^2) e with I = -0.5 log(1 - rho^2) = 1 nat.
      const double rho = std::sqrt(1.0 - std::exp(-2.0));
      mmc::Rng rng(seed, 0);
      x.resize(10000, 1);
      y.resize(10000, 1);
      for (mmc::Index i = 0; i < x.rows(); ++i) {
        x(i, 0) = rng.normal();
        y(i, 0) = rho * x(i, 0) + std::sqrt(1.0 - rho * rho) * rng.normal();
      }
      std::printf("demo data: 10000 correlated Gaussian pairs, true I = 1 nat\n");
    } else {
      std::fprintf(stderr, "usage: mine_example [X.npy Y.npy] [--steps S] [--seed S]\n");
      return 2;
    }

    mmc::neural::Mine<>::Options options;  // float, CPU backend, defaults of docs/estimators/mine.md
    if (steps > 0) options.steps = steps;
    options.seed = seed;
    options.progress = [](const mmc::neural::Progress& p) {
      if (!std::isnan(p.heldout)) {  // an evaluation step
        std::fprintf(stderr, "step %5ld/%ld  batch %.3f  held-out %.3f nats\n",
                     static_cast<long>(p.step), static_cast<long>(p.steps), p.train_estimate,
                     p.heldout);
      }
      // Return ProgressAction::stop to end training early (e.g. on Ctrl-C).
      return mmc::neural::ProgressAction::proceed;
    };
    const auto result = mmc::neural::Mine<>(options).estimate(x, y);
    std::printf("MINE: I(X;Y) = %.4f nats (%.4f bits) on %ld held-out samples\n", result.value,
                mmc::to_bits(result.value), static_cast<long>(result.n_heldout));
    std::printf("      train estimate %.4f, %ld steps, %.1f s\n", result.train_estimate,
                static_cast<long>(result.steps), result.seconds);
  } catch (const mmc::training_error& e) {
    std::fprintf(stderr, "training diverged: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
