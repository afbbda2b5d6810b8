// mmc/metric.hpp — the modality complementarity metric, its backends, the
// Theorem 3.1 Bayes-error bounds and PCA reduction.
#pragma once

#include "mmc/metric/bayes_bounds.hpp"
#include "mmc/metric/bayes_error.hpp"
#include "mmc/metric/complementarity.hpp"
#include "mmc/metric/knn_backend.hpp"
#include "mmc/metric/neural_backends.hpp"
#include "mmc/metric/pca.hpp"
#include "mmc/metric/quantities.hpp"
