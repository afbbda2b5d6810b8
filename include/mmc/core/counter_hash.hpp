// mmc/core/counter_hash.hpp — a counter-based random draw: a pure function of
// (seed, stream, a, b), callable from host code and from CUDA kernels.
//
// Why: the device-resident training loop (neural/resident.hpp) draws its
// minibatch orders and pairings where the data live. A sequential generator
// (core/rng.hpp) cannot be advanced from thousands of device threads, but a
// hash of the draw's coordinates can: every thread computes its own value, and
// the CPU and the GPU produce the same bits for the same seed (docs/design.md
// §2). The mixer is splitmix64's finaliser (Steele, Lea & Flood 2014), applied
// once per coordinate, which passes BigCrush as a counter-based generator.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define MMC_HOST_DEVICE __host__ __device__
#else
#define MMC_HOST_DEVICE
#endif

namespace mmc {

/// splitmix64's output function applied to z + golden ratio.
MMC_HOST_DEVICE constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// A 64-bit draw determined by its coordinates: the seed, a stream
/// (core/streams.hpp) and two counters (e.g. an epoch and a position in it).
MMC_HOST_DEVICE constexpr std::uint64_t counter_hash(std::uint64_t seed, std::uint64_t stream,
                                                     std::uint64_t a, std::uint64_t b) noexcept {
  return mix64(mix64(mix64(seed ^ mix64(stream)) ^ a) ^ b);
}

}  // namespace mmc
