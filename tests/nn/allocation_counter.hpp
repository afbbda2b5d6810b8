// allocation_counter.hpp — replaces the global operator new/new[] (and the
// matching deletes) of the one test program that includes it, so that a test
// can count every C++ heap allocation inside a window: set g_counting, run the
// code, read g_allocations. Include it from exactly one file of a program
// (the definitions are the program's replacements, not inline functions).
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace mmc_test_alloc {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void* counted_malloc(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* counted_aligned(std::size_t n, std::align_val_t a) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  const std::size_t align = static_cast<std::size_t>(a);
  void* p = std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace mmc_test_alloc

void* operator new(std::size_t n) { return mmc_test_alloc::counted_malloc(n); }
void* operator new[](std::size_t n) { return mmc_test_alloc::counted_malloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return mmc_test_alloc::counted_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return mmc_test_alloc::counted_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
