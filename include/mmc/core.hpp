// mmc/core.hpp — everything in core/: types, errors, validation, RNG, special
// functions, deterministic parallelism and preprocessing.
#pragma once

#include "mmc/core/errors.hpp"
#include "mmc/core/large_vector.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/special.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
