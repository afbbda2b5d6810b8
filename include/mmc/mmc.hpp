// mmc/mmc.hpp — the umbrella header: everything mmc offers in one include.
//
// Each component has its own umbrella (mmc/<component>.hpp, docs/design.md §1); this
// file includes all of them, so `#include <mmc/mmc.hpp>` is the one line a user
// needs. Components that are used alone can be included directly (they compile
// on their own; tests/headers checks that for every header).
#pragma once

#include "mmc/core.hpp"
#include "mmc/estimators.hpp"
#include "mmc/data/generators.hpp"  // data/'s umbrella, except digits.hpp (needs zlib)
#include "mmc/fusion.hpp"
#include "mmc/io.hpp"
#include "mmc/knn.hpp"
#include "mmc/metric.hpp"
#include "mmc/neighbors.hpp"
#include "mmc/neural.hpp"
#include "mmc/nn.hpp"
#include "mmc/version.hpp"
