// mmc/metric/shared_critic.hpp — the mine backend of the complementarity metric:
// every I(X_S; Y) it needs from ONE Donsker–Varadhan critic (docs/design.md §3.4).
//
// Why one critic. Gamma_i = I(X_all; Y) - I(X_{-i}; Y) is often a small
// difference of two large numbers. Estimated by separate MINE runs (one critic
// each, different inputs, different seeds) their biases do not cancel: on the
// fully redundant alpha = 1 generator (true C = 0) that gave C = -0.71. Here one
// critic sees every variant of the input — all modalities, and all but modality
// i for each i (modality i's columns set to their mean, 0 after centring, plus
// an indicator column saying which modality is blank) — and is trained on the
// sum of the variants' bounds. Where modality i adds nothing, the best critic
// scores both variants alike and Gamma_i comes out near 0; the paired held-out
// difference of one critic also has far less variance than two runs.
//
// The critic has one output per class, T(x, y) = f_y(x̃), and the product of
// marginals is summed over the label exactly instead of by shuffled pairs
// (Y is discrete with the empirical marginal p(y)):
//   I(X_v; Y) >= E_{p(x,y)}[f_y(x̃_v)] - log E_{p(x)} sum_y p(y) exp f_y(x̃_v)     (DV)
// with equality at f_y(x) = log p(y | x_v) / p(y) + const (Belghazi et al. 2018,
// eq. (9)). The gradient of the log term uses MINE's moving average of the
// denominator (option ema; 1 = the plain batch gradient). Reported values are the
// bounds on the held-out split.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/special.hpp"
#include "mmc/core/types.hpp"
#include "mmc/metric/knn_backend.hpp"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/neural/critic.hpp"
#include "mmc/neural/neural_mi.hpp"
#include "mmc/neural/split.hpp"
#include "mmc/neural/trainer.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::metric {

/// What SharedCriticMine returns: the held-out DV bound of each variant.
struct SharedCriticResult {
  double joint = 0.0;                ///< Î(X_all; Y)
  std::vector<double> without;       ///< without[i] = Î(X_{-i}; Y)
  Index steps = 0;
  double seconds = 0.0;
};

namespace detail {

/// Column block [offset, offset + width) of modality i in the concatenation.
struct ColumnBlock {
  Index offset = 0, width = 0;
};

/// The model run_training trains: one MLP (d + m inputs -> classes outputs) on
/// all m + 1 input variants of each minibatch sample.
template <class T, class B>
class SharedCriticModel : public neural::detail::Models<T, B, 1> {
 public:
  SharedCriticModel(nn::MlpSpec spec, const neural::NeuralMiOptions<neural::Bound::dv>& o,
                    const B& backend, const RowMatrix<T>& x, std::vector<ColumnBlock> blocks,
                    std::span<const int> labels, std::vector<double> log_prior,
                    std::vector<Index> train, std::vector<Index> heldout)
      : neural::detail::Models<T, B, 1>({std::move(spec)}, o.seed, backend, o.lr, o.weight_decay),
        backend_(backend), x_(x), blocks_(std::move(blocks)), labels_(labels),
        log_prior_(std::move(log_prior)), heldout_(std::move(heldout)),
        sampler_(std::move(train), o.seed), batch_(o.batch), chunk_(o.eval_chunk), ema_(o.ema),
        states_(blocks_.size() + 1) {
    rows_.resize(static_cast<std::size_t>(batch_));
  }

  Index variants() const noexcept { return static_cast<Index>(blocks_.size()) + 1; }

  /// One minibatch: all variants of K samples in one forward pass; the loss is
  /// minus the mean of the variants' DV bounds.
  neural::StepValues step() {
    sampler_.next(batch_, rows_.data());
    const Index k = batch_, v_count = variants();
    forward(rows_, v_count);
    host_grad_.resize(host_out_.rows(), host_out_.cols());
    double objective = 0.0, full = 0.0;
    for (Index v = 0; v < v_count; ++v) {
      const auto block = host_out_.middleCols(v * k, k);
      const BoundParts parts = bound_parts(block, rows_);
      const double dv = parts.joint_sum / static_cast<double>(k) - parts.log_marginal_mean;
      objective += dv;
      if (v == 0) full = dv;
      const double log_ema = states_[static_cast<std::size_t>(v)].update(parts.log_marginal_mean, ema_);
      // d(-DV_v / V)/d f_y(x_c) = (p(y) e^{f_y} / (K m_t) - [y = y_c] / K) / V, m_t the average.
      auto g = host_grad_.middleCols(v * k, k);
      const double scale = 1.0 / (static_cast<double>(k) * static_cast<double>(v_count));
      for (Index c = 0; c < k; ++c) {
        for (Index y = 0; y < g.rows(); ++y) {
          g(y, c) = static_cast<T>(scale * std::exp(static_cast<double>(block(y, c)) +
                                                    log_prior_[static_cast<std::size_t>(y)] - log_ema));
        }
        g(label(rows_[static_cast<std::size_t>(c)]), c) -= static_cast<T>(scale);
      }
    }
    backend_.resize(grad_, host_grad_.size());
    backend_.upload(host_grad_.data(), host_grad_.rows(), grad_view());
    this->mlp(0).backward(grad_view());
    return {-objective / static_cast<double>(v_count), full};
  }

  /// Monitor: the mean of the variants' held-out bounds (what training maximises).
  double evaluate() {
    const std::vector<double> values = heldout_bounds();
    double sum = 0.0;
    for (double v : values) sum += v;
    return sum / static_cast<double>(values.size());
  }
  void reset_state() {
    for (auto& s : states_) s = neural::BoundState{};
  }

  /// The DV bound of every variant on the held-out samples (chunks of eval_chunk).
  std::vector<double> heldout_bounds() {
    const Index v_count = variants();
    std::vector<double> joint(static_cast<std::size_t>(v_count), 0.0);
    std::vector<double> log_marginal(static_cast<std::size_t>(v_count), -kInfinity);
    const std::span<const Index> all(heldout_);
    for (std::size_t begin = 0; begin < all.size(); begin += static_cast<std::size_t>(chunk_)) {
      const auto rows = all.subspan(begin, std::min(all.size() - begin, static_cast<std::size_t>(chunk_)));
      const auto m = static_cast<Index>(rows.size());
      forward(rows, v_count);
      for (Index v = 0; v < v_count; ++v) {
        const BoundParts parts = bound_parts(host_out_.middleCols(v * m, m), rows);
        const auto s = static_cast<std::size_t>(v);
        joint[s] += parts.joint_sum;
        // log sum over samples = log(m) + log mean; accumulate the sum in log space.
        log_marginal[s] = logaddexp(log_marginal[s], parts.log_marginal_mean + std::log(double(m)));
      }
    }
    const double n = static_cast<double>(all.size());
    std::vector<double> bounds(static_cast<std::size_t>(v_count));
    for (std::size_t s = 0; s < bounds.size(); ++s) bounds[s] = joint[s] / n - (log_marginal[s] - std::log(n));
    return bounds;
  }

 private:
  static constexpr double kInfinity = std::numeric_limits<double>::infinity();

  struct BoundParts {
    double joint_sum = 0.0;          ///< sum_c f_{y_c}(x_c)
    double log_marginal_mean = 0.0;  ///< log mean_c sum_y p(y) e^{f_y(x_c)}
  };

  int label(Index row) const { return labels_[static_cast<std::size_t>(row)]; }

  template <class Block>
  BoundParts bound_parts(const Block& scores, std::span<const Index> rows) const {
    BoundParts parts;
    double top = -kInfinity;
    for (Index c = 0; c < scores.cols(); ++c) {
      parts.joint_sum += static_cast<double>(scores(label(rows[static_cast<std::size_t>(c)]), c));
      for (Index y = 0; y < scores.rows(); ++y) {
        top = std::max(top, static_cast<double>(scores(y, c)) + log_prior_[static_cast<std::size_t>(y)]);
      }
    }
    double sum = 0.0;
    for (Index c = 0; c < scores.cols(); ++c) {
      for (Index y = 0; y < scores.rows(); ++y) {
        sum += std::exp(static_cast<double>(scores(y, c)) + log_prior_[static_cast<std::size_t>(y)] - top);
      }
    }
    parts.log_marginal_mean = top + std::log(sum) - std::log(static_cast<double>(scores.cols()));
    return parts;
  }

  /// Scores of all variants of `rows` into host_out_ (classes x V*m, variant v
  /// in columns [v m, (v + 1) m)). Variant 0 is the full input; variant 1 + i
  /// has modality i's block zeroed and indicator column d + i set to 1.
  void forward(std::span<const Index> rows, Index v_count) {
    const auto m = static_cast<Index>(rows.size());
    const Index d = x_.cols();
    neural::detail::reserve_rows(input_, v_count * m, d + v_count - 1);
    for (Index v = 0; v < v_count; ++v) {
      for (Index c = 0; c < m; ++c) {
        auto row = input_.row(v * m + c);
        row.head(d) = x_.row(rows[static_cast<std::size_t>(c)]);
        row.tail(v_count - 1).setZero();
        if (v > 0) {
          const ColumnBlock& b = blocks_[static_cast<std::size_t>(v - 1)];
          row.segment(b.offset, b.width).setZero();
          row(d + v - 1) = T(1);
        }
      }
    }
    const nn::ConstMatrixRef<T> out = this->mlp(0).forward_host(nn::as_batch(input_.topRows(v_count * m)));
    host_out_.resize(out.rows, out.cols);
    backend_.download(out, host_out_.data(), out.rows);
  }
  nn::MatrixRef<T> grad_view() { return {backend_.data(grad_), host_grad_.rows(), host_grad_.cols()}; }

  B backend_;
  const RowMatrix<T>& x_;
  std::vector<ColumnBlock> blocks_;
  std::span<const int> labels_;
  std::vector<double> log_prior_;
  std::vector<Index> heldout_;
  neural::BatchSampler sampler_;
  Index batch_, chunk_;
  double ema_;
  std::vector<neural::BoundState> states_;
  std::vector<Index> rows_;
  RowMatrix<T> input_;
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> host_out_, host_grad_;
  typename B::Buffer grad_;
};

}  // namespace detail

/// Î(X_all; Y) and every Î(X_{-i}; Y) from one shared DV critic (see the top of
/// this file). `modalities` are the metric's (standardised) modalities, `labels`
/// the recoded labels 0..classes-1; the options' critic hidden widths,
/// activation, steps, batch, lr, weight decay, lr schedule, ema, holdout, seed
/// and threads are used.
template <class T = float, class B = nn::CpuBackend<T>>
SharedCriticResult shared_critic_mine(const std::vector<RowMatrix<double>>& modalities,
                                      const Labels& labels, Index classes,
                                      neural::NeuralMiOptions<neural::Bound::dv> o) {
  constexpr std::string_view fn = "mmc::metric::shared_critic_mine";
  const auto start = std::chrono::steady_clock::now();
  neural::detail::check_training_options(fn, o);
  const Index n = labels.size();
  neural::check_split_sizes(fn, n, o.holdout, o.batch, 1);

  // Centre every column (MI is unchanged) so that 0 is each column's mean:
  // the value a blank modality takes.
  std::vector<detail::ColumnBlock> blocks;
  Index width = 0;
  for (const auto& m : modalities) {
    blocks.push_back({width, m.cols()});
    width += m.cols();
  }
  RowMatrix<double> all =
      detail::concat_modalities(modalities, detail::all_but(modalities.size(), modalities.size()));
  all.rowwise() -= all.colwise().mean();
  const RowMatrix<T> x = all.cast<T>();

  std::vector<int> codes(static_cast<std::size_t>(n));
  std::vector<double> log_prior(static_cast<std::size_t>(classes), 0.0);
  for (Index r = 0; r < n; ++r) {
    codes[static_cast<std::size_t>(r)] = static_cast<int>(labels(r));
    log_prior[static_cast<std::size_t>(labels(r))] += 1.0;
  }
  for (double& p : log_prior) p = std::log(p / static_cast<double>(n));

  const auto v_count = static_cast<Index>(modalities.size()) + 1;
  nn::MlpSpec spec{neural::detail::mlp_widths(width + v_count - 1, o.hidden, classes), o.activation};
  neural::Split split = neural::make_split(n, o.holdout, o.seed);
  const B backend = neural::detail::make_backend<B>(o.threads);
  detail::SharedCriticModel<T, B> model(std::move(spec), o, backend, x, blocks, codes,
                                        std::move(log_prior), std::move(split.train),
                                        std::move(split.heldout));
  const std::string fix = "lower the learning rate (lr, " + neural::detail::number(o.lr) +
                          " now; CLI --lr), clip gradients (clip_norm, e.g. 1.0), or set "
                          "recover_from_divergence = true";
  const neural::TrainingLog log = neural::run_training(model, o, fn, true, fix);
  const std::vector<double> bounds = model.heldout_bounds();
  SharedCriticResult r;
  r.joint = bounds[0];
  r.without.assign(bounds.begin() + 1, bounds.end());
  r.steps = log.steps;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace mmc::metric
