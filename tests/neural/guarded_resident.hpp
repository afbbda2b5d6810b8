// ResidentOps (neural/resident_ops.hpp) for the test-only guarded backend
// (tests/nn/guarded_backend.hpp): the CPU implementation, with each queued
// operation run inside a guarded operation, the way the CUDA implementation's
// kernels run on the device. The resident loop then cannot read backend memory
// on the host without a SIGSEGV, and `read_backs()` counts its synchronising
// reads (one per block of steps). It also checks what a CUDA graph needs: from
// the second step on, every step hands the queued operations the same buffers
// (`replay_mismatches()` counts steps that did not; a graph would replay stale
// pointers there).
#pragma once

#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

#include "../nn/guarded_backend.hpp"
#include "mmc/neural/resident_ops.hpp"

namespace mmc::neural {

template <class T>
struct ResidentOps<nn::testing::GuardedBackend<T>> {
  ResidentOps(const nn::testing::GuardedBackend<T>& backend, const ResidentSetup& setup,
              const RowMatrix<T>& x, const RowMatrix<T>& y, std::span<const Index> train)
      : backend_(backend), cpu_(backend.cpu(), setup, x, y, train) {}

  void gather_pairs(nn::MatrixRef<T> input) {
    trace({input.data});
    guarded([&] { cpu_.gather_pairs(input); });
  }
  void bound_step(nn::ConstMatrixRef<T> scores, nn::MatrixRef<T> grad) {
    trace({scores.data, grad.data});
    guarded([&] { cpu_.bound_step(scores, grad); });
  }
  void gradient_norm(nn::MatrixRef<T> grads) {
    trace({grads.data});
    guarded([&] { cpu_.gradient_norm(grads); });
  }
  void adam(nn::MatrixRef<T> params, nn::ConstMatrixRef<T> grads) {
    trace({params.data, grads.data});
    guarded([&] { cpu_.adam(params, grads); });
  }
  void advance() { cpu_.advance(); }
  void fill_epoch(int half, std::uint64_t epoch) { cpu_.fill_epoch(half, epoch); }
  void rotate_window() { cpu_.rotate_window(); }
  void set_position(Index step, Index offset) { cpu_.set_position(step, offset); }
  void set_schedule(Index first, std::span<const nn::AdamCoefficients<T>> c) {
    cpu_.set_schedule(first, c);
  }
  void reset_optimizer() { cpu_.reset_optimizer(); }
  void reset_bound_state() { cpu_.reset_bound_state(); }
  void read_log(Index first, Index count, StepRecord* out) {
    ++read_backs_;
    cpu_.read_log(first, count, out);
  }
  template <class F>
  void run_step(F&& step) {
    trace_.clear();
    step();
    if (steps_ == 1) captured_ = trace_;  // what a graph would capture (call 2)
    if (steps_ > 1 && trace_ != captured_) ++replay_mismatches_;
    ++steps_;
  }

  /// read_log calls so far, over all instances (the loop owns its ops object).
  static long long& read_backs() { return read_backs_; }
  /// Steps after the capture whose buffers differed from the captured step's.
  static long long& replay_mismatches() { return replay_mismatches_; }

 private:
  template <class F>
  void guarded(F&& f) {
    backend_.guarded(std::forward<F>(f));
  }

  void trace(std::initializer_list<const void*> pointers) {
    trace_.insert(trace_.end(), pointers.begin(), pointers.end());
  }

  nn::testing::GuardedBackend<T> backend_;
  CpuResidentOps<T> cpu_;
  std::vector<const void*> trace_, captured_;
  long long steps_ = 0;
  static inline long long read_backs_ = 0;
  static inline long long replay_mismatches_ = 0;
};

}  // namespace mmc::neural
