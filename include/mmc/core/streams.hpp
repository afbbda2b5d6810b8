// mmc/core/streams.hpp — the one table of random streams, and derive_seed.
//
// Every random draw in mmc comes from mmc::Rng(seed, stream) (core/rng.hpp):
// the user's seed picks the experiment, the stream the purpose. Two purposes
// that shared a stream would draw correlated numbers (a split and the batches
// of the same model, say), so every stream of the library is listed here, in
// one place, with disjoint ranges per component (docs/design.md §2).
#pragma once

#include <cstdint>

#include "mmc/core/rng.hpp"

namespace mmc {

/// A seed for one purpose derived from the user's seed: the first draw of
/// Rng(seed, stream). Used to hand a sub-model its own seed.
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
  Rng rng(seed, stream);
  return rng();
}

namespace streams {

/// kNN input jitter: the stream is the input's position (x = 0, y = 1, z = 2, ...).
namespace knn {
inline constexpr std::uint64_t jitter_first = 0;
}  // namespace knn

/// Neural estimators (neural/).
namespace neural {
inline constexpr std::uint64_t split = 101;         ///< train / held-out split
inline constexpr std::uint64_t validation = 102;    ///< early-stopping validation split
inline constexpr std::uint64_t batches = 103;       ///< minibatch order
inline constexpr std::uint64_t permutations = 104;  ///< marginal pairs of each step
inline constexpr std::uint64_t evaluation = 105;    ///< held-out marginal shifts
inline constexpr std::uint64_t init = 106;          ///< network initialisation (+ 16 per network)
/// The device-resident loop (neural/resident.hpp) draws with core/counter_hash.hpp:
inline constexpr std::uint64_t resident_epochs = 107;  ///< (epoch, position): the order of an epoch
inline constexpr std::uint64_t resident_shifts = 108;  ///< (step, 0): the marginal pairing's shift
}  // namespace neural

/// Late fusion, uni-modal models, probes (fusion/).
namespace fusion {
inline constexpr std::uint64_t head_init = 200;
inline constexpr std::uint64_t encoder_init = 210;  ///< + modality
inline constexpr std::uint64_t batches = 300;
inline constexpr std::uint64_t split = 400;
inline constexpr std::uint64_t noise = 500;         ///< + modality
inline constexpr std::uint64_t probe = 600;
inline constexpr std::uint64_t unimodal = 700;      ///< + modality
}  // namespace fusion

/// The complementarity metric (metric/).
namespace metric {
inline constexpr std::uint64_t sub_estimate = 7000;       ///< + index of the backend's sub-estimate
inline constexpr std::uint64_t bootstrap_rows = 100000;   ///< + replicate: rows drawn
inline constexpr std::uint64_t bootstrap_seed = 200000;   ///< + replicate: the replicate's seed
}  // namespace metric

/// Permutation tests (estimators/permutation.hpp): permutation r of a test
/// draws from stream `first + r`, so each permutation is reproducible alone.
namespace permutation {
inline constexpr std::uint64_t mi_first = 0x100000000ULL;   ///< + r: shuffled rows of y (MI)
inline constexpr std::uint64_t cmi_first = 0x200000000ULL;  ///< + r: local shuffle of x within Z-neighbourhoods (CMI)
/// + r: the seed of permutation r's training (neural MI; its y shuffle is mi_first + r)
inline constexpr std::uint64_t neural_seed_first = 0x300000000ULL;
/// + modality * gamma_modality_stride + r: local shuffle of modality i within
/// X_{-i}-neighbourhoods (complementarity Gamma_i nulls, metric/complementarity.hpp)
inline constexpr std::uint64_t gamma_first = 0x400000000ULL;
inline constexpr std::uint64_t gamma_modality_stride = 0x1000000ULL;  ///< 2^24 > the most permutations
}  // namespace permutation

}  // namespace streams
}  // namespace mmc
