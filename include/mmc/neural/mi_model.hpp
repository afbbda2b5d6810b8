// mmc/neural/mi_model.hpp — the model the host training loop (trainer.hpp)
// trains for the neural MI bounds (neural_mi.hpp, docs/design.md §3.2): a critic,
// minibatches drawn on the host, the bound's step (bound_ops.hpp), and the
// held-out evaluation, which the device-resident loop (resident.hpp) shares.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/neural/bounds.hpp"
#include "mmc/neural/split.hpp"
#include "mmc/neural/trainer.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::neural::detail {

/// The model run_training trains: a critic on the data with one bound.
template <class T, class B, class Critic>
class MiModel {
 public:
  MiModel(Critic& critic, const B& backend, const BoundConfig& config, const RowMatrix<T>& x,
          const RowMatrix<T>& y, Split split, Index batch, Index permutations, Index chunk,
          std::uint64_t seed)
      : critic_(critic), backend_(backend), ops_(backend), config_(config), x_(x), y_(y),
        heldout_(std::move(split.heldout)), sampler_(std::move(split.train), seed),
        rng_(seed, streams::permutations), k_(batch), chunk_(chunk) {
    rows_.resize(static_cast<std::size_t>(k_));
    perm_.resize(static_cast<std::size_t>(k_));
    xr_.resize(static_cast<std::size_t>(2 * k_));
    yr_.resize(static_cast<std::size_t>(2 * k_));
    const auto h = static_cast<std::uint64_t>(heldout_.size());
    Rng shift_rng(seed, streams::evaluation);
    for (Index p = 0; p < permutations; ++p) {
      shifts_.push_back(static_cast<Index>(1 + shift_rng.uniform_int(h - 1)));
    }
  }

  StepValues step() {
    sampler_.next(k_, rows_.data());
    nn::ConstMatrixRef<T> scores;
    if (config_.pairing == Pairing::shuffled) {
      random_permutation(rng_, k_, perm_.data());
      const auto k = static_cast<std::size_t>(k_);
      for (std::size_t i = 0; i < k; ++i) {
        xr_[i] = xr_[i + k] = yr_[i] = rows_[i];
        yr_[i + k] = rows_[static_cast<std::size_t>(perm_[i])];
      }
      scores = pair_scores(xr_, yr_);
    } else {
      scores = critic_.matrix_scores(x_, y_, rows_);
    }
    backend_.resize(grad_, scores.size());
    nn::MatrixRef<T> grad(backend_.data(grad_), scores.rows, scores.cols);
    const BatchValues v = bound_step(ops_, config_, scores, grad, state_);
    critic_.backward(grad);
    return {v.loss, v.estimate};
  }

  /// The bound with the current critic on the held-out part (see the header).
  double evaluate() { return estimate_value(config_.bound, heldout_stats()); }

  ScoreStats heldout_stats() {
    ScoreStats s;
    const auto h = static_cast<Index>(heldout_.size());
    if (config_.pairing == Pairing::all_pairs) {
      const Index kb = std::min(k_, h);
      for (Index b = 0; b + kb <= h; b += kb) {
        const std::span<const Index> block(heldout_.data() + b, static_cast<std::size_t>(kb));
        s.merge(ops_.stats(ScoreBlock::matrix, critic_.matrix_scores(x_, y_, block), config_.tau));
      }
      return s;
    }
    eval_x_.resize(static_cast<std::size_t>(chunk_));
    eval_y_.resize(static_cast<std::size_t>(chunk_));
    for (std::size_t p = 0; p <= shifts_.size(); ++p) {  // p = 0: the joint pairs
      const Index shift = p == 0 ? 0 : shifts_[p - 1];
      for (Index begin = 0; begin < h; begin += chunk_) {
        const Index m = std::min(chunk_, h - begin);
        for (Index i = 0; i < m; ++i) {
          eval_x_[static_cast<std::size_t>(i)] = heldout_[static_cast<std::size_t>(begin + i)];
          eval_y_[static_cast<std::size_t>(i)] =
              heldout_[static_cast<std::size_t>((begin + i + shift) % h)];
        }
        const auto sc = pair_scores(std::span<const Index>(eval_x_.data(), static_cast<std::size_t>(m)),
                                    std::span<const Index>(eval_y_.data(), static_cast<std::size_t>(m)));
        s.merge(ops_.stats(p == 0 ? ScoreBlock::joint : ScoreBlock::marginal, sc, config_.tau));
      }
    }
    return s;
  }

  Index heldout_size() const noexcept { return static_cast<Index>(heldout_.size()); }

  double clip(double max_norm) { return critic_.clip(max_norm); }
  void update() { critic_.update(); }
  auto snapshot() const { return critic_.snapshot(); }
  template <class S>
  void restore(const S& s) { critic_.restore(s); }
  void set_learning_rate(double lr) { critic_.set_learning_rate(lr); }
  void reset_optimizer() { critic_.reset_optimizer(); }
  void reset_state() { state_ = BoundState{}; }

 private:
  nn::ConstMatrixRef<T> pair_scores(std::span<const Index> xr, std::span<const Index> yr) {
    if constexpr (requires { critic_.pair_scores(x_, y_, xr, yr); }) {
      return critic_.pair_scores(x_, y_, xr, yr);
    } else {  // unreachable: the estimator rejects shuffled pairing for this critic
      throw std::logic_error("mmc::neural: this critic has no shuffled-pair scores");
    }
  }

  Critic& critic_;
  B backend_;
  BoundOps<B> ops_;
  BoundConfig config_;
  BoundState state_;
  const RowMatrix<T>& x_;
  const RowMatrix<T>& y_;
  std::vector<Index> heldout_;
  BatchSampler sampler_;
  Rng rng_;
  Index k_, chunk_;
  std::vector<Index> rows_, perm_, xr_, yr_, eval_x_, eval_y_, shifts_;
  typename B::Buffer grad_;
};

}  // namespace mmc::neural::detail
