// mmc/core/parallel.hpp — deterministic data parallelism on std::thread.
//
// The contract that keeps results independent of the thread count (docs/design.md §2):
// work is cut into blocks whose boundaries depend only on the problem size and
// the grain, never on the number of threads; each block writes only its own
// outputs; reductions happen afterwards, serially, in block order. Which thread
// runs which block is therefore irrelevant to the result.
//
// Thread counts are resolved in one place, effective_threads(): 0 means all
// hardware threads, a negative count is an error (mmc::invalid_argument), and a
// positive count is capped at max_threads() = kMaxThreadsPerCore per hardware
// thread, never more than kMaxThreads. The cap exists because a `threads` option
// is user input (the CLI's --threads): a request of 3000, or of 10^10, would
// otherwise start threads until the machine runs out of process ids or memory,
// for no gain (the work is CPU-bound; beyond a few threads per core only the
// scheduling overhead grows). Because results never depend on the thread count,
// capping it never changes a result.
//
// Starting a thread can fail (std::thread throws std::system_error, "Resource
// temporarily unavailable", when the process or the machine is out of threads).
// parallel_for and ThreadPool then carry on with the threads that did start;
// with none, the calling thread does all the work. They never deadlock or call
// std::terminate because of it, and since blocks are fixed, the result is the
// same.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"

namespace mmc {

/// A positive `threads` request is capped at this many threads per hardware
/// thread: enough to cover cores stalled on memory, far below what exhausts
/// process ids or memory (each thread reserves a stack).
inline constexpr int kMaxThreadsPerCore = 4;

/// Absolute cap on the threads one parallel_for or ThreadPool uses, whatever
/// the core count (std::thread::hardware_concurrency() is clamped to it as well).
inline constexpr int kMaxThreads = 1024;

/// Hardware threads of this machine: std::thread::hardware_concurrency(), at
/// least 1 (it may report 0, "unknown") and at most kMaxThreads.
inline int hardware_threads() noexcept {
  static const int cached = [] {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(std::min<unsigned>(hw, unsigned{kMaxThreads}));
  }();
  return cached;
}

/// The most threads effective_threads() ever returns on this machine:
/// min(kMaxThreadsPerCore * hardware_threads(), kMaxThreads).
inline int max_threads() noexcept {
  return std::min(kMaxThreadsPerCore * hardware_threads(), kMaxThreads);
}

/// Resolves a `threads` option (0 = all cores) to the number of threads to use:
/// 0 gives hardware_threads(); a positive count gives min(requested, max_threads());
/// a negative count throws mmc::invalid_argument naming the argument 'threads'.
/// Takes long long so that a parsed value is checked before any narrowing to int.
inline int effective_threads(long long requested) {
  if (requested < 0) {
    detail::throw_invalid("mmc::effective_threads", "threads",
                          "is " + std::to_string(requested) + ", but must be 0 or positive",
                          "pass 0 for all cores or a positive count (counts above " +
                              std::to_string(max_threads()) + " = " +
                              std::to_string(kMaxThreadsPerCore) +
                              " per hardware thread are capped)");
  }
  if (requested == 0) return hardware_threads();
  return static_cast<int>(std::min<long long>(requested, max_threads()));
}

/// The same as effective_threads(), for the library's `int threads` options.
inline int resolve_threads(int requested) { return effective_threads(requested); }

/// Number of blocks [0, n) is cut into for a given grain (block length).
inline Index block_count(Index n, Index grain) noexcept {
  return n <= 0 ? 0 : (n + grain - 1) / grain;
}

namespace detail {

/// A hint to the CPU that this thread is polling (x86 pause, ARM yield): it
/// saves power and leaves the core's resources to a sibling hyperthread.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// Test hook: when set, called just before each worker thread is started by
/// parallel_for or ThreadPool; a hook that throws (e.g. std::system_error with
/// std::errc::resource_unavailable_try_again) simulates a failed thread start.
/// Only tests set it; the cost otherwise is one atomic load per thread started.
using ThreadStartHook = void (*)();
inline std::atomic<ThreadStartHook> thread_start_hook{nullptr};

/// Appends up to `count` threads running fn() to `threads` and stops at the
/// first one that cannot be started (std::system_error from std::thread,
/// std::bad_alloc, or the test hook): the threads already started keep running
/// and the caller carries on with them. Never throws.
template <class Fn>
void start_threads(std::vector<std::thread>& threads, int count, const Fn& fn) noexcept {
  try {
    threads.reserve(threads.size() + static_cast<std::size_t>(std::max(count, 0)));
    for (int t = 0; t < count; ++t) {
      if (const ThreadStartHook hook = thread_start_hook.load(std::memory_order_acquire)) hook();
      threads.emplace_back(fn);  // capacity reserved: only the thread start itself can throw
    }
  } catch (...) {
    // Out of threads or memory: fewer workers, same blocks, same result.
  }
}

}  // namespace detail

/// Runs body(begin, end) over the blocks [b*grain, min(n,(b+1)*grain)) of [0, n)
/// on up to effective_threads(threads) threads (0 = all cores), the calling
/// thread included; if fewer threads can be started, the ones that did (or the
/// calling thread alone) run every block. Blocks are handed out dynamically, so
/// the body must only write outputs indexed by its own range. The first
/// exception thrown by a block is rethrown on the calling thread once every
/// started thread has finished; blocks not yet handed out are then skipped.
/// Throws mmc::invalid_argument if threads < 0.
template <class Body>
void parallel_for(Index n, int threads, Index grain, Body&& body) {
  const int resolved = effective_threads(threads);
  if (n <= 0) return;
  grain = std::max<Index>(grain, 1);
  const Index blocks = block_count(n, grain);
  const int workers = static_cast<int>(std::min<Index>(resolved, blocks));
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
  detail::start_threads(pool, workers - 1, worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}

/// A persistent pool for hot loops (one training step calls it several times;
/// spawning threads each time would cost more than the work). Same contract as
/// parallel_for: fixed blocks, dynamic hand-out, exceptions rethrown. Between
/// calls the workers poll briefly (kSpinIterations) before they sleep on a
/// condition variable, so calls in quick succession do not pay a wake-up each.
class ThreadPool {
 public:
  /// Up to effective_threads(threads) threads (0 = all cores), the calling
  /// thread counted as one; size() tells how many there are, fewer when a
  /// worker could not be started (1: run() works on the calling thread alone).
  /// Throws mmc::invalid_argument if threads < 0.
  explicit ThreadPool(int threads = 0) {
    const int requested = effective_threads(threads);
    // Every member the workers touch (mutex_, wake_, generation_, stopping_) is
    // initialised before the first worker starts; start_threads never throws,
    // so the destructor always runs and joins exactly the workers that started.
    detail::start_threads(workers_, requested - 1, [this] { worker_loop(); });
    size_ = static_cast<int>(workers_.size()) + 1;
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_.store(true, std::memory_order_relaxed);
    }
    wake_.notify_all();
    for (auto& thread : workers_) thread.join();
  }

  /// Threads that run blocks, the calling thread included (at least 1).
  int size() const noexcept { return size_; }

  /// Runs task(b) for b in [0, blocks); returns when all are done.
  void run(Index blocks, const std::function<void(Index)>& task) {
    if (blocks <= 0) return;
    if (workers_.empty() || blocks == 1) {
      for (Index b = 0; b < blocks; ++b) task(b);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      blocks_ = blocks;
      next_.store(0, std::memory_order_relaxed);
      pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
      error_ = nullptr;
      // Publishes the fields above to workers that spin on generation_ without the lock.
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();  // no system call when every worker is still spinning
    drain();
    // The workers finish their last blocks about when we do: spin first.
    for (int spin = 0; spin < kSpinIterations && pending_.load(std::memory_order_acquire) != 0; ++spin) {
      detail::cpu_relax();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
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
  /// How long a worker polls for the next run() before it sleeps, and the
  /// caller for the workers' last blocks: 4096 pause instructions, about
  /// 15 us to 0.2 ms depending on the CPU's pause latency (10 to 140 cycles). A training step calls run() dozens of times, a few
  /// hundred microseconds apart: waking a sleeping worker through the
  /// condition variable cost about 5 us per call on the 2-core VM of
  /// docs/benchmarks.md, and the worker started its share late.
  static constexpr int kSpinIterations = 1 << 12;

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
      for (int spin = 0; spin < kSpinIterations && generation_.load(std::memory_order_acquire) == seen &&
                         !stopping_.load(std::memory_order_relaxed);
           ++spin) {
        detail::cpu_relax();
      }
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] {
          return stopping_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_relaxed) != seen;
        });
        if (stopping_.load(std::memory_order_relaxed)) return;
        seen = generation_.load(std::memory_order_relaxed);
      }
      drain();
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // Under the lock, so the caller cannot miss it between its check and its wait.
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  // Declared (so initialised) before the workers are started in the constructor body.
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(Index)>* task_ = nullptr;
  Index blocks_ = 0;
  std::atomic<Index> next_{0};
  std::atomic<int> pending_{0};
  std::atomic<std::size_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;
  std::vector<std::thread> workers_;
  int size_ = 1;
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
