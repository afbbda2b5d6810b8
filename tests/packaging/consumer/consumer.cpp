// The consumer program of the packaging test: includes only <mmc/mmc.hpp>,
// as a user would, and checks a few results (a special function, the kd-tree
// against brute force, a KSG estimate against the closed form) so that a
// broken install (wrong include path, missing header, stale copy) fails loudly.
#include <mmc/mmc.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  int failures = 0;
  // psi(1) = -Euler's gamma.
  if (std::fabs(mmc::digamma(1.0) + 0.57721566490153286) > 1e-14) {
    std::puts("digamma(1) is wrong");
    ++failures;
  }
  // The max-norm kd-tree agrees with the brute-force oracle on random points.
  constexpr mmc::Index n = 300, d = 3, k = 4;
  mmc::Rng rng(1);
  std::vector<double> points(n * d);
  for (auto& v : points) v = rng.normal();
  const mmc::neighbors::Searcher<double> tree(points.data(), n, d);
  const mmc::neighbors::BruteForce<double> brute(points.data(), n, d, mmc::Norm::max);
  std::vector<double> tree_dist(k), brute_dist(k);
  std::vector<mmc::Index> tree_index(k), brute_index(k);
  for (mmc::Index i = 0; i < n; ++i) {
    const double* q = &points[i * d];
    tree.knn(q, k, i, tree_dist.data(), tree_index.data());
    brute.knn(q, k, i, brute_dist.data(), brute_index.data());
    if (tree_index != brute_index || tree_dist != brute_dist) {
      std::printf("neighbours of point %ld differ from brute force\n", static_cast<long>(i));
      ++failures;
    }
  }
  // A real estimator: KSG on a correlated Gaussian pair, I = -log(1 - rho^2)/2.
  // The KSG standard deviation at N = 2000 is ~0.02 nats; 0.1 only guards
  // against a broken build, accuracy is tested in tests/knn.
  constexpr mmc::Index samples = 2000;
  constexpr double rho = 0.6;
  Eigen::MatrixXd x(samples, 1), y(samples, 1);
  for (mmc::Index i = 0; i < samples; ++i) {
    x(i, 0) = rng.normal();
    y(i, 0) = rho * x(i, 0) + std::sqrt(1 - rho * rho) * rng.normal();
  }
  const double truth = -0.5 * std::log(1 - rho * rho);
  const double estimate = mmc::knn::Ksg().estimate(x, y).value;
  if (!(std::fabs(estimate - truth) < 0.1)) {
    std::printf("KSG estimate %.4f is far from the truth %.4f\n", estimate, truth);
    ++failures;
  }
  std::printf("mmc consumer: kd-tree == brute force on %ld points: %s; KSG %.4f (truth %.4f)\n",
              static_cast<long>(n), failures == 0 ? "yes" : "NO", estimate, truth);
  return failures == 0 ? 0 : 1;
}
