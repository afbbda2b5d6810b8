// The whole-network CPU-vs-CUDA comparisons (shared by test_cuda_mlp.cu and
// standalone_check.cu; see cuda_cases.cuh for the error measure): the same
// mmc::nn::Mlp, built from the same seed, run on CpuBackend<float> and
// CudaBackend<float> — forward, backward (parameter and input gradients) and
// one AdamW step — must agree to 1e-4 relative (docs/design.md §4).
//
// Why the Adam step uses eps = 1e-2 and a mean-type loss gradient (d_out / batch):
// with the usual eps = 1e-8 the first Adam step is lr * sign(g), so a gradient
// that is zero up to rounding could flip sign between the backends and move a
// parameter by 2 lr — a discontinuity no rounding argument bounds. With eps =
// 1e-2 the step lr * g / (|g| + eps) is Lipschitz in g with constant lr / eps;
// gradients agree to ~1e-6 relative (|g| <= ~0.1 here, so |dg| <= ~1e-7) and the
// steps then agree to ~lr * 1e-5, i.e. 1e-5 of the step (checked at 1e-3) and
// far below 1e-4 of the parameters.
#pragma once

#include <string>
#include <vector>

#include "cuda_cases.cuh"
#include "mmc/core/types.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"

namespace mmc::cuda::testing {

/// Host copies of everything one training step produced on one backend.
struct StepRecord {
  std::vector<float> initial, output, gradients, input_gradient, updated;
  std::vector<nn::Dense<float>> layers;
};

struct NetCase {
  nn::MlpSpec spec;
  Index batch;
};

/// The networks compared. ReLU's derivative jumps at 0, so a pre-activation
/// within rounding (~1e-7) of 0 could be masked on one backend and not on the
/// other, changing one sample's share of a gradient by O(1/sqrt(batch)) — not
/// a bug, but a failure at 1e-4. A float32-vs-float64 simulation of He-initialised
/// ReLU layers (numpy, 20 seeds) gives ~0.05 such flips per 2.6e5
/// pre-activations, so the ReLU net is kept small (16-32-32-1, batch 128: ~8e3
/// pre-activations, odds ~2e-3); the wide net uses ELU, whose derivative is
/// continuous at 0 (1 = e^0), and tanh/softplus are smooth.
inline std::vector<NetCase> net_cases() {
  using nn::Activation;
  return {{{{32, 256, 256, 1}, Activation::elu, Activation::identity}, 512},
          {{{16, 32, 32, 1}, Activation::relu, Activation::identity}, 128},
          {{{10, 40, 3}, Activation::tanh, Activation::softplus}, 77}};
}

template <class V>
std::vector<float> to_vector(const V& v) {
  return std::vector<float>(v.data(), v.data() + v.size());
}

/// forward_host + backward (with the input gradient) + one AdamW step on backend B.
template <class B>
StepRecord run_step(const NetCase& net, B backend) {
  StepRecord rec;
  nn::Mlp<float, B> mlp(net.spec, 7, backend);
  rec.layers = mlp.layers();
  rec.initial = to_vector(mlp.get_parameters());

  const RowMatrix<float> x = [&] {
    const HostMatrix m = HostMatrix::random(net.batch, mlp.input_size(), 0, 81);
    RowMatrix<float> r(net.batch, mlp.input_size());
    std::copy(m.values.begin(), m.values.end(), r.data());
    return r;
  }();
  const auto out = mlp.forward_host(nn::as_batch(x));
  rec.output.resize(static_cast<std::size_t>(out.size()));
  backend.download(out, rec.output.data(), out.rows);

  // dLoss/dOutput of a mean-type loss: N(0, 1) / batch, in the backend's memory.
  HostMatrix d_out = HostMatrix::random(mlp.output_size(), net.batch, 0, 82);
  for (float& v : d_out.values) v /= static_cast<float>(net.batch);
  typename B::Buffer d_buffer;
  backend.resize(d_buffer, d_out.rows * d_out.cols);
  const nn::MatrixRef<float> d_view{backend.data(d_buffer), d_out.rows, d_out.cols};
  backend.upload(d_out.values.data(), d_out.ld, d_view);
  mlp.backward(d_view, {.parameter_gradients = true, .input_gradient = true});

  rec.gradients.resize(static_cast<std::size_t>(mlp.parameter_count()));
  backend.download(mlp.gradients(), rec.gradients.data(), mlp.parameter_count());
  const auto dx = mlp.input_gradient();
  rec.input_gradient.resize(static_cast<std::size_t>(dx.size()));
  backend.download(dx, rec.input_gradient.data(), dx.rows);

  nn::Adam<float, B> adam({.lr = 1e-3, .eps = 1e-2, .weight_decay = 0.01}, backend);
  adam.step(mlp);
  rec.updated = to_vector(mlp.get_parameters());
  return rec;
}

/// Relative difference of each layer's W and b separately (a small bias
/// gradient must not hide behind a large weight gradient).
inline void add_per_layer(CaseResult& r, const StepRecord& gpu, const StepRecord& cpu,
                          const std::vector<float> StepRecord::*field, const std::string& what) {
  for (std::size_t l = 0; l < cpu.layers.size(); ++l) {
    const auto& layer = cpu.layers[l];
    const auto block = [&](const StepRecord& s, Index begin, Index count) {
      const auto& v = s.*field;
      return std::vector<float>(v.begin() + begin, v.begin() + begin + count);
    };
    const Index w = layer.out * layer.in;
    r.add(relative_difference(block(gpu, layer.offset, w), block(cpu, layer.offset, w)),
          what + " W" + std::to_string(l + 1));
    r.add(relative_difference(block(gpu, layer.offset + w, layer.out),
                              block(cpu, layer.offset + w, layer.out)),
          what + " b" + std::to_string(l + 1));
  }
}

/// Runs every network on both backends and lets `compare` add to the result.
template <class Compare>
CaseResult compare_nets(double tolerance, Compare&& compare) {
  CaseResult r{0.0, tolerance, ""};
  for (const NetCase& net : net_cases()) {
    const StepRecord cpu = run_step(net, Cpu());
    const StepRecord gpu = run_step(net, Gpu());
    // Built by appending only: GCC 12 at -O3 reports a false -Wrestrict in
    // the inlined `"literal" + std::string&&` (string::insert at position 0).
    std::string name = "net";
    for (Index w : net.spec.widths) name.append("-").append(std::to_string(w));
    name.append(" ").append(nn::activation_name(net.spec.hidden)).append(" batch ");
    name.append(std::to_string(net.batch));
    compare(r, gpu, cpu, name);
  }
  return r;
}

inline std::vector<float> difference(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<float> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return d;
}

inline std::vector<Case> mlp_cases() {
  return {
      {"mlp_initial_parameters_identical",
       [] {  // the weights are drawn on the host and uploaded: bit-identical
         return compare_nets(0.0, [](CaseResult& r, const StepRecord& g, const StepRecord& c,
                                     const std::string& n) {
           r.add(relative_difference(g.initial, c.initial), n + " initial parameters");
         });
       }},
      {"mlp_forward",
       [] {
         return compare_nets(kTolerance, [](CaseResult& r, const StepRecord& g,
                                            const StepRecord& c, const std::string& n) {
           r.add(relative_difference(g.output, c.output), n + " output");
         });
       }},
      {"mlp_backward",
       [] {
         return compare_nets(kTolerance, [](CaseResult& r, const StepRecord& g,
                                            const StepRecord& c, const std::string& n) {
           add_per_layer(r, g, c, &StepRecord::gradients, n + " gradient");
           r.add(relative_difference(g.input_gradient, c.input_gradient), n + " input gradient");
         });
       }},
      {"mlp_adam_step_parameters",
       [] {
         return compare_nets(kTolerance, [](CaseResult& r, const StepRecord& g,
                                            const StepRecord& c, const std::string& n) {
           add_per_layer(r, g, c, &StepRecord::updated, n + " parameters after Adam");
         });
       }},
      {"mlp_adam_step_update",
       [] {  // the step itself (p_new - p_old), at 1e-3 (see the header comment)
         return compare_nets(1e-3, [](CaseResult& r, const StepRecord& g, const StepRecord& c,
                                      const std::string& n) {
           r.add(relative_difference(difference(g.updated, g.initial),
                                     difference(c.updated, c.initial)),
                 n + " Adam update");
         });
       }},
  };
}

}  // namespace mmc::cuda::testing
