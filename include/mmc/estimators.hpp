// mmc/estimators.hpp — the estimator registry and the run-time dispatchers
// (estimators/): every estimator by the name users type.
#pragma once

#include "mmc/estimators/knn_dispatch.hpp"
#include "mmc/estimators/mi_matrix.hpp"
#include "mmc/estimators/neural_dispatch.hpp"
#include "mmc/estimators/neural_permutation.hpp"
#include "mmc/estimators/permutation.hpp"
#include "mmc/estimators/registry.hpp"
