// mmc/neural.hpp — the neural estimators (docs/design.md §3.2–3.3): the variational
// MI bounds (DV/MINE, NWJ, InfoNCE, JS, SMILE) with their critics and trainer,
// CENE (conditional entropy) and DoE (difference-of-entropies MI). See
// docs/estimators/mine.md and the pages next to it.
#pragma once

#include "mmc/neural/bound_ops.hpp"
#include "mmc/neural/bounds.hpp"
#include "mmc/neural/cene.hpp"
#include "mmc/neural/critic.hpp"
#include "mmc/neural/doe.hpp"
#include "mmc/neural/neural_mi.hpp"
#include "mmc/neural/mi_model.hpp"
#include "mmc/neural/onehot.hpp"
#include "mmc/neural/resident.hpp"
#include "mmc/neural/resident_ops.hpp"
#include "mmc/neural/split.hpp"
#include "mmc/neural/trainer.hpp"
