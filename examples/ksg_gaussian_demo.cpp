// examples/ksg_gaussian_demo.cpp — the provisional main demo (scripts/demo runs
// it until `mmc demo` exists): KSG mutual information on generated correlated
// Gaussians, printed next to the closed-form truth.
//
// Data (docs/design.md §3.5): d independent pairs (x_i, y_i), each standard normal
// with correlation rho, so I(X;Y) = -(d/2) log(1 - rho^2) nats.
// Estimator: mmc::knn::Ksg, algorithm 1 (docs/design.md §3.1; Kraskov et al. 2004,
// eq. 8): I = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_y + 1) >.
//
// Usage: ksg_gaussian_demo [--n N] [--k K] [--seed S] [--out DIR]
//   --out DIR also writes the table to DIR/ksg_gaussian.csv.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/core/types.hpp>
#include <mmc/knn/ksg.hpp>
#include <string>

namespace {

// n samples of d pairs with correlation rho: y = rho x + sqrt(1 - rho^2) e.
void correlated_gaussians(mmc::Index n, mmc::Index d, double rho, mmc::Rng& rng,
                          mmc::RowMatrix<double>& x, mmc::RowMatrix<double>& y) {
  x.resize(n, d);
  y.resize(n, d);
  for (mmc::Index r = 0; r < n; ++r) {
    for (mmc::Index c = 0; c < d; ++c) {
      x(r, c) = rng.normal();
      y(r, c) = rho * x(r, c) + std::sqrt(1.0 - rho * rho) * rng.normal();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  long n = 5000, k = 3;
  unsigned long long seed = 0;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--n" && has_value) {
      n = std::atol(argv[++i]);
    } else if (arg == "--k" && has_value) {
      k = std::atol(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--out" && has_value) {
      out = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--n N] [--k K] [--seed S] [--out DIR]\n", argv[0]);
      return 2;
    }
  }
  if (n < 2) {
    std::fprintf(stderr, "%s: --n must be at least 2\n", argv[0]);
    return 2;
  }

  std::printf("KSG (algorithm 1, k = %ld) on correlated Gaussians, N = %ld, seed %llu\n", k, n,
              seed);
  std::printf("I(X;Y) = -(d/2) log(1 - rho^2) nats for d pairs with correlation rho\n\n");
  std::printf("%5s %4s %12s %12s %10s\n", "rho", "d", "estimate", "truth", "error");
  std::string csv = "rho,d,n,k,estimate,truth\n";
  mmc::knn::KsgOptions options;
  options.k = k;  // algorithm 1 is the default; threads = 0 uses every core
  mmc::Rng rng(seed);
  for (const double rho : {0.0, 0.5, 0.9}) {
    for (const mmc::Index d : {1, 2, 5}) {
      mmc::RowMatrix<double> x, y;
      correlated_gaussians(n, d, rho, rng, x, y);
      double estimate = 0;
      try {
        estimate = mmc::knn::Ksg(options).estimate(x, y).value;
      } catch (const mmc::invalid_argument& e) {  // e.g. k >= n: the message says what to change
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
      }
      const double truth = -0.5 * static_cast<double>(d) * std::log(1.0 - rho * rho) + 0.0;  // no -0
      std::printf("%5.2f %4ld %12.4f %12.4f %+10.4f\n", rho, static_cast<long>(d), estimate, truth,
                  estimate - truth);
      csv += std::to_string(rho) + "," + std::to_string(d) + "," + std::to_string(n) + "," +
             std::to_string(k) + "," + std::to_string(estimate) + "," + std::to_string(truth) + "\n";
    }
  }
  std::printf("\nKSG is biased low when the MI is large relative to log N, most visibly in\n"
              "higher dimensions (Kraskov et al. 2004, Gao et al. 2015): see rho = 0.9, d = 5.\n");
  if (!out.empty()) {
    std::filesystem::create_directories(out);
    const std::string path = out + "/ksg_gaussian.csv";
    std::ofstream file(path);
    file << csv;
    if (!file) {
      std::fprintf(stderr, "%s: cannot write %s\n", argv[0], path.c_str());
      return 1;
    }
    std::printf("\nwrote %s\n", path.c_str());
  }
  return 0;
}
