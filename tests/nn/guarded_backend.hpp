// A test-only nn backend (nn/backend.hpp) that behaves like a device backend
// for the host: the CPU backend's arithmetic on memory the host cannot read.
//
// Why: code written for any backend must never dereference backend.data(buffer)
// on the host -- on the CUDA backend those are device pointers, and a host read
// is a crash or garbage on a GPU machine (docs/design.md §4). Machines without a
// GPU cannot run the CUDA backend, so this backend checks the same rule on the
// CPU: every buffer is its own mmap'd region, kept PROT_NONE except while one
// of the backend's own operations runs. An operation unprotects every live
// region (a view may point into any of them), runs nn::CpuBackend<T>'s
// implementation and protects them all again. A host read or write of backend
// memory anywhere else is a SIGSEGV. Like the CUDA backend's DeviceBuffer, a
// Buffer is move-only, so code that copies networks fails to compile here too.
//
// The arithmetic is CpuBackend<T>'s, on memory of the same alignment (pages),
// so results are bit-identical to the CPU backend's: the tests compare exactly.
// All regions share one process-wide registry and one mutex, held for the
// whole of an operation, so several threads may use the backend (their
// operations are serialised); a host access from one thread while another
// thread's operation runs goes unnoticed, so the tests run with one thread.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn::testing {

/// The process-wide set of guarded regions.
class GuardedRegions {
 public:
  static GuardedRegions& instance() {
    static GuardedRegions regions;
    return regions;
  }

  /// A new region of at least `bytes` bytes, PROT_NONE.
  void* allocate(std::size_t bytes) {
    const std::lock_guard<std::mutex> lock(mutex_);
    void* p = ::mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) fail("mmap");
    regions_.push_back({p, bytes});
    return p;
  }
  void release(void* p, std::size_t bytes) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < regions_.size(); ++i) {
      if (regions_[i].first == p) {
        regions_[i] = regions_.back();
        regions_.pop_back();
        break;
      }
    }
    if (::munmap(p, bytes) != 0) fail("munmap");
  }

  /// Runs f with every region readable and writable, then protects them again.
  template <class F>
  decltype(auto) unprotected(F&& f) {
    const std::lock_guard<std::mutex> lock(mutex_);
    struct Reprotect {
      GuardedRegions& self;
      ~Reprotect() { self.protect_all(PROT_NONE); }
    } reprotect{*this};
    protect_all(PROT_READ | PROT_WRITE);
    return std::forward<F>(f)();
  }

  std::size_t live() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return regions_.size();
  }

 private:
  void protect_all(int protection) {
    for (const auto& [p, bytes] : regions_) {
      if (::mprotect(p, bytes, protection) != 0) fail("mprotect");
    }
  }
  [[noreturn]] static void fail(const char* call) {
    std::perror(call);
    std::abort();
  }

  std::mutex mutex_;
  std::vector<std::pair<void*, std::size_t>> regions_;
};

template <class T = float>
class GuardedBackend {
 public:
  using Scalar = T;

  /// Owning, move-only storage in a guarded region (capacity grows only).
  class Buffer {
   public:
    Buffer() = default;
    Buffer(Buffer&& other) noexcept { swap(other); }
    Buffer& operator=(Buffer&& other) noexcept {
      if (this != &other) {
        Buffer gone(std::move(*this));
        swap(other);
      }
      return *this;
    }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() {
      if (data_ != nullptr) GuardedRegions::instance().release(data_, bytes_);
    }

    Index capacity() const noexcept { return capacity_; }

   private:
    friend class GuardedBackend;
    void swap(Buffer& other) noexcept {
      std::swap(data_, other.data_);
      std::swap(bytes_, other.bytes_);
      std::swap(capacity_, other.capacity_);
    }

    T* data_ = nullptr;
    std::size_t bytes_ = 0;
    Index capacity_ = 0;
  };

  GuardedBackend() = default;
  /// threads: the CPU backend's workers (results do not depend on them).
  explicit GuardedBackend(int threads) : cpu_(threads) {}

  // ---- storage: host-side bookkeeping only, never touches the contents ------
  void resize(Buffer& buffer, Index n) const {
    if (n <= buffer.capacity_) return;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t bytes = (static_cast<std::size_t>(n) * sizeof(T) + page - 1) / page * page;
    Buffer grown;
    grown.data_ = static_cast<T*>(GuardedRegions::instance().allocate(bytes));
    grown.bytes_ = bytes;
    grown.capacity_ = n;
    buffer = std::move(grown);  // contents unspecified after a resize (backend.hpp)
  }
  T* data(Buffer& buffer) const noexcept { return buffer.data_; }
  const T* data(const Buffer& buffer) const noexcept { return buffer.data_; }

  // ---- every operation: CpuBackend's, with the regions readable -------------
  void upload(const T* host, Index ld, MatrixRef<T> dst) const {
    guarded([&] { cpu_.upload(host, ld, dst); });
  }
  void download(ConstMatrixRef<T> src, T* host, Index ld) const {
    guarded([&] { cpu_.download(src, host, ld); });
  }
  void copy(ConstMatrixRef<T> src, MatrixRef<T> dst) const {
    guarded([&] { cpu_.copy(src, dst); });
  }
  void fill(MatrixRef<T> dst, T value) const {
    guarded([&] { cpu_.fill(dst, value); });
  }
  void gemm(Trans ta, Trans tb, T alpha, ConstMatrixRef<T> a, ConstMatrixRef<T> b, T beta,
            MatrixRef<T> c) const {
    guarded([&] { cpu_.gemm(ta, tb, alpha, a, b, beta, c); });
  }
  void bias_activation(Activation f, ConstMatrixRef<T> bias, MatrixRef<T> z) const {
    guarded([&] { cpu_.bias_activation(f, bias, z); });
  }
  void activation_backward(Activation f, ConstMatrixRef<T> out, MatrixRef<T> grad) const {
    guarded([&] { cpu_.activation_backward(f, out, grad); });
  }
  void sum_columns(ConstMatrixRef<T> g, T beta, MatrixRef<T> out) const {
    guarded([&] { cpu_.sum_columns(g, beta, out); });
  }
  double squared_norm(ConstMatrixRef<T> x) const {
    return guarded([&] { return cpu_.squared_norm(x); });
  }
  void scale(MatrixRef<T> x, T s) const {
    guarded([&] { cpu_.scale(x, s); });
  }
  void adam_update(MatrixRef<T> p, ConstMatrixRef<T> g, MatrixRef<T> m, MatrixRef<T> v,
                   const AdamCoefficients<T>& c) const {
    guarded([&] { cpu_.adam_update(p, g, m, v, c); });
  }
  void sgd_update(MatrixRef<T> p, ConstMatrixRef<T> g, MatrixRef<T> velocity,
                  const SgdCoefficients<T>& c) const {
    guarded([&] { cpu_.sgd_update(p, g, velocity, c); });
  }

  /// Runs f with backend memory readable: for backend-specific helpers that
  /// read views directly (the CPU backend's neural::BoundOps), never for the
  /// code under test.
  template <class F>
  decltype(auto) guarded(F&& f) const {
    return GuardedRegions::instance().unprotected(std::forward<F>(f));
  }

  const CpuBackend<T>& cpu() const noexcept { return cpu_; }

 private:
  CpuBackend<T> cpu_;
};

static_assert(Backend<GuardedBackend<float>> && Backend<GuardedBackend<double>>,
              "GuardedBackend must model mmc::nn::Backend");

}  // namespace mmc::nn::testing

namespace mmc::neural {

/// The neural estimators' per-step bound math (neural/bound_ops.hpp) on the
/// guarded backend: the CPU backend's, run inside a guarded operation like the
/// CUDA backend's kernels run on the device.
template <class T>
struct BoundOps<nn::testing::GuardedBackend<T>> {
  explicit BoundOps(const nn::testing::GuardedBackend<T>& backend = nn::testing::GuardedBackend<T>())
      : backend_(backend), cpu_(backend.cpu()) {}

  ScoreStats stats(ScoreBlock kind, nn::ConstMatrixRef<T> scores, double tau) {
    return backend_.guarded([&] { return cpu_.stats(kind, scores, tau); });
  }
  void gradient(Bound objective, ScoreBlock kind, nn::ConstMatrixRef<T> scores, const GradientWeights& w,
                nn::MatrixRef<T> grad) {
    backend_.guarded([&] { cpu_.gradient(objective, kind, scores, w, grad); });
  }

 private:
  nn::testing::GuardedBackend<T> backend_;
  BoundOps<nn::CpuBackend<T>> cpu_;
};

}  // namespace mmc::neural
