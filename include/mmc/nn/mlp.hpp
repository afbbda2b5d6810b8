// mmc/nn/mlp.hpp — the multilayer perceptron used by every neural component:
// critics of the MI bounds (docs/design.md §3.2), CENE's classifier and mixture
// density network (§3.3), the fusion encoders and heads (§3.6-3.7).
//
// Training step (allocation-free after the first step at the largest batch):
//     auto out = mlp.forward(as_batch(x_rows));       // (outputs x batch)
//     double loss = some_loss(out, ..., view(d_out));  // dLoss/dOutput
//     mlp.backward(view(d_out));                        // fills mlp.gradients()
//     adam.step(mlp.parameters(), mlp.gradients());
// FGSM and other input attacks: mlp.backward(d_out, {.parameter_gradients = false,
// .input_gradient = true}) then mlp.input_gradient().
//
// Memory: parameters (all W and b, layer after layer) are ONE flat buffer and
// the gradients another with the same layout (dense.hpp), so an optimizer step
// or a gradient norm is one pass. Each layer keeps its output (post-activation;
// derivatives are computed from it, activations.hpp); the input batch is copied
// so the caller may reuse its memory. Workspaces grow to the largest batch seen
// (or reserve()) and are then reused: views returned by forward, output,
// activation and input_gradient stay valid until the next forward/backward
// with a larger batch. Threading and bit-reproducibility are the backend's
// (cpu_backend.hpp): the MLP only issues GEMMs and element-wise operations.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/dense.hpp"
#include "mmc/nn/init.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn {

/// Architecture of an MLP.
struct MlpSpec {
  /// Layer widths {inputs, hidden..., outputs}, e.g. {10, 256, 256, 1}; at least 2.
  std::vector<Index> widths;
  /// Activation after every hidden layer.
  Activation hidden = Activation::relu;
  /// Activation after the last layer (identity: logits / critic values).
  Activation output = Activation::identity;
  /// Weight initialisation (automatic: He before ReLU-like, Xavier otherwise).
  Init init = Init::automatic;
};

/// What backward computes.
struct BackwardOptions {
  /// Fill gradients() (false: only propagate, e.g. for FGSM).
  bool parameter_gradients = true;
  /// Also compute dLoss/dInput, read with input_gradient().
  bool input_gradient = false;
  /// Add to gradients() instead of overwriting them (several losses per step).
  bool accumulate = false;
};

template <class T = float, class B = CpuBackend<T>>
class Mlp {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::nn::Mlp<T, B>");

 public:
  using Scalar = T;
  using BackendType = B;

  /// Builds the layers and initialises the weights from `seed` (init.hpp).
  explicit Mlp(MlpSpec spec, std::uint64_t seed = 0, B backend = B())
      : spec_(std::move(spec)), backend_(std::move(backend)) {
    constexpr const char* fn = "mmc::nn::Mlp";
    if (spec_.widths.size() < 2) {
      mmc::detail::throw_invalid(fn, "widths",
                            "has " + std::to_string(spec_.widths.size()) + " entries",
                            "pass at least {inputs, outputs}, e.g. {10, 256, 256, 1}");
    }
    for (std::size_t i = 0; i < spec_.widths.size(); ++i) {
      if (spec_.widths[i] < 1) {
        mmc::detail::throw_invalid(fn, "widths",
                              "has width " + std::to_string(spec_.widths[i]) + " at position " +
                                  std::to_string(i),
                              "every layer needs at least one unit");
      }
    }
    Index offset = 0;
    for (std::size_t l = 0; l + 1 < spec_.widths.size(); ++l) {
      Dense<T> layer;
      layer.in = spec_.widths[l];
      layer.out = spec_.widths[l + 1];
      layer.activation = l + 2 == spec_.widths.size() ? spec_.output : spec_.hidden;
      layer.offset = offset;
      offset += layer.parameter_count();
      max_width_ = std::max({max_width_, layer.in, layer.out});
      layers_.push_back(layer);
    }
    parameter_count_ = offset;
    backend_.resize(params_, parameter_count_);
    backend_.resize(grads_, parameter_count_);
    backend_.fill(gradients(), T(0));
    initialize(seed);
  }

  /// Shorthand: widths, hidden activation, identity output, automatic init.
  Mlp(std::vector<Index> widths, Activation hidden, std::uint64_t seed = 0, B backend = B())
      : Mlp(MlpSpec{std::move(widths), hidden, Activation::identity, Init::automatic}, seed,
            std::move(backend)) {}

  /// Re-draws all weights from `seed` (biases to zero).
  void initialize(std::uint64_t seed) {
    std::vector<T> host(static_cast<std::size_t>(parameter_count_), T(0));
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const Dense<T>& layer = layers_[l];
      Rng rng(seed, l);
      fill_weights(host.data() + layer.offset, layer.in, layer.out,
                   resolve_init(spec_.init, layer.activation), rng);
    }
    backend_.upload(host.data(), parameter_count_, parameters());
  }

  const MlpSpec& spec() const noexcept { return spec_; }
  const std::vector<Dense<T>>& layers() const noexcept { return layers_; }
  Index input_size() const noexcept { return spec_.widths.front(); }
  Index output_size() const noexcept { return spec_.widths.back(); }
  Index parameter_count() const noexcept { return parameter_count_; }
  /// Columns of the last forward pass (0 before the first).
  Index batch() const noexcept { return batch_; }
  /// Largest batch the workspaces hold without growing.
  Index capacity() const noexcept { return capacity_; }
  B& backend() noexcept { return backend_; }

  /// Preallocates the workspaces for batches of up to max_batch columns.
  void reserve(Index max_batch) {
    if (max_batch <= capacity_) return;
    acts_.resize(layers_.size() + 1);
    for (std::size_t l = 0; l <= layers_.size(); ++l) {
      backend_.resize(acts_[l], spec_.widths[l] * max_batch);
    }
    for (auto& g : grad_work_) backend_.resize(g, max_width_ * max_batch);
    capacity_ = max_batch;
  }

  /// Forward pass of a batch (input_size x batch) in the backend's memory (host
  /// memory for CpuBackend: pass as_batch(rows) for one-sample-per-row data).
  /// Returns the output (output_size x batch), also available as output().
  ConstMatrixRef<T> forward(ConstMatrixRef<T> input) {
    check_input(input);
    backend_.copy(input, activation_ref(0, input.cols));
    return run_forward(input.cols);
  }

  /// Same as forward, with the input in host memory (uploaded first).
  ConstMatrixRef<T> forward_host(ConstMatrixRef<T> host_input) {
    check_input(host_input);
    backend_.upload(host_input.data, host_input.ld, activation_ref(0, host_input.cols));
    return run_forward(host_input.cols);
  }

  /// Output of the last forward pass.
  ConstMatrixRef<T> output() const { return activation(layers_.size()); }

  /// Output of layer l after its activation (l = 0: the copied input batch);
  /// an empty view before the first forward pass.
  ConstMatrixRef<T> activation(std::size_t l) const {
    if (batch_ == 0) return {};
    return {backend_.data(acts_.at(l)), spec_.widths.at(l), batch_};
  }

  /// Backward pass from dLoss/dOutput (output_size x batch of the last forward).
  void backward(ConstMatrixRef<T> d_output, const BackwardOptions& options = {}) {
    constexpr const char* fn = "mmc::nn::Mlp::backward";
    if (batch_ == 0) {
      mmc::detail::throw_invalid(fn, "d_output", "was given before any forward pass",
                            "call forward(input) first, then backward(dLoss/dOutput)");
    }
    if (d_output.rows != output_size() || d_output.cols != batch_) {
      mmc::detail::throw_invalid(fn, "d_output",
                            "is " + std::to_string(d_output.rows) + " x " +
                                std::to_string(d_output.cols) + " but the last forward output is " +
                                std::to_string(output_size()) + " x " + std::to_string(batch_),
                            "pass dLoss/dOutput with the shape of forward()'s result");
    }
    const T beta = options.accumulate ? T(1) : T(0);
    T* params = backend_.data(params_);
    T* grads = backend_.data(grads_);
    // dz: dLoss/dZ of the current layer; `holder` is the work buffer it lives in
    // (-1: the caller's d_output, used directly when the output is linear).
    ConstMatrixRef<T> dz = d_output;
    int holder = -1;
    const Dense<T>& last = layers_.back();
    if (last.activation != Activation::identity) {
      MatrixRef<T> g = grad_ref(0, output_size());
      backend_.copy(d_output, g);
      last.activation_backward(backend_, output(), g);
      dz = g;
      holder = 0;
    }
    input_gradient_buffer_ = -1;
    for (std::size_t l = layers_.size(); l-- > 0;) {
      const Dense<T>& layer = layers_[l];
      const bool need_dx = l > 0 || options.input_gradient;
      const int next = holder == 0 ? 1 : 0;
      MatrixRef<T> dx = need_dx ? grad_ref(next, layer.in) : MatrixRef<T>();
      // Below the first layer dx is dL/dX itself; above it, dL/dZ of layer l - 1.
      layer.backward_linear(backend_, params, grads, activation(l), dz, dx, options.parameter_gradients, beta,
                            l > 0 ? layers_[l - 1].activation : Activation::identity);
      if (l == 0 && options.input_gradient) input_gradient_buffer_ = next;
      dz = dx;
      holder = next;
    }
  }

  /// dLoss/dInput (input_size x batch) of the last backward with input_gradient.
  ConstMatrixRef<T> input_gradient() const {
    if (input_gradient_buffer_ < 0) {
      mmc::detail::throw_invalid("mmc::nn::Mlp::input_gradient", "options.input_gradient",
                            "was false in the last backward pass, so there is no input gradient",
                            "call backward(d_output, {.input_gradient = true}) first");
    }
    return {backend_.data(grad_work_[input_gradient_buffer_]), input_size(), batch_};
  }

  /// All parameters as one (parameter_count x 1) column: W1, b1, W2, b2, ...
  MatrixRef<T> parameters() noexcept { return {backend_.data(params_), parameter_count_, 1}; }
  ConstMatrixRef<T> parameters() const noexcept {
    return {backend_.data(params_), parameter_count_, 1};
  }
  /// Gradients, same layout as parameters().
  MatrixRef<T> gradients() noexcept { return {backend_.data(grads_), parameter_count_, 1}; }
  ConstMatrixRef<T> gradients() const noexcept {
    return {backend_.data(grads_), parameter_count_, 1};
  }
  /// Layer l's weights (out x in) and biases (out x 1), views into parameters().
  MatrixRef<T> weight(std::size_t l) { return layers_.at(l).weight(backend_.data(params_)); }
  MatrixRef<T> bias(std::size_t l) { return layers_.at(l).bias(backend_.data(params_)); }

  /// Host copies of the parameters (e.g. to save a model or freeze a teacher).
  Vector<T> get_parameters() const {
    Vector<T> host(parameter_count_);
    backend_.download(parameters(), host.data(), parameter_count_);
    return host;
  }
  void set_parameters(const Vector<T>& host) {
    if (host.size() != parameter_count_) {
      mmc::detail::throw_invalid("mmc::nn::Mlp::set_parameters", "host",
                            "has " + std::to_string(host.size()) + " values but the MLP has " +
                                std::to_string(parameter_count_) + " parameters",
                            "pass a vector from get_parameters() of an MLP with the same widths");
    }
    backend_.upload(host.data(), parameter_count_, parameters());
  }

 private:
  void check_input(ConstMatrixRef<T> input) const {
    constexpr const char* fn = "mmc::nn::Mlp::forward";
    if (input.rows != input_size()) {
      mmc::detail::throw_invalid(fn, "input",
                            "has " + std::to_string(input.rows) + " features (rows) but the MLP takes " +
                                std::to_string(input_size()),
                            "pass a (features x batch) view, e.g. as_batch(x) for a matrix with "
                            "one sample per row and " + std::to_string(input_size()) + " columns");
    }
    if (input.cols < 1 || input.data == nullptr) {
      mmc::detail::throw_invalid(fn, "input", "is an empty batch", "pass at least one sample");
    }
  }

  ConstMatrixRef<T> run_forward(Index batch) {
    batch_ = batch;
    input_gradient_buffer_ = -1;
    const T* params = backend_.data(params_);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      layers_[l].forward(backend_, params, activation(l), activation_ref(l + 1, batch));
    }
    return output();
  }

  MatrixRef<T> activation_ref(std::size_t l, Index batch) {
    reserve(batch);
    return {backend_.data(acts_[l]), spec_.widths[l], batch};
  }
  MatrixRef<T> grad_ref(int which, Index rows) {
    return {backend_.data(grad_work_[which]), rows, batch_};
  }

  MlpSpec spec_;
  mutable B backend_;  // a handle to an execution context (backend.hpp)
  std::vector<Dense<T>> layers_;
  Index parameter_count_ = 0;
  Index max_width_ = 0;
  Index capacity_ = 0;
  Index batch_ = 0;
  int input_gradient_buffer_ = -1;
  typename B::Buffer params_, grads_;
  std::vector<typename B::Buffer> acts_;    // layer outputs; acts_[0] = input copy
  typename B::Buffer grad_work_[2];          // ping-pong dLoss/dZ buffers
};

}  // namespace mmc::nn
