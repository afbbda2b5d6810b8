// mmc/neighbors.hpp — exact neighbour search: max-norm/Euclidean kd-tree, the
// sorted-line 1-D fast path, and the brute-force oracle.
#pragma once

#include "mmc/neighbors/brute_force.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/grid_2d.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/knn_list.hpp"
#include "mmc/neighbors/searcher.hpp"
#include "mmc/neighbors/sorted_line.hpp"
