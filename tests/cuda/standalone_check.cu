// Standalone driver of the CPU-vs-CUDA comparisons (cuda_cases.cuh,
// mlp_cases.cuh, neural_cases.cuh) for machines without GoogleTest:
// scripts/gpu-check builds it with one nvcc command line. Prints the device,
// then one line per check:
//     PASS gemm  (error 2.1e-07 <= tolerance 1e-04)
//            worst: <the sub-check that gave the error>
// and a summary. Exit status: 0 all passed, 1 a check failed or threw,
// 77 no CUDA device (the "skipped" code of Meson and Automake).
//
// Usage: standalone_check [NAME_SUBSTRING]   (runs only the checks whose name
// contains it)
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cuda_cases.cuh"
#include "mlp_cases.cuh"
#include "neural_cases.cuh"
#include "mmc/cuda/device.cuh"

int main(int argc, char** argv) {
  const std::string filter = argc > 1 ? argv[1] : "";
  const mmc::cuda::DeviceStatus status = mmc::cuda::device_status();
  if (!status.available()) {
    std::printf("no CUDA device: %s\nSKIPPED: all checks need a GPU.\n", status.reason.c_str());
    return 77;
  }
  int driver = 0, runtime = 0, device = 0;
  (void)cudaDriverGetVersion(&driver);
  (void)cudaRuntimeGetVersion(&runtime);
  (void)cudaGetDevice(&device);
  std::printf("device %d of %d: %s; driver %d, runtime %d\n", device, status.count,
              mmc::cuda::device_description(device).c_str(), driver, runtime);

  std::vector<mmc::cuda::testing::Case> cases = mmc::cuda::testing::backend_cases();
  for (auto& c : mmc::cuda::testing::mlp_cases()) cases.push_back(std::move(c));
  for (auto& c : mmc::cuda::testing::neural_cases()) cases.push_back(std::move(c));
  int passed = 0, failed = 0;
  for (const auto& c : cases) {
    if (c.name.find(filter) == std::string::npos) continue;
    try {
      const auto r = c.run();
      const bool ok = r.passed();
      (ok ? passed : failed) += 1;
      std::printf("%s %-36s (error %.2e %s tolerance %.0e)\n       worst: %s\n",
                  ok ? "PASS" : "FAIL", c.name.c_str(), r.error, ok ? "<=" : ">", r.tolerance,
                  r.detail.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %-36s threw: %s\n", c.name.c_str(), e.what());
    }
    std::fflush(stdout);
  }
  std::printf("standalone_check: %d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
