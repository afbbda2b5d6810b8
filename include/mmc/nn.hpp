// mmc/nn.hpp — the autodiff-light MLP (docs/design.md §1 nn/): backend concept and the
// CPU (Eigen) backend, activations, dense layers, the MLP, initialisation,
// losses (cross-entropy, MSE, Gaussian-mixture NLL), Adam/SGD, gradient
// clipping and the finite-difference gradient checker. See docs/nn.md.
#pragma once

#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/clip.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/dense.hpp"
#include "mmc/nn/gradcheck.hpp"
#include "mmc/nn/init.hpp"
#include "mmc/nn/losses.hpp"
#include "mmc/nn/mixture_density.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"
#include "mmc/nn/view.hpp"
