// The AVX-512 SGEMM of the CPU backend (nn/detail/avx512_gemm.hpp) against
// its scalar statement, reference_gemm, bit for bit: the packings (both
// transposes of both operands, edge panels, strided views), the chunked sums
// (depths below, at and past kKc), overwrite and accumulate, every alpha; then
// CpuBackend<float>::gemm through it (cut into column or row blocks, 1-3
// threads) against the same reference, narrow products through Eigen's kernel
// instead (avx512::preferred), and gemm without heap allocations once its
// buffers have grown; the reference against a long-double oracle. The fused
// operations (gemm_bias_activation, gemm_activation_backward: the element-wise
// pass applied in the kernel's store; gemm_sum_columns: bias sums taken while
// op(a) is packed) against the GEMM and the separate pass, bit for bit, alone
// and in a whole MLP step.
//
// The other tests are compiled without AVX-512 (tests/meson.build), so this
// program is built with it on where the build machine has it, and skips
// otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <cstring>

#include "allocation_counter.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/mlp.hpp"
#include "nn_testing.hpp"

namespace {

using mmc_test_alloc::g_allocations;
using mmc_test_alloc::g_counting;
using mmc::Index;
using mmc::nn::Activation;
using mmc::nn::CpuBackend;
using mmc::nn::Trans;
using mmc::nn::testing::random_matrix;
namespace kernel = mmc::nn::detail::avx512;
using Mat = Eigen::MatrixXf;

#define MMC_REQUIRE_AVX512_GEMM()                                                                   \
  do {                                                                                              \
    if (!MMC_NN_AVX512_GEMM) GTEST_SKIP() << "built without AVX-512F: the backend uses Eigen's kernel"; \
  } while (0)

struct Shape {
  Index m, n, k;
};
// Edge panels in every direction (m, n not multiples of kMr = 32, kNr = 12;
// m below 16, between 16 and 32), depths below, at and past kKc = 256 (two and
// three chunks, the last one short), the MLP's products, and k = 10 (an input
// layer).
const Shape kShapes[] = {{1, 1, 1},     {5, 3, 7},      {17, 13, 29},  {32, 12, 256}, {33, 25, 257},
                         {64, 24, 600}, {70, 50, 513},  {256, 37, 10}, {256, 128, 256}, {100, 130, 1030}};

#if MMC_NN_AVX512_GEMM
/// Packs op(a) and runs gemm_packed_a on c, as the backend does for one block.
void kernel_gemm(bool ta, bool tb, Index m, Index n, Index k, float alpha, const Mat& a, const Mat& b, Mat& c,
                 Index ldc, bool overwrite) {
  std::vector<float, Eigen::aligned_allocator<float>> packed_a(static_cast<std::size_t>(kernel::packed_a_size(m, k)));
  std::vector<float, Eigen::aligned_allocator<float>> scratch(static_cast<std::size_t>(kernel::packed_b_size(n, k)));
  ASSERT_EQ(reinterpret_cast<std::uintptr_t>(packed_a.data()) % 64, 0u);
  ASSERT_EQ(reinterpret_cast<std::uintptr_t>(scratch.data()) % 64, 0u);
  for (Index panel = 0; panel < kernel::row_panels(m); ++panel)
    kernel::pack_a_panel(ta, a.data(), a.rows(), m, k, panel, packed_a.data());
  kernel::gemm_packed_a(packed_a.data(), m, k, tb, n, alpha, b.data(), b.rows(), c.data(), ldc, overwrite,
                        scratch.data());
}
#endif

TEST(NnAvx512Gemm, KernelEqualsItsScalarStatementBitForBit) {
  MMC_REQUIRE_AVX512_GEMM();
#if MMC_NN_AVX512_GEMM
  for (const Shape s : kShapes) {
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (bool overwrite : {false, true})
          for (float alpha : {1.0f, -0.7f}) {
            // Operands with 3 spare rows (strided views), c inside a taller matrix
            // whose rows past m must stay untouched.
            const Mat a = random_matrix<Mat>((ta ? s.k : s.m) + 3, ta ? s.m : s.k, 11);
            const Mat b = random_matrix<Mat>((tb ? s.n : s.k) + 3, tb ? s.k : s.n, 12);
            const Mat c0 = random_matrix<Mat>(s.m + 5, s.n, 13);
            Mat expected = c0, c = c0;
            kernel::reference_gemm(ta, tb, s.m, s.n, s.k, alpha, a.data(), a.rows(), b.data(), b.rows(),
                                   expected.data(), expected.rows(), overwrite);
            kernel_gemm(ta, tb, s.m, s.n, s.k, alpha, a, b, c, c.rows(), overwrite);
            ASSERT_EQ(c, expected) << s.m << "x" << s.n << "x" << s.k << " ta " << ta << " tb " << tb
                                   << " overwrite " << overwrite << " alpha " << alpha;
          }
  }
#endif
}

TEST(NnAvx512Gemm, ReferenceIsAnAccurateProduct) {
  // The oracle itself against a long-double triple loop: chunked float sums
  // stay within k * eps * sum |a||b| (the usual bound; seen ~1e-6 relative).
  const Index m = 40, n = 30, k = 700;
  const Mat a = random_matrix<Mat>(m, k, 21), b = random_matrix<Mat>(k, n, 22);
  Mat c = Mat::Zero(m, n);
  kernel::reference_gemm(false, false, m, n, k, 1.0f, a.data(), m, b.data(), k, c.data(), m, true);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i) {
      long double exact = 0, magnitude = 0;
      for (Index p = 0; p < k; ++p) {
        exact += static_cast<long double>(a(i, p)) * b(p, j);
        magnitude += std::fabs(static_cast<long double>(a(i, p)) * b(p, j));
      }
      EXPECT_LE(std::fabs(static_cast<long double>(c(i, j)) - exact),
                static_cast<long double>(k) * std::numeric_limits<float>::epsilon() * magnitude)
          << i << "," << j;
    }
}

TEST(NnAvx512Gemm, BackendGemmEqualsTheReferenceForAnyThreadCount) {
  MMC_REQUIRE_AVX512_GEMM();
  // Cut along columns (n >= m: blocks share the packed op(a); last block
  // short), along rows (m > n: every block packs its rows), one small block,
  // and a weight-gradient-like depth (k = 1030: four chunks, the last short).
  const Shape shapes[] = {{200, 300, 70}, {300, 70, 200}, {20, 30, 40}, {64, 200, 1030}, {250, 1000, 10}};
  for (const Shape s : shapes) {
    for (Trans ta : {Trans::no, Trans::yes})
      for (Trans tb : {Trans::no, Trans::yes})
        for (float beta : {0.0f, 1.0f, 0.25f}) {
          const bool ya = ta == Trans::yes, yb = tb == Trans::yes;
          const Mat a = random_matrix<Mat>(ya ? s.k : s.m, ya ? s.m : s.k, 31);
          const Mat b = random_matrix<Mat>(yb ? s.n : s.k, yb ? s.k : s.n, 32);
          const Mat c0 = random_matrix<Mat>(s.m, s.n, 33);
          Mat expected = c0;
          if (beta != 0.0f && beta != 1.0f) expected *= beta;
          kernel::reference_gemm(ya, yb, s.m, s.n, s.k, 0.7f, a.data(), a.rows(), b.data(), b.rows(),
                                 expected.data(), s.m, beta == 0.0f);
          for (int threads : {1, 2, 3}) {
            Mat c = c0;
            CpuBackend<float>(threads).gemm(ta, tb, 0.7f, mmc::nn::view(a), mmc::nn::view(b), beta,
                                            mmc::nn::view(c));
            ASSERT_EQ(c, expected) << s.m << "x" << s.n << "x" << s.k << " ta " << ya << " tb " << yb << " beta "
                                   << beta << ", " << threads << " threads";
          }
        }
  }
}

TEST(NnAvx512Gemm, NarrowProductsKeepEigensKernel) {
  MMC_REQUIRE_AVX512_GEMM();
  // c with 16 rows or fewer, or fewer than 8 columns (avx512::preferred is
  // false): the backend runs Eigen's serial kernel on each block of
  // kGemmGrain columns, so its bits are those of gemm_accumulate per block.
  // Shapes: 8 and 16 rows cut into column blocks, 2 columns in one block.
  const Shape shapes[] = {{8, 1024, 256}, {16, 300, 500}, {256, 2, 1024}};
  for (const Shape s : shapes) {
    ASSERT_FALSE(kernel::preferred(s.m, s.n));
    for (Trans ta : {Trans::no, Trans::yes})
      for (Trans tb : {Trans::no, Trans::yes}) {
        const bool ya = ta == Trans::yes, yb = tb == Trans::yes;
        const Mat a = random_matrix<Mat>(ya ? s.k : s.m, ya ? s.m : s.k, 51);
        const Mat b = random_matrix<Mat>(yb ? s.n : s.k, yb ? s.k : s.n, 52);
        const bool split = 2.0 * double(s.m) * double(s.n) * double(s.k) >= CpuBackend<float>::kMinParallelFlops;
        ASSERT_TRUE(!split || s.n >= s.m) << "the oracle below cuts along columns only";
        const Index grain = split ? CpuBackend<float>::kGemmGrain : s.n;
        Mat expected = Mat::Zero(s.m, s.n);
        mmc::nn::testing::serial_kernel_by_column_blocks<float>(ya, yb, s.m, s.n, s.k, 0.7f, a, b, grain,
                                                                 expected.data());
        for (int threads : {1, 2}) {
          Mat c = Mat::Constant(s.m, s.n, 5.0f);
          CpuBackend<float>(threads).gemm(ta, tb, 0.7f, mmc::nn::view(a), mmc::nn::view(b), 0.0f, mmc::nn::view(c));
          ASSERT_EQ(c, expected) << s.m << "x" << s.n << "x" << s.k << " ta " << ya << " tb " << yb << ", "
                                 << threads << " threads";
        }
      }
  }
}

/// Same bits, NaNs included (Mat's == is false for NaN).
bool same_bits(const Mat& x, const Mat& y) {
  return x.rows() == y.rows() && x.cols() == y.cols() &&
         std::memcmp(x.data(), y.data(), sizeof(float) * static_cast<std::size_t>(x.size())) == 0;
}

// Column blocks, row blocks, one block, a depth of several chunks (the pass is
// applied with the last one), edge panels; inputs with a NaN (it must stay a
// NaN through the ReLU) and a gate with zeros, negatives and a NaN (all gate
// the gradient to 0). identity/ReLU take the fused store; tanh and ELU the
// GEMM and the pass, and must match too.
TEST(NnAvx512Gemm, FusedPassesEqualTheGemmFollowedByThePassBitForBit) {
  MMC_REQUIRE_AVX512_GEMM();
  const Shape shapes[] = {{256, 1024, 256}, {300, 70, 200}, {33, 25, 257}, {256, 1024, 10}, {64, 200, 1030}};
  for (const Shape s : shapes) {
    for (Trans ta : {Trans::no, Trans::yes}) {
      const bool ya = ta == Trans::yes;
      Mat a = random_matrix<Mat>(ya ? s.k : s.m, ya ? s.m : s.k, 61);
      a(0, 0) = std::numeric_limits<float>::quiet_NaN();
      const Mat b = random_matrix<Mat>(s.k, s.n, 62);
      const Mat bias = random_matrix<Mat>(s.m, 1, 63);
      Mat gate = random_matrix<Mat>(s.m, s.n, 64);
      gate(1, 0) = 0.0f;
      gate(2, 1 % s.n) = std::numeric_limits<float>::quiet_NaN();
      gate(3 % s.m, 2 % s.n) = -0.0f;
      for (Activation f : {Activation::identity, Activation::relu, Activation::tanh, Activation::elu}) {
        Mat forward_expected = Mat::Constant(s.m, s.n, 9.0f), backward_expected = forward_expected;
        CpuBackend<float> serial(1);
        serial.gemm(ta, Trans::no, 0.7f, mmc::nn::view(a), mmc::nn::view(b), 0.0f, mmc::nn::view(forward_expected));
        serial.bias_activation(f, mmc::nn::view(bias), mmc::nn::view(forward_expected));
        serial.gemm(ta, Trans::no, 0.7f, mmc::nn::view(a), mmc::nn::view(b), 0.0f, mmc::nn::view(backward_expected));
        serial.activation_backward(f, mmc::nn::view(gate), mmc::nn::view(backward_expected));
        ASSERT_TRUE(std::isnan(forward_expected(0, 0)));
        for (int threads : {1, 2, 3}) {
          Mat forward = Mat::Constant(s.m, s.n, 7.0f), backward = forward;
          CpuBackend<float> backend(threads);
          backend.gemm_bias_activation(ta, Trans::no, 0.7f, mmc::nn::view(a), mmc::nn::view(b), mmc::nn::view(bias),
                                       f, mmc::nn::view(forward));
          backend.gemm_activation_backward(ta, Trans::no, 0.7f, mmc::nn::view(a), mmc::nn::view(b), f,
                                           mmc::nn::view(gate), mmc::nn::view(backward));
          const auto where = [&] {
            return std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) + " ta " +
                   std::to_string(ya) + " f " + std::to_string(int(f)) + ", " + std::to_string(threads) +
                   " threads";
          };
          ASSERT_TRUE(same_bits(forward, forward_expected)) << "gemm_bias_activation " << where();
          ASSERT_TRUE(same_bits(backward, backward_expected)) << "gemm_activation_backward " << where();
        }
      }
    }
  }
}

// Weight and bias gradients in one call (gemm_sum_columns: the row sums of a
// taken while the kernel packs it): the bits of gemm then sum_columns, for
// column blocks (shared packing), row blocks (each packs its rows), one
// block, several chunks, edge panels; overwrite, accumulate and a scaled beta.
TEST(NnAvx512Gemm, GemmWithRowSumsEqualsGemmThenSumColumnsBitForBit) {
  MMC_REQUIRE_AVX512_GEMM();
  const Shape shapes[] = {{256, 256, 1024}, {300, 70, 200}, {33, 25, 257}, {256, 10, 1024}, {40, 30, 20}};
  for (const Shape s : shapes) {
    for (Trans tb : {Trans::no, Trans::yes}) {
      const bool yb = tb == Trans::yes;
      const Mat a = random_matrix<Mat>(s.m, s.k, 81);
      const Mat b = random_matrix<Mat>(yb ? s.n : s.k, yb ? s.k : s.n, 82);
      const Mat c0 = random_matrix<Mat>(s.m, s.n, 83), sums0 = random_matrix<Mat>(s.m, 1, 84);
      for (float beta : {0.0f, 1.0f, 0.25f}) {
        Mat c_expected = c0, sums_expected = sums0;
        CpuBackend<float> serial(1);
        serial.gemm(Trans::no, tb, 0.7f, mmc::nn::view(a), mmc::nn::view(b), beta, mmc::nn::view(c_expected));
        serial.sum_columns(mmc::nn::view(a), beta, mmc::nn::view(sums_expected));
        for (int threads : {1, 2, 3}) {
          Mat c = c0, sums = sums0;
          CpuBackend<float>(threads).gemm_sum_columns(tb, 0.7f, mmc::nn::view(a), mmc::nn::view(b), beta,
                                                      mmc::nn::view(c), mmc::nn::view(sums));
          ASSERT_TRUE(same_bits(c, c_expected)) << s.m << "x" << s.n << "x" << s.k << " tb " << yb << " beta "
                                                << beta << ", " << threads << " threads";
          ASSERT_TRUE(same_bits(sums, sums_expected)) << s.m << "x" << s.n << "x" << s.k << " tb " << yb
                                                      << " beta " << beta << ", " << threads << " threads";
        }
      }
    }
  }
}

/// CpuBackend<float> without its fused operations: nn::Dense then runs the
/// GEMM and the element-wise pass separately.
struct UnfusedCpuBackend : CpuBackend<float> {
  using CpuBackend<float>::CpuBackend;
  template <class... Args>
  void gemm_bias_activation(Args&&...) const = delete;
  template <class... Args>
  void gemm_activation_backward(Args&&...) const = delete;
  template <class... Args>
  void gemm_sum_columns(Args&&...) const = delete;
};

template <class B>
constexpr bool has_fused_forward = requires(const B& b, mmc::nn::MatrixRef<float> m) {
  b.gemm_bias_activation(Trans::no, Trans::no, 1.0f, m, m, m, Activation::relu, m);
};

// A whole training step of a ReLU critic (the MINE shape, and a batch with
// edge panels): outputs, parameter gradients and the input gradient are the
// same bits with and without the fused operations.
TEST(NnAvx512Gemm, MlpStepWithFusedPassesEqualsTheUnfusedStep) {
  MMC_REQUIRE_AVX512_GEMM();
  static_assert(has_fused_forward<CpuBackend<float>> && !has_fused_forward<UnfusedCpuBackend>);
  for (const Index batch : {Index(1024), Index(77)}) {
    const Mat x = random_matrix<Mat>(10, batch, 71), d_out = random_matrix<Mat>(1, batch, 72);
    mmc::nn::Mlp<float> fused({10, 256, 256, 1}, Activation::relu, 5, CpuBackend<float>(2));
    mmc::nn::Mlp<float, UnfusedCpuBackend> unfused({10, 256, 256, 1}, Activation::relu, 5, UnfusedCpuBackend(2));
    for (int step = 0; step < 2; ++step) {  // the second step after one SGD-like move of the weights
      const auto yf = fused.forward(mmc::nn::view(x));
      const auto yu = unfused.forward(mmc::nn::view(x));
      ASSERT_TRUE(same_bits(Mat(as_eigen(yf)), Mat(as_eigen(yu)))) << "batch " << batch << " step " << step;
      fused.backward(mmc::nn::view(d_out), {.input_gradient = true});
      unfused.backward(mmc::nn::view(d_out), {.input_gradient = true});
      if (step == 1) {  // gradients of a second loss added to the first
        fused.backward(mmc::nn::view(d_out), {.input_gradient = true, .accumulate = true});
        unfused.backward(mmc::nn::view(d_out), {.input_gradient = true, .accumulate = true});
      }
      ASSERT_TRUE(same_bits(Mat(as_eigen(fused.gradients())), Mat(as_eigen(unfused.gradients()))))
          << "batch " << batch << " step " << step;
      ASSERT_TRUE(same_bits(Mat(as_eigen(fused.input_gradient())), Mat(as_eigen(unfused.input_gradient()))))
          << "batch " << batch << " step " << step;
      as_eigen(fused.parameters()) -= 0.01f * as_eigen(fused.gradients());
      as_eigen(unfused.parameters()) -= 0.01f * as_eigen(unfused.gradients());
    }
  }
}

TEST(NnAvx512Gemm, BackendGemmStopsAllocatingOnceItsBuffersHaveGrown) {
  MMC_REQUIRE_AVX512_GEMM();
  const Mat a = random_matrix<Mat>(256, 256, 41), b = random_matrix<Mat>(256, 1024, 42);
  Mat c(256, 1024), g(256, 256);
  for (int threads : {1, 2}) {
    CpuBackend<float> backend(threads);
    const auto step = [&] {  // forward, input gradient and weight gradient shapes
      backend.gemm(Trans::no, Trans::no, 1.0f, mmc::nn::view(a), mmc::nn::view(b), 0.0f, mmc::nn::view(c));
      backend.gemm(Trans::yes, Trans::no, 1.0f, mmc::nn::view(a), mmc::nn::view(b), 0.0f, mmc::nn::view(c));
      backend.gemm(Trans::no, Trans::yes, 1.0f, mmc::nn::view(c), mmc::nn::view(b), 0.0f, mmc::nn::view(g));
    };
    step();
    g_allocations = 0;
    g_counting = true;
    for (int i = 0; i < 3; ++i) step();
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0) << threads << " threads";
  }
}

}  // namespace
