// mmc/data/generators.hpp — the data-generation stage (docs/design.md §3.5): every
// generator with ground truth except digits.hpp, which needs zlib at link time
// and is therefore included on its own (see docs/generators.md).
#pragma once

#include "mmc/data/complementarity.hpp"
#include "mmc/data/gaussian.hpp"
#include "mmc/data/student.hpp"
#include "mmc/data/task.hpp"
#include "mmc/data/transforms.hpp"
