// mmc/core/large_vector.hpp — std::vector for the large per-sample work arrays
// of the estimators: no zero fill, and transparent huge pages on Linux.
//
// Why: a kNN estimate at N = 10^6 allocates a few hundred MB of short-lived
// arrays (sorted axes, grid, radii). Two costs then dominate what the
// algorithm itself needs:
//   * the zero fill of std::vector<T>(n) / resize(n), immediately overwritten;
//   * the first-touch page faults, one per 4 KiB page. On virtual machines a
//     fault costs several microseconds: touching 256 MiB took 0.95 s on the
//     2-core VM of docs/benchmarks.md, 0.016 s with 2 MiB pages.
// LargeAllocator default-initialises (construct() without arguments leaves a
// trivial T uninitialised, like `new T[n]`) and serves blocks of at least
// kHugePageBytes from 2 MiB-aligned memory advised MADV_HUGEPAGE, so the kernel
// backs them with huge pages where transparent huge pages are enabled
// ("always" or "madvise"); elsewhere the advice is a no-op. Small blocks come
// from std::allocator. Rounding a large block up to whole 2 MiB pages wastes
// less than one page per array.
//
// Only for arrays that are fully written before they are read: resize() leaves
// the new elements' values unspecified.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace mmc {

template <class T>
class LargeAllocator {
 public:
  using value_type = T;

  /// Blocks of at least this many bytes get huge-page-aligned memory.
  static constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

  LargeAllocator() noexcept = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit by design

  T* allocate(std::size_t n) {
    if (n > std::size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) return std::allocator<T>{}.allocate(n);
    const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* block = std::aligned_alloc(kHugePageBytes, rounded);
    if (block == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    ::madvise(block, rounded, MADV_HUGEPAGE);  // advice only: failure just means 4 KiB pages
#endif
    return static_cast<T*>(block);
  }

  void deallocate(T* block, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePageBytes) {
      std::allocator<T>{}.deallocate(block, n);
    } else {
      std::free(block);
    }
  }

  /// Value construction as usual; default construction leaves trivial types
  /// uninitialised (no zero fill).
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(p)) U;
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }

  template <class U>
  bool operator==(const LargeAllocator<U>&) const noexcept {
    return true;
  }
};

/// A std::vector of per-sample work data: see LargeAllocator.
template <class T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

}  // namespace mmc
