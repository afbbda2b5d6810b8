// The program of the CMake packaging check: everything it needs (include path,
// C++20, Eigen, threads) must come from the mmc::mmc target alone. It includes
// one estimator rather than all of <mmc/mmc.hpp> (a fifth of the compile time;
// the pkg-config check covers the whole umbrella header) and checks a KSG
// estimate against the closed form and the header version against the package.
#include <mmc/core/rng.hpp>
#include <mmc/knn/ksg.hpp>
#include <mmc/version.hpp>

#include <cmath>
#include <cstdio>
#include <string_view>

int main() {
  int failures = 0;
  if (mmc::version().string != std::string_view(MMC_EXPECTED_VERSION)) {
    std::printf("headers are mmc %s, the package says %s\n", MMC_VERSION_STRING, MMC_EXPECTED_VERSION);
    ++failures;
  }
  // KSG on a correlated Gaussian pair, I = -log(1 - rho^2)/2; the KSG standard
  // deviation at N = 2000 is ~0.02 nats, 0.1 only guards against a broken build.
  constexpr mmc::Index samples = 2000;
  constexpr double rho = 0.6;
  mmc::Rng rng(7);
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
  std::printf("mmc %s CMake consumer: KSG %.4f (truth %.4f): %s\n", MMC_VERSION_STRING,
              estimate, truth, failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
