// mmc/core/batches.hpp — the one minibatch sampler of mmc: epochs of a seeded
// permutation of a fixed pool of sample indices.
//
// Batches are drawn WITHOUT replacement: each epoch reshuffles the pool with
// the sampler's own Rng(seed, stream) (core/streams.hpp) and hands it out in
// order, so every sample is seen once per epoch and the sequence depends only
// on the seed, never on the thread count (docs/design.md §2). Two ways to read
// it, one sequence of permutations:
// - next(count, out): a stream of indices; a batch that straddles two epochs
//   takes the rest of one and the start of the next (the neural estimators,
//   which train for a number of steps);
// - next_epoch(): the whole new permutation, which the caller cuts into
//   batches, the last one possibly smaller (fusion/, which trains for epochs).
#pragma once

#include <cstdint>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"

namespace mmc {

class EpochSampler {
 public:
  /// Samples from `pool` (indices into the caller's data).
  EpochSampler(std::vector<Index> pool, std::uint64_t seed, std::uint64_t stream)
      : pool_(std::move(pool)), rng_(seed, stream), next_(pool_.size()) {}

  /// Samples from 0..n-1.
  static EpochSampler of_range(Index n, std::uint64_t seed, std::uint64_t stream) {
    std::vector<Index> pool(static_cast<std::size_t>(n > 0 ? n : 0));
    std::iota(pool.begin(), pool.end(), Index{0});
    return EpochSampler(std::move(pool), seed, stream);
  }

  /// Starts a new epoch: reshuffles the pool and returns the permutation.
  std::span<const Index> next_epoch() {
    rng_.shuffle(pool_.begin(), pool_.end());
    next_ = 0;
    return pool_;
  }

  /// Writes the next `count` indices into out[0..count), starting a new epoch
  /// whenever the current one is used up.
  void next(Index count, Index* out) {
    for (Index i = 0; i < count; ++i) {
      if (next_ >= pool_.size()) next_epoch();
      out[i] = pool_[next_++];
    }
  }

  std::size_t size() const noexcept { return pool_.size(); }

 private:
  std::vector<Index> pool_;
  Rng rng_;
  std::size_t next_;
};

}  // namespace mmc
