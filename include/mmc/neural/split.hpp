// mmc/neural/split.hpp — seeded train / held-out splits and minibatch sampling
// for the neural estimators (docs/design.md §3.2: "report the bound evaluated on a
// held-out split (default 20 %)"; §3.3: CENE's held-out cross-entropy).
//
// Why held-out: a critic (or classifier) evaluated on the samples it was trained
// on overfits them, and the training-set value of a bound is then biased upward
// (of a cross-entropy, downward). Every draw comes from mmc::Rng with a fixed
// stream per purpose, so the split, the batches and the permutations depend only
// on the seed (docs/design.md §2), never on the thread count.
//
// Batches are drawn WITHOUT replacement within an epoch: the training indices
// are reshuffled at the start of each epoch and consumed in order (a batch
// that straddles two epochs takes the rest of one and the start of the next).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/batches.hpp"
#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"

namespace mmc::neural {

/// Rng streams of the neural estimators: the table in core/streams.hpp.
namespace streams = mmc::streams::neural;

/// Sample indices of the training and held-out parts; each part is in the
/// random order of the shuffle (so consecutive held-out samples are unrelated).
struct Split {
  std::vector<Index> train;
  std::vector<Index> heldout;
};

/// Held-out size for n samples: round(fraction * n).
inline Index heldout_size(Index n, double fraction) noexcept {
  return static_cast<Index>(std::llround(fraction * static_cast<double>(n)));
}

/// Shuffles 0..n-1 with Rng(seed, stream) and puts the first
/// heldout_size(n, fraction) indices in `heldout`, the rest in `train`.
inline Split make_split(Index n, double fraction, std::uint64_t seed,
                        std::uint64_t stream = streams::split) {
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  Rng rng(seed, stream);
  rng.shuffle(order.begin(), order.end());
  const auto h = static_cast<std::size_t>(std::clamp<Index>(heldout_size(n, fraction), 0, n));
  Split split;
  split.heldout.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(h));
  split.train.assign(order.begin() + static_cast<std::ptrdiff_t>(h), order.end());
  return split;
}

namespace detail {
/// A number as printf's %g writes it ("0.0005", "1e+10"), for messages.
inline std::string number(double v) { return mmc::detail::number_text(v); }

}  // namespace detail

/// Throws unless 0 < fraction < 1 (a held-out or validation fraction).
using mmc::detail::check_open_fraction;
inline void check_fraction(std::string_view function, std::string_view argument, double fraction) {
  check_open_fraction(function, argument, fraction);
}

/// Throws unless a split of n samples by `fraction` leaves at least `batch`
/// training samples (after `reserved` more are set aside, e.g. for validation)
/// and `min_heldout` held-out samples; names 'batch' or 'holdout'.
inline void check_split_sizes(std::string_view function, Index n, double fraction, Index batch,
                              Index min_heldout, Index reserved = 0) {
  const Index h = heldout_size(n, fraction), t = n - h - reserved;
  if (t < batch) {
    mmc::detail::throw_invalid(
        function, "batch",
        "is " + std::to_string(batch) + " but only " + std::to_string(std::max<Index>(t, 0)) +
            " of the " + std::to_string(n) + " samples are left for training (holdout = " +
            detail::number(fraction) + (reserved > 0 ? ", " + std::to_string(reserved) + " for validation" : "") + ")",
        "pass more samples or a batch of at most " + std::to_string(std::max<Index>(t, 2)));
  }
  if (h < min_heldout) {
    mmc::detail::throw_invalid(
        function, "holdout",
        "is " + detail::number(fraction) + ", which leaves " + std::to_string(h) +
            " held-out samples of " + std::to_string(n) + ", but at least " +
            std::to_string(min_heldout) + " are needed",
        "pass more samples or a larger held-out fraction");
  }
}

/// Epoch-wise minibatches of indices from a fixed pool: core/batches.hpp.
class BatchSampler : public EpochSampler {
 public:
  BatchSampler(std::vector<Index> pool, std::uint64_t seed, std::uint64_t stream = streams::batches)
      : EpochSampler(std::move(pool), seed, stream) {}
};

/// out = a uniformly random permutation of 0..count-1 (Fisher–Yates).
inline void random_permutation(Rng& rng, Index count, Index* out) {
  std::iota(out, out + count, Index{0});
  rng.shuffle(out, out + count);
}

}  // namespace mmc::neural
