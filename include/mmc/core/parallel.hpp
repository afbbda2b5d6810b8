// mmc/core/parallel.hpp — deterministic data parallelism on std::thread.
//
// The contract that keeps results independent of the thread count (docs/design.md §2):
// work is cut into blocks whose boundaries depend only on the problem size and
// the grain, never on the number of threads; each block writes only its own
// outputs; reductions happen afterwards, serially, in block order. Which thread
// runs which block is therefore irrelevant to the result.
#pragma once

#include <algorithm>
#include <cmath>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "mmc/core/types.hpp"

namespace mmc {

/// Resolves a `threads` option: values <= 0 mean "all hardware threads".
inline int resolve_threads(int requested) noexcept {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// Number of blocks [0, n) is cut into for a given grain (block length).
inline Index block_count(Index n, Index grain) noexcept {
  return n <= 0 ? 0 : (n + grain - 1) / grain;
}

/// Runs body(begin, end) over the blocks [b*grain, min(n,(b+1)*grain)) of [0, n)
/// on up to `threads` threads (0 = all cores). Blocks are handed out dynamically,
/// so the body must only write outputs indexed by its own range. The first
/// exception thrown by a block is rethrown on the calling thread.
template <class Body>
void parallel_for(Index n, int threads, Index grain, Body&& body) {
  if (n <= 0) return;
  grain = std::max<Index>(grain, 1);
  const Index blocks = block_count(n, grain);
  const int workers = static_cast<int>(std::min<Index>(resolve_threads(threads), blocks));
  if (workers <= 1) {
    for (Index b = 0; b < blocks; ++b) body(b * grain, std::min(n, (b + 1) * grain));
    return;
  }
  std::atomic<Index> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (;;) {
      const Index b = next.fetch_add(1, std::memory_order_relaxed);
      if (b >= blocks) return;
      try {
        body(b * grain, std::min(n, (b + 1) * grain));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(blocks, std::memory_order_relaxed);  // stop handing out work
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(workers - 1));
  for (int t = 1; t < workers; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}

/// A persistent pool for hot loops (one training step calls it several times;
/// spawning threads each time would cost more than the work). Same contract as
/// parallel_for: fixed blocks, dynamic hand-out, exceptions rethrown.
class ThreadPool {
 public:
  /// threads <= 0 means all hardware threads; the calling thread counts as one.
  explicit ThreadPool(int threads = 0) : size_(resolve_threads(threads)) {
    for (int t = 1; t < size_; ++t) workers_.emplace_back([this] { worker_loop(); });
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : workers_) thread.join();
  }

  int size() const noexcept { return size_; }

  /// Runs task(b) for b in [0, blocks); returns when all are done.
  void run(Index blocks, const std::function<void(Index)>& task) {
    if (blocks <= 0) return;
    if (size_ == 1 || blocks == 1) {
      for (Index b = 0; b < blocks; ++b) task(b);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      blocks_ = blocks;
      next_.store(0, std::memory_order_relaxed);
      pending_ = static_cast<int>(workers_.size());
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  /// Convenience: body(begin, end) over fixed blocks of `grain` elements.
  template <class Body>
  void parallel_for(Index n, Index grain, Body&& body) {
    grain = std::max<Index>(grain, 1);
    const std::function<void(Index)> task = [&](Index b) {
      body(b * grain, std::min(n, (b + 1) * grain));
    };
    run(block_count(n, grain), task);
  }

 private:
  void drain() {
    for (;;) {
      const Index b = next_.fetch_add(1, std::memory_order_relaxed);
      if (b >= blocks_) return;
      try {
        (*task_)(b);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
        next_.store(blocks_, std::memory_order_relaxed);
      }
    }
  }

  void worker_loop() {
    std::size_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
      }
      drain();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(Index)>* task_ = nullptr;
  Index blocks_ = 0;
  std::atomic<Index> next_{0};
  int pending_ = 0;
  std::size_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

/// Neumaier-compensated sum in index order: the reduction mmc uses for the
/// per-sample local values, so a result never depends on how they were computed.
template <class It>
double accurate_sum(It first, It last) noexcept {
  double sum = 0.0, compensation = 0.0;
  for (; first != last; ++first) {
    const double v = static_cast<double>(*first);
    const double t = sum + v;
    compensation += std::abs(sum) >= std::abs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  return sum + compensation;
}

}  // namespace mmc
