// examples/knn_basics.cpp — the smallest useful mmc program: KSG mutual
// information and Kozachenko–Leonenko entropy of an Eigen matrix you already
// have. Copy it, replace the data, build with
//   g++ -std=c++20 -O2 -I/path/to/mmc/include -I/usr/include/eigen3 knn_basics.cpp -pthread
#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <mmc/core/rng.hpp>
#include <mmc/knn/kl_entropy.hpp>
#include <mmc/knn/ksg.hpp>

int main() {
  // Your data: one sample per row. Here, 5000 correlated Gaussian pairs.
  const Eigen::Index n = 5000;
  const double rho = 0.8;
  mmc::Rng rng(42);
  Eigen::MatrixXd x(n, 1), y(n, 1);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i, 0) = rng.normal();
    y(i, 0) = rho * x(i, 0) + std::sqrt(1 - rho * rho) * rng.normal();
  }

  // KSG algorithm 1 with k = 3 neighbours (the defaults); values are in nats.
  mmc::knn::KsgOptions ksg_options;
  ksg_options.k = 3;
  const mmc::knn::KnnResult mi = mmc::knn::Ksg(ksg_options).estimate(x, y);
  std::printf("I(X;Y) KSG-1 = %.4f nats (truth %.4f), %.4f bits\n", mi.value,
              -0.5 * std::log(1 - rho * rho), mmc::to_bits(mi.value));

  // Differential entropy of x (Euclidean-norm KL estimator).
  mmc::knn::KlEntropyOptions kl_options;
  kl_options.norm = mmc::Norm::euclidean;
  const auto h = mmc::knn::KlEntropy(kl_options).estimate(x);
  std::printf("H(X) KL = %.4f nats (truth %.4f)\n", h.value, 0.5 * std::log(2 * M_PI * M_E));

  // Per-sample local values are in mi.local (their mean is mi.value).
  std::printf("first local KSG values: %.3f %.3f %.3f\n", mi.local(0), mi.local(1), mi.local(2));
  return 0;
}
