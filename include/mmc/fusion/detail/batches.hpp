// mmc/fusion/detail/batches.hpp — the minibatch machinery shared by every
// trainer of fusion/ (late fusion, uni-modal models, UMT, linear probes):
// seeded epoch-wise batches, row gathering, derived seeds and the divergence
// check.
//
// Batches are drawn WITHOUT replacement: each epoch reshuffles 0..n-1 with the
// trainer's own Rng and cuts the order into consecutive batches (the last may
// be smaller), so every sample is seen once per epoch and the sequence depends
// only on the seed (docs/design.md §2), never on the thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/batches.hpp"
#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"

namespace mmc::fusion::detail {

using mmc::derive_seed;  // core/streams.hpp

/// Epoch-aligned minibatches of 0..n-1 (see top): the epochs of the library's
/// one sampler (core/batches.hpp), each cut into consecutive batches.
class EpochBatches {
 public:
  EpochBatches(Index n, Index batch, std::uint64_t seed, std::uint64_t stream)
      : sampler_(EpochSampler::of_range(n, seed, stream)), n_(n), batch_(batch < n ? batch : n) {}
  /// Starts an epoch: a fresh permutation.
  void shuffle() { order_ = sampler_.next_epoch(); }
  /// Batches per epoch.
  Index count() const noexcept { return batch_ > 0 ? (n_ + batch_ - 1) / batch_ : 0; }
  /// Indices of batch b of the current epoch.
  std::span<const Index> batch(Index b) const noexcept {
    const Index begin = b * batch_, end = std::min(n_, begin + batch_);
    return order_.subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
  }

 private:
  EpochSampler sampler_;
  Index n_;
  Index batch_;
  std::span<const Index> order_;
};

/// dst = the rows `indices` of src (dst is resized only when the shape changes).
template <class T>
void gather_rows(const RowMatrix<T>& src, std::span<const Index> indices, RowMatrix<T>& dst) {
  dst.resize(static_cast<Index>(indices.size()), src.cols());
  for (std::size_t i = 0; i < indices.size(); ++i) dst.row(static_cast<Index>(i)) = src.row(indices[i]);
}

/// dst = the labels at `indices`.
inline void gather_labels(const Labels& labels, std::span<const Index> indices, std::vector<int>& dst) {
  dst.resize(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) dst[i] = labels(indices[i]);
}

/// Throws mmc::training_error when a training loss is not finite.
inline void check_finite_loss(std::string_view fn, double loss, int epoch, Index step) {
  if (!std::isfinite(loss)) {
    throw training_error(std::string(fn) + ": the training loss became " +
                         (std::isnan(loss) ? "NaN" : "infinite") + " at epoch " +
                         std::to_string(epoch) + ", step " + std::to_string(step) +
                         "; lower options.lr (e.g. by 10x), standardise the inputs "
                         "(options.standardize = true) or check the data for huge values");
  }
}

}  // namespace mmc::fusion::detail
