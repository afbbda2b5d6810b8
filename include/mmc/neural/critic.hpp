// mmc/neural/critic.hpp — the critics T(x, y) of the neural MI bounds
// (docs/design.md §3.2 "Critic: concat MLP [x, y] -> T, or separable f(x)^T g(y)").
//
// ConcatCritic: one MLP on the concatenation [x, y] -> T (default hidden widths
//   256, 256, ReLU). The most expressive choice, and MINE's; every pair costs a
//   full forward pass, so the all-pairs score matrix of a batch of K costs K^2
//   passes: use it with shuffled pairing (K joint + K marginal passes per step)
//   or with a small batch.
// SeparableCritic: T(x, y) = f(x)^T g(y) / sqrt(e) with two MLPs f: x -> R^e
//   and g: y -> R^e (e = `embedding`). The K x K score matrix of a batch is one
//   GEMM S = F^T G / sqrt(e) on K + K forward passes, which makes all-pairs
//   bounds (InfoNCE) cheap; it supports all-pairs pairing only (the trainer
//   checks this). The 1/sqrt(e) of scaled dot-product attention keeps the
//   initial scores O(1): the embeddings' coordinates start with unit variance,
//   so an unscaled inner product would start with standard deviation sqrt(e)
//   and saturate the softmax of InfoNCE (training then stalls or diverges).
//
// Both work on host data stored one sample per row (the estimators' standardised
// copies) and index lists into it: a batch is gathered into a host input matrix,
// uploaded by Mlp::forward_host and run through the backend, so scores, their
// gradients and the parameters stay in the backend's memory (docs/design.md §4).
// Each MLP has its own Adam optimizer (nn/optimizers.hpp: one per parameter
// buffer); gradient clipping treats all of a critic's gradients as one vector.
// Backward of the separable score matrix: dF = G dS^T / sqrt(e), dG = F dS / sqrt(e).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/neural/split.hpp"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/clip.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::neural {

enum class CriticKind { concat, separable };

inline std::string_view critic_name(CriticKind k) noexcept {
  return k == CriticKind::concat ? "concat" : "separable";
}

/// Architecture of a critic.
struct CriticSpec {
  CriticKind kind = CriticKind::concat;
  /// Hidden layer widths of each MLP.
  std::vector<Index> hidden = {256, 256};
  nn::Activation activation = nn::Activation::relu;
  /// Output width e of f and g (separable only).
  Index embedding = 32;
};

namespace detail {

/// {inputs, hidden..., outputs}.
inline std::vector<Index> mlp_widths(Index inputs, const std::vector<Index>& hidden, Index outputs) {
  std::vector<Index> widths{inputs};
  widths.insert(widths.end(), hidden.begin(), hidden.end());
  widths.push_back(outputs);
  return widths;
}

/// N MLPs with one Adam each: the optimizer, clipping and snapshot plumbing
/// that both critics (and CENE's network) share.
template <class T, class B, std::size_t N>
class Models {
 public:
  using Snapshot = std::array<Vector<T>, N>;

  Models(std::array<nn::MlpSpec, N> specs, std::uint64_t seed, const B& backend, double lr,
         double weight_decay = 0.0) {
    mlps_.reserve(N);
    adams_.reserve(N);
    for (std::size_t i = 0; i < N; ++i) {
      mlps_.emplace_back(std::move(specs[i]), derive_seed(seed, streams::init + 16 * i), backend);
      adams_.emplace_back(nn::AdamOptions{.lr = lr, .weight_decay = weight_decay}, backend);
    }
  }

  nn::Mlp<T, B>& mlp(std::size_t i) { return mlps_[i]; }
  const nn::Mlp<T, B>& mlp(std::size_t i) const { return mlps_[i]; }
  static constexpr std::size_t size() noexcept { return N; }

  /// Clips all gradients together to max_norm (<= 0: no clipping); returns the
  /// norm before clipping (non-finite: the caller reports divergence).
  double clip(double max_norm) {
    B& b = mlps_[0].backend();
    if (max_norm > 0.0) {
      if constexpr (N == 1) return nn::clip_gradient_norm(b, {mlps_[0].gradients()}, max_norm);
      else return nn::clip_gradient_norm(b, {mlps_[0].gradients(), mlps_[1].gradients()}, max_norm);
    }
    double squared = 0.0;
    for (auto& m : mlps_) squared += b.squared_norm(m.gradients());
    return std::sqrt(squared);
  }
  void update() {
    for (std::size_t i = 0; i < N; ++i) adams_[i].step(mlps_[i]);
  }
  void set_learning_rate(double lr) {
    for (auto& a : adams_) a.options().lr = lr;
  }
  void reset_optimizer() {
    for (auto& a : adams_) a.reset();
  }
  Snapshot snapshot() const {
    Snapshot s;
    for (std::size_t i = 0; i < N; ++i) s[i] = mlps_[i].get_parameters();
    return s;
  }
  void restore(const Snapshot& s) {
    for (std::size_t i = 0; i < N; ++i) mlps_[i].set_parameters(s[i]);
  }

 private:
  std::vector<nn::Mlp<T, B>> mlps_;
  std::vector<nn::Adam<T, B>> adams_;
};

/// Copies rows rows[c] of `data` into columns [offset, offset + data.cols()) of
/// row c of `out` (grown to at least rows.size() rows).
template <class T>
void gather_rows(const RowMatrix<T>& data, std::span<const Index> rows, Index offset,
                 RowMatrix<T>& out) {
  for (std::size_t c = 0; c < rows.size(); ++c) {
    out.row(static_cast<Index>(c)).segment(offset, data.cols()) = data.row(rows[c]);
  }
}

template <class T>
void reserve_rows(RowMatrix<T>& m, Index rows, Index cols) {
  if (m.rows() < rows || m.cols() != cols) m.resize(std::max(rows, m.rows()), cols);
}

}  // namespace detail

/// T(x, y) = MLP([x, y]).
template <class T = float, class B = nn::CpuBackend<T>>
class ConcatCritic : public detail::Models<T, B, 1> {
 public:
  ConcatCritic(Index dx, Index dy, const CriticSpec& spec, std::uint64_t seed, const B& backend,
               double lr, double weight_decay = 0.0)
      : detail::Models<T, B, 1>(
            {nn::MlpSpec{detail::mlp_widths(dx + dy, spec.hidden, 1), spec.activation}}, seed,
            backend, lr, weight_decay),
        dx_(dx),
        dy_(dy) {}

  /// Scores of the pairs (x[xr[c]], y[yr[c]]), c = 0..m-1: a (1 x m) view in the
  /// backend's memory, valid until the next forward pass.
  nn::ConstMatrixRef<T> pair_scores(const RowMatrix<T>& x, const RowMatrix<T>& y,
                                    std::span<const Index> xr, std::span<const Index> yr) {
    const auto m = static_cast<Index>(xr.size());
    detail::reserve_rows(input_, m, dx_ + dy_);
    detail::gather_rows(x, xr, 0, input_);
    detail::gather_rows(y, yr, dx_, input_);
    return this->mlp(0).forward_host(nn::as_batch(input_.topRows(m)));
  }

  /// The K x K matrix S_ij = T(x[rows[i]], y[rows[j]]) (K^2 forward passes).
  nn::ConstMatrixRef<T> matrix_scores(const RowMatrix<T>& x, const RowMatrix<T>& y,
                                      std::span<const Index> rows) {
    const auto k = static_cast<Index>(rows.size());
    pair_x_.resize(static_cast<std::size_t>(k * k));
    pair_y_.resize(static_cast<std::size_t>(k * k));
    for (Index j = 0; j < k; ++j) {  // column-major: entry (i, j) is pair i + k j
      for (Index i = 0; i < k; ++i) {
        pair_x_[static_cast<std::size_t>(i + k * j)] = rows[static_cast<std::size_t>(i)];
        pair_y_[static_cast<std::size_t>(i + k * j)] = rows[static_cast<std::size_t>(j)];
      }
    }
    const nn::ConstMatrixRef<T> flat = pair_scores(x, y, pair_x_, pair_y_);
    return {flat.data, k, k, k};
  }

  /// Parameter gradients from dLoss/dScores (the shape of the last scores).
  void backward(nn::ConstMatrixRef<T> d_scores) {
    this->mlp(0).backward(nn::ConstMatrixRef<T>(d_scores.data, 1, d_scores.size(), 1));
  }

 private:
  Index dx_, dy_;
  RowMatrix<T> input_;
  std::vector<Index> pair_x_, pair_y_;
};

/// T(x, y) = f(x)^T g(y) / sqrt(e); all-pairs scores only.
template <class T = float, class B = nn::CpuBackend<T>>
class SeparableCritic : public detail::Models<T, B, 2> {
 public:
  SeparableCritic(Index dx, Index dy, const CriticSpec& spec, std::uint64_t seed,
                  const B& backend, double lr, double weight_decay = 0.0)
      : detail::Models<T, B, 2>(
            {nn::MlpSpec{detail::mlp_widths(dx, spec.hidden, spec.embedding), spec.activation},
             nn::MlpSpec{detail::mlp_widths(dy, spec.hidden, spec.embedding), spec.activation}},
            seed, backend, lr, weight_decay),
        backend_(backend),
        scale_(static_cast<T>(1.0 / std::sqrt(static_cast<double>(spec.embedding)))) {}

  /// The K x K matrix S = F^T G / sqrt(e), F = f(x[rows]), G = g(y[rows]) (e x K each).
  nn::ConstMatrixRef<T> matrix_scores(const RowMatrix<T>& x, const RowMatrix<T>& y,
                                      std::span<const Index> rows) {
    const auto k = static_cast<Index>(rows.size());
    detail::reserve_rows(x_rows_, k, x.cols());
    detail::reserve_rows(y_rows_, k, y.cols());
    detail::gather_rows(x, rows, 0, x_rows_);
    detail::gather_rows(y, rows, 0, y_rows_);
    const auto f = this->mlp(0).forward_host(nn::as_batch(x_rows_.topRows(k)));
    const auto g = this->mlp(1).forward_host(nn::as_batch(y_rows_.topRows(k)));
    backend_.resize(scores_, k * k);
    nn::MatrixRef<T> s(backend_.data(scores_), k, k);
    backend_.gemm(nn::Trans::yes, nn::Trans::no, scale_, f, g, T(0), s);
    return s;
  }

  /// dF = G dS^T / sqrt(e), dG = F dS / sqrt(e), then each MLP's backward pass.
  void backward(nn::ConstMatrixRef<T> d_scores) {
    const auto f = this->mlp(0).output();
    const auto g = this->mlp(1).output();
    backend_.resize(d_f_, f.size());
    backend_.resize(d_g_, g.size());
    nn::MatrixRef<T> df(backend_.data(d_f_), f.rows, f.cols);
    nn::MatrixRef<T> dg(backend_.data(d_g_), g.rows, g.cols);
    backend_.gemm(nn::Trans::no, nn::Trans::yes, scale_, g, d_scores, T(0), df);
    backend_.gemm(nn::Trans::no, nn::Trans::no, scale_, f, d_scores, T(0), dg);
    this->mlp(0).backward(df);
    this->mlp(1).backward(dg);
  }

 private:
  B backend_;
  T scale_;  // 1 / sqrt(embedding)
  RowMatrix<T> x_rows_, y_rows_;
  typename B::Buffer scores_, d_f_, d_g_;
};

}  // namespace mmc::neural
