// mmc/cuda/device_buffer.cuh — RAII arrays in device memory and in pinned
// (page-locked) host memory.
//
// DeviceBuffer<T> is the CUDA backend's Buffer (nn/backend.hpp): owning, movable,
// default-constructible (empty). It only ever grows: `reserve(n)` reallocates
// when n exceeds the capacity and is a no-op otherwise, which is how the backend
// meets the contract "an operation allocates only when its shapes grow" — the
// training loop does no cudaMalloc after its first step (docs/design.md §4).
// PinnedBuffer<T> holds the few host scalars that come back per step (a norm, a
// bound estimate): copies from pinned memory are truly asynchronous and cheap.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include "mmc/cuda/check.cuh"

namespace mmc::cuda {

namespace detail {

/// Device memory (cudaMalloc / cudaFree).
struct DeviceMemory {
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    MMC_CUDA_CHECK(cudaMalloc(&p, bytes));
    return p;
  }
  // Errors are ignored: destructors must not throw, and at process exit the
  // runtime may already be unloading.
  static void release(void* p) noexcept { (void)cudaFree(p); }
};

/// Page-locked host memory (cudaMallocHost / cudaFreeHost).
struct PinnedMemory {
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    MMC_CUDA_CHECK(cudaMallocHost(&p, bytes));
    return p;
  }
  static void release(void* p) noexcept { (void)cudaFreeHost(p); }
};

/// Owning, move-only array of `capacity` elements of T in Memory, which only grows.
template <class T, class Memory>
class GrowingArray {
 public:
  GrowingArray() = default;
  explicit GrowingArray(std::ptrdiff_t n) { reserve(n); }
  GrowingArray(GrowingArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}
  GrowingArray& operator=(GrowingArray&& other) noexcept {
    if (this != &other) {
      free();
      data_ = std::exchange(other.data_, nullptr);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  GrowingArray(const GrowingArray&) = delete;
  GrowingArray& operator=(const GrowingArray&) = delete;
  ~GrowingArray() { free(); }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  /// Elements the array holds.
  std::ptrdiff_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return capacity_ == 0; }

  /// Capacity for at least n elements; reallocates (contents become
  /// unspecified) only when n exceeds the capacity.
  void reserve(std::ptrdiff_t n) {
    if (n <= capacity_) return;
    free();
    data_ = static_cast<T*>(Memory::allocate(static_cast<std::size_t>(n) * sizeof(T)));
    capacity_ = n;
  }

 private:
  void free() noexcept {
    if (data_ != nullptr) Memory::release(data_);
    data_ = nullptr;
    capacity_ = 0;
  }

  T* data_ = nullptr;
  std::ptrdiff_t capacity_ = 0;
};

}  // namespace detail

/// Device memory for n elements of T on the device current at allocation time.
template <class T>
using DeviceBuffer = detail::GrowingArray<T, detail::DeviceMemory>;

/// Page-locked host memory for n elements of T (targets of asynchronous copies).
template <class T>
using PinnedBuffer = detail::GrowingArray<T, detail::PinnedMemory>;

}  // namespace mmc::cuda
