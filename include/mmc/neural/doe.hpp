// mmc/neural/doe.hpp — difference-of-entropies mutual information
// (docs/design.md §3.3; McAllester & Stratos 2020, "Formal limitations on the
// measurement of mutual information", §6):
//   Î(A;B) = Ĥ(A) − Ĥ(A|B),
// both terms estimated by CENE (cene.hpp) with the same options and seed, so the
// two networks see the same training / validation / held-out split and part of
// their sampling error cancels. Unlike the variational lower bounds (DV, NWJ,
// InfoNCE), DoE is not capped by the sample size: each term is an upper bound
// on its entropy, and the difference is accurate when both cross-entropies are
// about equally tight. It is, however, the difference of two numbers that grow
// with the dimension of A (h(A) is about 1.42 nats per standardised Gaussian
// coordinate), so for large d and small MI the relative error grows.
// A may be discrete (integer labels: softmax classifiers) or continuous (mixture
// density networks); the per-column standardisation of a continuous A cancels.
#pragma once

#include <Eigen/Core>
#include <chrono>

#include "mmc/neural/cene.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::neural {

/// The result of a DoE estimate (nats).
struct DoeResult {
  double value = 0.0;     ///< Ĥ(A) − Ĥ(A|B) on the held-out split
  CeneResult marginal;    ///< the Ĥ(A) run
  CeneResult conditional; ///< the Ĥ(A|B) run
  double seconds = 0.0;
};

template <class T = float, class B = nn::CpuBackend<T>>
class Doe {
 public:
  using Options = CeneOptions;
  using Result = DoeResult;

  Doe() = default;
  explicit Doe(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// Î(A;B): a is integer labels or a real n x d_a matrix; b is n x d_b (d_b >= 1).
  template <class DerivedA, class DerivedB>
  Result estimate(const Eigen::DenseBase<DerivedA>& a, const Eigen::DenseBase<DerivedB>& b) const {
    const auto start = std::chrono::steady_clock::now();
    if (b.cols() == 0) {
      mmc::detail::throw_invalid("mmc::neural::Doe::estimate", "b", "has no columns",
                                 "pass the variable whose information about a is measured");
    }
    const Cene<T, B> cene(options_);
    Result r;
    r.conditional = cene.estimate(a, b);  // validates everything first
    r.marginal = cene.estimate(a);
    r.value = r.marginal.value - r.conditional.value;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

 private:
  Options options_;
};

}  // namespace mmc::neural
