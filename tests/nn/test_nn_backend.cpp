// The CPU backend (nn/cpu_backend.hpp) against naive oracles: GEMM in all
// transpose combinations on strided views (against a long-double triple loop),
// the element-wise operations (against the scalar definitions of
// activations.hpp), reductions and transfers; and its determinism: the same
// bits for 1, 2 and 3 threads, on shapes that are cut into several blocks
// along columns and along rows; column blocks (which share one packing of
// op(a)) against the serial kernel on each block, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "nn_testing.hpp"

namespace {

using mmc::Index;
using mmc::nn::Activation;
using mmc::nn::ConstMatrixRef;
using mmc::nn::CpuBackend;
using mmc::nn::MatrixRef;
using mmc::nn::Trans;
using mmc::nn::testing::random_matrix;

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

struct Shape {
  Index m, n, k;
};
// Small (one block); cut along columns (n >= m: 3 blocks, the last one short);
// cut along rows (m > n: 3 blocks); matrix-vector shapes, one block and cut
// (thin products: detail/thin_gemm.hpp).
const Shape kShapes[] = {{3, 5, 4},      {200, 300, 70}, {300, 70, 200}, {1, 600, 300},
                         {300, 1, 600},  {1, 9000, 300}, {9000, 1, 300}, {300, 9000, 1}};
// Smaller shapes for the O(mnk) long-double oracle, still cut into blocks
// (2mnk >= CpuBackend::kMinParallelFlops): 2 column blocks, 3 row blocks.
// Thin products (detail/thin_gemm.hpp): m = 1, n = 1 and k = 1, below and
// above the split (1 x 9000 x 300, 9000 x 1 x 300, 300 x 9000 x 1 cut into
// blocks), with depths that are and are not multiples of kDotLanes.
const Shape kOracleShapes[] = {{3, 5, 4},      {150, 260, 60}, {260, 150, 60},  {1, 90, 70},    {90, 1, 70},
                               {70, 90, 1},    {1, 1, 37},     {1, 9000, 300},  {9000, 1, 300}, {300, 9000, 1},
                               {1, 130, 1}};

/// A rows x cols view with leading dimension rows + 3 inside `storage`.
template <class T>
MatrixRef<T> strided(Mat<T>& storage, Index rows, Index cols, std::uint64_t seed) {
  storage = random_matrix<Mat<T>>(rows + 3, cols, seed);
  return {storage.data(), rows, cols, rows + 3};
}

template <class T>
void check_gemm_against_naive() {
  static_assert(2.0 * 150 * 260 * 60 >= CpuBackend<T>::kMinParallelFlops);
  for (const Shape s : kOracleShapes) {
    for (Trans ta : {Trans::no, Trans::yes}) {
      for (Trans tb : {Trans::no, Trans::yes}) {
        // All beta cases for a plain product, one for the transposed ones.
        for (T beta : {T(0), T(1), T(-0.5)}) {
          if ((ta == Trans::yes || tb == Trans::yes) && beta != T(-0.5)) continue;
          // double: transposes only (beta is handled by the same template code).
          if (sizeof(T) == sizeof(double) && beta != T(-0.5)) continue;
          Mat<T> as, bs, cs;
          const bool ya = ta == Trans::yes, yb = tb == Trans::yes;
          const auto a = strided<T>(as, ya ? s.k : s.m, ya ? s.m : s.k, 1);
          const auto b = strided<T>(bs, yb ? s.n : s.k, yb ? s.k : s.n, 2);
          auto c = strided<T>(cs, s.m, s.n, 3);
          if (beta == T(0)) as_eigen(c).setConstant(std::numeric_limits<T>::quiet_NaN());
          const Mat<T> c0 = as_eigen(c);
          const Mat<T> storage0 = cs;
          const T alpha = T(0.7);
          CpuBackend<T>(2).gemm(ta, tb, alpha, a, b, beta, c);
          const auto A = as_eigen(ConstMatrixRef<T>(a));
          const auto B = as_eigen(ConstMatrixRef<T>(b));
          // |error| <= gamma * (|alpha| sum_l |a_il b_lj| + |beta c_ij|) with
          // gamma = 2 k eps: the classical bound for a dot product of length k
          // (Higham, Accuracy and Stability, §3.1); blocked kernels satisfy it.
          const long double gamma = 2.0L * static_cast<long double>(s.k + 2) *
                                    std::numeric_limits<T>::epsilon();
          long double worst = 0;
          for (Index i = 0; i < s.m; ++i) {
            for (Index j = 0; j < s.n; ++j) {
              long double sum = 0, mag = 0;
              for (Index l = 0; l < s.k; ++l) {
                const long double x = ya ? A(l, i) : A(i, l);
                const long double y = yb ? B(j, l) : B(l, j);
                sum += x * y;
                mag += std::fabs(x * y);
              }
              const long double old = beta == T(0) ? 0.0L : static_cast<long double>(c0(i, j));
              const long double ref = alpha * sum + beta * old;
              const long double bound = gamma * (alpha * mag + std::fabs(beta * old)) + 1e-30L;
              worst = std::max(worst, std::fabs(as_eigen(c)(i, j) - ref) / bound);
            }
          }
          EXPECT_LE(worst, 1.0L) << s.m << "x" << s.n << "x" << s.k << " ta " << ya << " tb "
                                 << yb << " beta " << beta;
          // Padding rows between the columns of c are never written.
          for (Index j = 0; j < s.n; ++j) {
            for (Index i = s.m; i < s.m + 3; ++i) EXPECT_EQ(cs(i, j), storage0(i, j));
          }
        }
      }
    }
  }
}

TEST(NnCpuBackend, GemmMatchesNaiveFloat) { check_gemm_against_naive<float>(); }
TEST(NnCpuBackend, GemmMatchesNaiveDouble) { check_gemm_against_naive<double>(); }

TEST(NnCpuBackend, GemmSameBitsForAnyThreadCount) {
  for (const Shape s : kShapes) {
    for (Trans ta : {Trans::no, Trans::yes}) {
      for (Trans tb : {Trans::no, Trans::yes}) {
        const bool ya = ta == Trans::yes, yb = tb == Trans::yes;
        const Mat<float> a = random_matrix<Mat<float>>(ya ? s.k : s.m, ya ? s.m : s.k, 4);
        const Mat<float> b = random_matrix<Mat<float>>(yb ? s.n : s.k, yb ? s.k : s.n, 5);
        Mat<float> reference;
        for (int threads : {1, 2, 3}) {
          Mat<float> c = random_matrix<Mat<float>>(s.m, s.n, 6);
          CpuBackend<float>(threads).gemm(ta, tb, 1.5f, mmc::nn::view(a), mmc::nn::view(b), 0.25f,
                                          mmc::nn::view(c));
          if (threads == 1) {
            reference = c;
          } else {
            EXPECT_EQ(c, reference) << threads << " threads, " << s.m << "x" << s.n << "x" << s.k;
          }
        }
      }
    }
  }
}

// Column blocks share one packing of op(a) (detail::SharedLhsPlan): each block
// must still have the bits of the serial kernel run on that block alone — the
// per-block path the backend used before, and still uses for a last block
// whose panels differ. Shapes: the MLP's products (256 x 1024 x 256 forward and
// input gradient, 256 x 256 x 1024 weight gradient), a short last block
// (1000 = 7 x 128 + 104), a depth split into several panels, and doubles.
template <class T>
void check_blocks_equal_serial_kernel(Index m, Index n, Index k) {
  const Index grain = CpuBackend<T>::kGemmGrain;
  ASSERT_GE(2.0 * double(m) * double(n) * double(k), CpuBackend<T>::kMinParallelFlops);
  ASSERT_GE(n, m) << "a shape cut along columns";
  for (Trans ta : {Trans::no, Trans::yes}) {
    for (Trans tb : {Trans::no, Trans::yes}) {
      const bool ya = ta == Trans::yes, yb = tb == Trans::yes;
      const Mat<T> a = random_matrix<Mat<T>>(ya ? k : m, ya ? m : k, 7);
      const Mat<T> b = random_matrix<Mat<T>>(yb ? n : k, yb ? k : n, 8);
      const Mat<T> c0 = random_matrix<Mat<T>>(m, n, 9);
      for (const T beta : {T(0), T(0.25)}) {
        Mat<T> expected = beta * c0;
        mmc::nn::testing::serial_kernel_by_column_blocks<T>(ya, yb, m, n, k, T(0.7), a, b, grain, expected.data());
        for (int threads : {1, 2}) {
          Mat<T> c = c0;
          CpuBackend<T>(threads).gemm(ta, tb, T(0.7), mmc::nn::view(a), mmc::nn::view(b), beta,
                                      mmc::nn::view(c));
          EXPECT_EQ(c, expected) << m << "x" << n << "x" << k << " ta " << ya << " tb " << yb << " beta "
                                 << beta << ", " << threads << " threads";
        }
      }
    }
  }
}

TEST(NnCpuBackend, ColumnBlocksSharingPackedLhsEqualTheSerialKernelBitForBit) {
#if defined(MMC_USE_CBLAS) || !MMC_NN_EIGEN_GEMM_NO_ALLOC
  GTEST_SKIP() << "the blocks run a CBLAS, or Eigen's public product: no shared packing to check";
#endif
  // Float blocks run the AVX-512 kernel where the target has it
  // (test_nn_avx512_gemm.cpp checks them); doubles always run Eigen's.
  if (!MMC_NN_AVX512_GEMM) {
    check_blocks_equal_serial_kernel<float>(256, 1024, 256);
    check_blocks_equal_serial_kernel<float>(256, 256, 1024);
    check_blocks_equal_serial_kernel<float>(200, 1000, 70);
    check_blocks_equal_serial_kernel<float>(64, 300, 3000);
  }
  check_blocks_equal_serial_kernel<double>(100, 300, 500);
}

TEST(NnCpuBackend, GemmWithEmptyInnerDimensionOnlyScalesC) {
  // k = 0: op(a) op(b) is an empty sum, so c = beta c (and beta = 0 gives 0).
  Mat<double> a(4, 0), b(0, 3), c = Mat<double>::Constant(4, 3, 2.0);
  CpuBackend<double>(2).gemm(Trans::no, Trans::no, 1.0, mmc::nn::view(a), mmc::nn::view(b), 0.5,
                             mmc::nn::view(c));
  EXPECT_EQ(c, Mat<double>::Constant(4, 3, 1.0));
  CpuBackend<double>().gemm(Trans::no, Trans::no, 1.0, mmc::nn::view(a), mmc::nn::view(b), 0.0,
                            mmc::nn::view(c));
  EXPECT_EQ(c, Mat<double>::Zero(4, 3));
}

TEST(NnCpuBackend, BiasActivationMatchesScalarDefinition) {
  for (Activation f : {Activation::identity, Activation::relu, Activation::elu, Activation::tanh,
                       Activation::softplus}) {
    Mat<double> zs;
    auto z = strided<double>(zs, 7, 300, 8);
    as_eigen(z) *= 3.0;
    const Mat<double> z0 = as_eigen(z);
    const Mat<double> bias = random_matrix<Mat<double>>(7, 1, 9);
    CpuBackend<double>(2).bias_activation(f, mmc::nn::view(bias), z);
    for (Index j = 0; j < 300; ++j) {
      for (Index i = 0; i < 7; ++i) {
        const double expected = mmc::nn::activate(f, z0(i, j) + bias(i));
        // Vectorised exp/tanh vs the scalar libm: a few ulps.
        EXPECT_NEAR(as_eigen(z)(i, j), expected, 1e-14 * (1 + std::fabs(expected)))
            << mmc::nn::activation_name(f);
      }
    }
  }
}

TEST(NnCpuBackend, ActivationBackwardMatchesScalarDerivative) {
  for (Activation f : {Activation::identity, Activation::relu, Activation::elu, Activation::tanh,
                       Activation::softplus}) {
    Mat<double> out = random_matrix<Mat<double>>(5, 40, 10);
    for (Index i = 0; i < out.size(); ++i) out.data()[i] = mmc::nn::activate(f, out.data()[i]);
    const Mat<double> g0 = random_matrix<Mat<double>>(5, 40, 11);
    Mat<double> g = g0;
    CpuBackend<double>().activation_backward(f, mmc::nn::view(out), mmc::nn::view(g));
    for (Index i = 0; i < g.size(); ++i) {
      const double expected = g0.data()[i] * mmc::nn::derivative_from_output(f, out.data()[i]);
      EXPECT_NEAR(g.data()[i], expected, 1e-14 * (1 + std::fabs(expected)));
    }
  }
}

TEST(NnCpuBackend, ActivationDerivativesFromOutputMatchCalculus) {
  // f'(z) through a = f(z) against a central difference of f at z (away from 0).
  for (Activation f : {Activation::relu, Activation::elu, Activation::tanh, Activation::softplus}) {
    for (double z : {-3.0, -0.7, 0.4, 2.5}) {
      const double h = 1e-6;
      const double numeric = (mmc::nn::activate(f, z + h) - mmc::nn::activate(f, z - h)) / (2 * h);
      EXPECT_NEAR(mmc::nn::derivative_from_output(f, mmc::nn::activate(f, z)), numeric, 1e-8);
    }
  }
}

// Bias sums are cut into blocks of kRowGrain rows and optimizer updates into
// blocks of columns once a matrix has kElementGrain elements: the bits must
// not move with the thread count, and a bias sum must equal the serial sum
// over the columns in order exactly (each element's additions are the same).
TEST(NnCpuBackend, BiasSumsAndUpdatesSameBitsForAnyThreadCount) {
  const Index rows = 300, cols = 500;  // 150000 elements: 5 row blocks, 5 column blocks
  static_assert(rows * cols >= 4 * CpuBackend<float>::kElementGrain);
  static_assert(rows > 4 * CpuBackend<float>::kRowGrain);
  const Mat<float> g = random_matrix<Mat<float>>(rows, cols, 31);
  Mat<float> serial = Mat<float>::Constant(rows, 1, 0.5f);
  serial *= 0.25f;
  for (Index j = 0; j < cols; ++j) serial += g.col(j);
  const mmc::nn::AdamCoefficients<float> adam{0.9f, 0.999f, 1e-3f, 1.05f, 1e-8f, 1e-4f};
  const mmc::nn::SgdCoefficients<float> sgd{0.05f, 0.9f, 1e-3f, true};
  Mat<float> p1, m1, v1, q1, u1;
  for (int threads : {1, 2, 3}) {
    CpuBackend<float> backend(threads);
    Mat<float> out = Mat<float>::Constant(rows, 1, 0.5f);
    backend.sum_columns(mmc::nn::view(g), 0.25f, mmc::nn::view(out));
    EXPECT_EQ(out, serial) << threads << " threads";
    Mat<float> p = random_matrix<Mat<float>>(rows, cols, 32), m = random_matrix<Mat<float>>(rows, cols, 33);
    Mat<float> v = random_matrix<Mat<float>>(rows, cols, 34).cwiseAbs();
    Mat<float> q = p, u = m;
    backend.adam_update(mmc::nn::view(p), mmc::nn::view(g), mmc::nn::view(m), mmc::nn::view(v), adam);
    backend.sgd_update(mmc::nn::view(q), mmc::nn::view(g), mmc::nn::view(u), sgd);
    if (threads == 1) {
      p1 = p, m1 = m, v1 = v, q1 = q, u1 = u;
      EXPECT_NE(p, random_matrix<Mat<float>>(rows, cols, 32));  // the update did something
    } else {
      EXPECT_EQ(p, p1) << threads << " threads";
      EXPECT_EQ(m, m1) << threads << " threads";
      EXPECT_EQ(v, v1) << threads << " threads";
      EXPECT_EQ(q, q1) << threads << " threads";
      EXPECT_EQ(u, u1) << threads << " threads";
    }
  }
}

// The optimizers' usual argument is one long column (an MLP's flat parameter
// vector), cut into segments of kElementGrain rows. The bits must not move
// with the thread count, and every segment must be updated: against the same
// data updated as a matrix, column by column, each element agrees to 4 ulps.
// (Not bit for bit: Eigen's vectorised float sqrt, under its default
// EIGEN_FAST_MATH, may differ in the last bit from the scalar one used for
// the elements past the last full packet, and the cut moves those.)
TEST(NnCpuBackend, UpdatesOfOneLongColumnCoverEverySegment) {
  const Index rows = 300, cols = 500;  // as one column: 150000 rows, 5 segments (the last short)
  static_assert(rows * cols > 4 * CpuBackend<float>::kElementGrain);
  static_assert(rows * cols % CpuBackend<float>::kElementGrain != 0);
  const mmc::nn::AdamCoefficients<float> adam{0.9f, 0.999f, 1e-3f, 1.05f, 1e-8f, 1e-4f};
  const mmc::nn::SgdCoefficients<float> sgd{0.05f, 0.9f, 1e-3f, false};
  const Mat<float> g = random_matrix<Mat<float>>(rows, cols, 41);
  Mat<float> p = random_matrix<Mat<float>>(rows, cols, 42), m = random_matrix<Mat<float>>(rows, cols, 43);
  Mat<float> v = random_matrix<Mat<float>>(rows, cols, 44).cwiseAbs();
  Mat<float> q = p, u = m;
  const Mat<float> p0 = p, m0 = m, v0 = v;
  CpuBackend<float>(1).adam_update(mmc::nn::view(p), mmc::nn::view(g), mmc::nn::view(m), mmc::nn::view(v), adam);
  CpuBackend<float>(1).sgd_update(mmc::nn::view(q), mmc::nn::view(g), mmc::nn::view(u), sgd);
  const auto column = [&](Mat<float>& x) { return MatrixRef<float>(x.data(), rows * cols, 1); };
  const auto ulps_apart = [](const Mat<float>& x, const Mat<float>& y) {
    float worst = 0;
    for (Index i = 0; i < x.size(); ++i) {
      const float spacing = std::nextafter(std::fabs(y.data()[i]), std::numeric_limits<float>::infinity()) -
                            std::fabs(y.data()[i]);
      worst = std::max(worst, std::fabs(x.data()[i] - y.data()[i]) / spacing);
    }
    return worst;
  };
  Mat<float> p1, m1, v1, q1, u1;
  for (int threads : {1, 2, 3}) {
    Mat<float> pc = p0, mc = m0, vc = v0, qc = p0, uc = m0, gc = g;
    CpuBackend<float> backend(threads);
    backend.adam_update(column(pc), column(gc), column(mc), column(vc), adam);
    backend.sgd_update(column(qc), column(gc), column(uc), sgd);
    EXPECT_LE(ulps_apart(pc, p), 4.0f) << threads << " threads";
    EXPECT_LE(ulps_apart(mc, m), 4.0f) << threads << " threads";
    EXPECT_LE(ulps_apart(vc, v), 4.0f) << threads << " threads";
    EXPECT_LE(ulps_apart(qc, q), 4.0f) << threads << " threads";
    EXPECT_LE(ulps_apart(uc, u), 4.0f) << threads << " threads";
    if (threads == 1) {
      p1 = pc, m1 = mc, v1 = vc, q1 = qc, u1 = uc;
    } else {
      EXPECT_EQ(pc, p1) << threads << " threads";
      EXPECT_EQ(mc, m1) << threads << " threads";
      EXPECT_EQ(vc, v1) << threads << " threads";
      EXPECT_EQ(qc, q1) << threads << " threads";
      EXPECT_EQ(uc, u1) << threads << " threads";
    }
  }
  EXPECT_GT(ulps_apart(p, p0), 1000.0f);  // the update moved the parameters
}

// Thin products (detail/thin_gemm.hpp): a row of c is computed four columns at
// a time (thin_dots), each with the operations of thin_dot, so every element
// must have thin_dot's bits; with beta = 0 an outer product writes c in one
// pass as 0 + a_i b_j, so a product of -0 must still come out as +0.
TEST(NnCpuBackend, ThinProductsHaveTheBitsOfTheirScalarStatement) {
  for (const Index k : {Index(5), Index(16), Index(37), Index(300)}) {
    const Index n = 4 * 7 + 3;  // full groups of four columns and a tail
    const Mat<float> a = random_matrix<Mat<float>>(1, k, 51);
    const Mat<float> b = random_matrix<Mat<float>>(k, n, 52);
    Mat<float> c = Mat<float>::Constant(1, n, std::numeric_limits<float>::quiet_NaN());
    CpuBackend<float>(2).gemm(Trans::no, Trans::no, 0.75f, mmc::nn::view(a), mmc::nn::view(b), 0.0f,
                              mmc::nn::view(c));
    for (Index j = 0; j < n; ++j) {
      const float expected = 0.0f + 0.75f * mmc::nn::detail::thin_dot(a.data(), 1, b.col(j).data(), k);
      EXPECT_EQ(c(0, j), expected) << "k " << k << " column " << j;
    }
  }
  Mat<float> a = random_matrix<Mat<float>>(300, 1, 53), b = random_matrix<Mat<float>>(1, 9000, 54);
  a(3, 0) = 0.0f;
  b(0, 7) = -1.0f;  // a(3) * b(7) = -0
  Mat<float> c = Mat<float>::Constant(300, 9000, std::numeric_limits<float>::quiet_NaN());
  CpuBackend<float>(2).gemm(Trans::no, Trans::no, 1.0f, mmc::nn::view(a), mmc::nn::view(b), 0.0f,
                            mmc::nn::view(c));
  for (Index j = 0; j < c.cols(); ++j) {
    for (Index i = 0; i < c.rows(); ++i) {
      float zeroed = 0.0f;
      zeroed += a(i, 0) * b(0, j);
      ASSERT_EQ(std::signbit(c(i, j)), std::signbit(zeroed)) << i << ", " << j;
      ASSERT_EQ(c(i, j), zeroed) << i << ", " << j;
    }
  }
  EXPECT_FALSE(std::signbit(c(3, 7)));
}

// A one-unit output layer's input gradient, gated by the ReLU below it in one
// pass (gemm_activation_backward with k = 1): the bits of the outer product
// followed by activation_backward, for a gate with zeros, -0, negatives and a
// NaN, cut into blocks (1-3 threads) or not, either operand transposed.
TEST(NnCpuBackend, GatedOuterProductEqualsTheProductFollowedByThePass) {
  for (const Index n : {Index(40), Index(9000)}) {  // one block; cut (m n >= kMinParallelThinProduct)
    for (Trans ta : {Trans::no, Trans::yes}) {
      for (Trans tb : {Trans::no, Trans::yes}) {
        const Mat<double> a = random_matrix<Mat<double>>(ta == Trans::yes ? 1 : 300, ta == Trans::yes ? 300 : 1, 55);
        const Mat<double> b = random_matrix<Mat<double>>(tb == Trans::yes ? n : 1, tb == Trans::yes ? 1 : n, 56);
        Mat<double> gate = random_matrix<Mat<double>>(300, n, 57);
        gate(0, 0) = 0.0, gate(1, 1) = -0.0, gate(2, 2) = std::numeric_limits<double>::quiet_NaN();
        Mat<double> expected = Mat<double>::Constant(300, n, 4.0);
        CpuBackend<double> serial(1);
        serial.gemm(ta, tb, 0.5, mmc::nn::view(a), mmc::nn::view(b), 0.0, mmc::nn::view(expected));
        serial.activation_backward(Activation::relu, mmc::nn::view(gate), mmc::nn::view(expected));
        for (int threads : {1, 2, 3}) {
          Mat<double> c = Mat<double>::Constant(300, n, std::numeric_limits<double>::quiet_NaN());
          CpuBackend<double>(threads).gemm_activation_backward(ta, tb, 0.5, mmc::nn::view(a), mmc::nn::view(b),
                                                               Activation::relu, mmc::nn::view(gate),
                                                               mmc::nn::view(c));
          ASSERT_EQ(c, expected) << "n " << n << ", " << threads << " threads";
        }
        EXPECT_EQ(expected(0, 0), 0.0);
        const Index open = (expected.array() != 0.0).count();  // gate > 0: about half
        EXPECT_GT(open, expected.size() / 4);
        EXPECT_LT(open, 3 * expected.size() / 4);
      }
    }
  }
}

// squared_norm sums in double with kNormLanes partial sums: within the
// classical bound n eps_double sum x^2 of the exact (long double) sum, on a
// strided float view whose padding holds values that must not be counted.
TEST(NnCpuBackend, SquaredNormMatchesLongDoubleSum) {
  for (const Index rows : {Index(1), Index(31), Index(33), Index(70000)}) {
    Mat<float> storage = random_matrix<Mat<float>>(rows + 3, 3, 61);
    storage.bottomRows(3).setConstant(1e6f);
    const ConstMatrixRef<float> x(storage.data(), rows, 3, rows + 3);
    long double exact = 0;
    for (Index j = 0; j < 3; ++j) {
      for (Index i = 0; i < rows; ++i) exact += static_cast<long double>(storage(i, j)) * storage(i, j);
    }
    const double bound = 2.0 * double(rows * 3) * std::numeric_limits<double>::epsilon() * double(exact);
    EXPECT_LE(std::fabs(static_cast<long double>(CpuBackend<float>(2).squared_norm(x)) - exact), bound)
        << rows << " rows";
  }
}

TEST(NnCpuBackend, ReductionsAndTransfers) {
  CpuBackend<double> backend(2);
  Mat<double> gs;
  const auto g = strided<double>(gs, 4, 9, 12);
  Mat<double> out = Mat<double>::Constant(4, 1, 2.0);
  backend.sum_columns(g, 0.5, mmc::nn::view(out));
  const Mat<double> expected = as_eigen(ConstMatrixRef<double>(g)).rowwise().sum().array() + 1.0;
  EXPECT_LT((out - expected).norm(), 1e-14);
  EXPECT_NEAR(backend.squared_norm(g), as_eigen(ConstMatrixRef<double>(g)).squaredNorm(), 1e-12);

  Mat<double> host(6, 9);
  host.setZero();
  backend.download(g, host.data(), 6);  // ld 6 > 4 rows: rows 4, 5 stay 0
  EXPECT_EQ(Mat<double>(host.topRows(4)), Mat<double>(as_eigen(ConstMatrixRef<double>(g))));
  EXPECT_EQ(host.bottomRows(2).norm(), 0.0);
  Mat<double> back(4, 9);
  backend.upload(host.data(), 6, mmc::nn::view(back));
  EXPECT_EQ(back, Mat<double>(host.topRows(4)));
  backend.scale(mmc::nn::view(back), -2.0);
  EXPECT_EQ(back, Mat<double>(-2.0 * host.topRows(4)));
  backend.fill(mmc::nn::view(back), 3.0);
  EXPECT_EQ(back, Mat<double>::Constant(4, 9, 3.0));
}

struct NotABackend {
  using Scalar = float;
  using Buffer = std::vector<float>;
};

TEST(NnCpuBackend, ConceptAcceptsCpuBackendOnly) {
  static_assert(mmc::nn::Backend<CpuBackend<float>>);
  static_assert(mmc::nn::Backend<CpuBackend<double>>);
  static_assert(!mmc::nn::Backend<NotABackend>);
  static_assert(!mmc::nn::Backend<int>);
  SUCCEED();
}

}  // namespace
