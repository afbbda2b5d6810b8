// mmc/neural/resident_ops.hpp — the operations of the device-resident training
// loop (neural/resident.hpp, docs/design.md §4) and their CPU implementation.
//
// Why a second set of operations: the host loop (trainer.hpp + neural_mi.hpp)
// draws each minibatch on the host, uploads it, and reads the loss, estimate and
// gradient norm back every step — three stream synchronisations per step, which
// on a GPU cost more than the step itself at batch 512. The resident loop keeps
// the data set, the minibatch order, MINE's moving average, the Adam moments and
// the per-step values in the backend's memory, and reads the values back once
// per evaluation. Every queued operation takes the same arguments at every step
// (what changes lives in backend memory), so a CUDA backend can capture a whole
// step in a CUDA graph and replay it.
//
// ============================== THE CONTRACT ===============================
// ResidentOps<B> is specialised per nn backend B (this file: nn::CpuBackend<T>;
// the CUDA backend's is in mmc/cuda/resident_ops.cuh). It serves one training
// run of the concat critic with shuffled pairing (docs/design.md §3.2) and is
// used from one thread.
//
//   ResidentOps(const B& backend, const ResidentSetup& setup,
//               const RowMatrix<T>& x, const RowMatrix<T>& y, std::span<const Index> train)
//       copies x (n x dx), y (n x dy) and the training indices into backend
//       memory (once), allocates the per-step log (setup.steps records), the
//       Adam coefficient table (setup.steps entries) and the Adam moments
//       (setup.parameters scalars, zero).
//
// State in backend memory: the 1-based number s of the next step, the position
// o of its batch in the WINDOW, 2 n_train training indices [epoch e | epoch e+1];
// MINE's moving average; the log; the table; the moments.
//
// Queued step operations (no host reads, no allocation after the first step,
// the same arguments at every step):
//   gather_pairs(MatrixRef<T> input)       input is (dx + dy) x 2K: with
//       r_c = window[o + c] and d = pairing_shift(seed, s, K), column c < K is
//       [x_{r_c}; y_{r_c}] (joint) and column K + c is [x_{r_c}; y_{r_{(c+d) mod K}}]
//       (marginal: a cyclic shift by d in [1, K-1] of a randomly ordered batch,
//       so no sample is paired with itself).
//   bound_step(ConstMatrixRef<T> scores, MatrixRef<T> grad)   scores/grad 1 x 2K:
//       neural::bound_step() (bound_ops.hpp) with the moving average in backend
//       memory; writes log[s].loss and log[s].estimate.
//   gradient_norm(MatrixRef<T> grads)      log[s].squared_norm = |grads|^2 (in
//       double); when setup.clip_norm > 0 and the norm is finite and larger,
//       grads *= clip_norm / (norm + 1e-6) (nn/clip.hpp's rule).
//   adam(MatrixRef<T> params, ConstMatrixRef<T> grads)   backend.adam_update with
//       the moments and table[s].
//   advance()                              s += 1; o = (o + K) mod n_train.
// Host-driven operations, between steps:
//   fill_epoch(int half, uint64 epoch)     window half (0: [0, n), 1: [n, 2n)) =
//                                          epoch_order(seed, epoch, train)
//   rotate_window()                        half 0 = half 1
//   set_position(Index s, Index o)
//   set_schedule(Index first, span<const AdamCoefficients<T>> c)   table[first..]
//   reset_optimizer()                      moments = 0
//   reset_bound_state()                    MINE's average restarts
//   read_log(Index first, Index count, StepRecord* out)   records first..first+count-1
//                                          to the host: the one synchronising call
//   run_step(F&& step)                     runs step() (a callable queuing the step
//                                          operations); a device backend may capture
//                                          it once and replay the capture afterwards
// ===========================================================================
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "mmc/core/counter_hash.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/clip.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::neural {

/// What a resident run is set up with.
struct ResidentSetup {
  Index batch = 0;       ///< K >= 2 joint pairs per step
  Index steps = 0;       ///< length of the per-step log and the coefficient table
  Index parameters = 0;  ///< the critic's parameter count (Adam moments)
  BoundConfig config;    ///< shuffled pairing
  double clip_norm = 0.0;
  std::uint64_t seed = 0;
};

/// What one step leaves in the log.
struct StepRecord {
  double loss = 0.0;
  double estimate = 0.0;
  double squared_norm = 0.0;  ///< of the gradient before clipping
};

/// The order of epoch `epoch`: the training indices sorted by the keys
/// counter_hash(seed, resident_epochs, epoch, i), ties by position i (a
/// uniformly random permutation; a stable key sort on a device gives the same).
inline void epoch_order(std::uint64_t seed, std::uint64_t epoch, std::span<const Index> train,
                        Index* out) {
  std::vector<std::pair<std::uint64_t, Index>> keyed(train.size());
  for (std::size_t i = 0; i < train.size(); ++i) {
    keyed[i] = {counter_hash(seed, mmc::streams::neural::resident_epochs, epoch, i),
                static_cast<Index>(i)};
  }
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t i = 0; i < keyed.size(); ++i) {
    out[i] = train[static_cast<std::size_t>(keyed[i].second)];
  }
}

/// The cyclic shift d in [1, k - 1] of step s's marginal pairs (k >= 2). The
/// modulo bias is below k / 2^64.
MMC_HOST_DEVICE constexpr Index pairing_shift(std::uint64_t seed, Index step, Index k) noexcept {
  const std::uint64_t h =
      counter_hash(seed, mmc::streams::neural::resident_shifts, static_cast<std::uint64_t>(step), 0);
  return 1 + static_cast<Index>(h % static_cast<std::uint64_t>(k - 1));
}

template <class B>
struct ResidentOps;  // specialised per backend (contract above)

/// Whether backend B has ResidentOps (a backend without them, e.g. a custom
/// one, trains in the host loop only). Include the backend's specialisation
/// before instantiating an estimator on it (the CUDA one comes with
/// cuda/bound_ops.cuh, which every CUDA training needs).
template <class B>
inline constexpr bool has_resident_ops_v = requires { sizeof(ResidentOps<B>); };

/// The CPU implementation: "backend memory" is host memory, so the state is
/// kept in plain members and every operation runs at once.
template <class T>
class CpuResidentOps {
 public:
  CpuResidentOps(const nn::CpuBackend<T>& backend, const ResidentSetup& setup,
                 const RowMatrix<T>& x, const RowMatrix<T>& y, std::span<const Index> train)
      : backend_(backend), bound_ops_(backend), setup_(setup), x_(x), y_(y),
        train_(train.begin(), train.end()),
        window_(2 * train.size()),
        log_(static_cast<std::size_t>(setup.steps)),
        table_(static_cast<std::size_t>(setup.steps)),
        moments_(2 * setup.parameters) {
    std::fill(moments_.begin(), moments_.end(), T(0));
  }

  void gather_pairs(nn::MatrixRef<T> input) const {
    const Index k = setup_.batch, dx = x_.cols(), dy = y_.cols();
    const Index d = pairing_shift(setup_.seed, step_, k);
    const Index* r = window_.data() + offset_;
    for (Index c = 0; c < 2 * k; ++c) {
      const Index joint = c < k ? c : c - k;
      const Index partner = c < k ? joint : (joint + d) % k;
      T* column = input.data + c * input.ld;
      std::copy_n(x_.row(r[joint]).data(), dx, column);
      std::copy_n(y_.row(r[partner]).data(), dy, column + dx);
    }
  }

  void bound_step(nn::ConstMatrixRef<T> scores, nn::MatrixRef<T> grad) {
    const BatchValues v = neural::bound_step(bound_ops_, setup_.config, scores, grad, state_);
    record().loss = v.loss;
    record().estimate = v.estimate;
  }

  void gradient_norm(nn::MatrixRef<T> grads) {
    const double squared = backend_.squared_norm(grads);
    record().squared_norm = squared;
    if (setup_.clip_norm <= 0.0) return;
    if (const double factor = nn::clip_factor(std::sqrt(squared), setup_.clip_norm); factor < 1.0) {
      backend_.scale(grads, static_cast<T>(factor));
    }
  }

  void adam(nn::MatrixRef<T> params, nn::ConstMatrixRef<T> grads) {
    const Index p = setup_.parameters;
    backend_.adam_update(params, grads, {moments_.data(), p, 1}, {moments_.data() + p, p, 1},
                         table_[static_cast<std::size_t>(step_ - 1)]);
  }

  void advance() {
    ++step_;
    offset_ += setup_.batch;
    if (offset_ >= static_cast<Index>(train_.size())) offset_ -= static_cast<Index>(train_.size());
  }

  void fill_epoch(int half, std::uint64_t epoch) {
    epoch_order(setup_.seed, epoch, train_, window_.data() + half * train_.size());
  }
  void rotate_window() {
    std::copy(window_.begin() + static_cast<std::ptrdiff_t>(train_.size()), window_.end(),
              window_.begin());
  }
  void set_position(Index step, Index offset) {
    step_ = step;
    offset_ = offset;
  }
  void set_schedule(Index first, std::span<const nn::AdamCoefficients<T>> c) {
    std::copy(c.begin(), c.end(), table_.begin() + (first - 1));
  }
  void reset_optimizer() { std::fill(moments_.begin(), moments_.end(), T(0)); }
  void reset_bound_state() { state_ = BoundState{}; }
  void read_log(Index first, Index count, StepRecord* out) const {
    std::copy_n(log_.begin() + (first - 1), count, out);
  }
  template <class F>
  void run_step(F&& step) {
    step();
  }

 private:
  StepRecord& record() { return log_[static_cast<std::size_t>(step_ - 1)]; }

  nn::CpuBackend<T> backend_;
  BoundOps<nn::CpuBackend<T>> bound_ops_;
  ResidentSetup setup_;
  RowMatrix<T> x_, y_;
  std::vector<Index> train_, window_;
  std::vector<StepRecord> log_;
  std::vector<nn::AdamCoefficients<T>> table_;
  std::vector<T> moments_;  // [m | v]
  BoundState state_;
  Index step_ = 1, offset_ = 0;
};

template <class T>
struct ResidentOps<nn::CpuBackend<T>> : CpuResidentOps<T> {
  using CpuResidentOps<T>::CpuResidentOps;
};

}  // namespace mmc::neural
