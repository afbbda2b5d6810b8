// mmc/knn.hpp — the kNN family and the discrete estimators (docs/design.md §3.1):
// Kozachenko–Leonenko entropy and 3KL MI, KSG 1/2, KSG conditional MI, Ross,
// Gao mixed, plug-in and binned, geometric kNN, LNC.
#pragma once

#include "mmc/knn/binned.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/geometric.hpp"
#include "mmc/knn/kl_entropy.hpp"
#include "mmc/knn/ksg.hpp"
#include "mmc/knn/ksg_conditional.hpp"
#include "mmc/knn/lnc.hpp"
#include "mmc/knn/mixed.hpp"
#include "mmc/knn/plugin.hpp"
#include "mmc/knn/ross.hpp"
