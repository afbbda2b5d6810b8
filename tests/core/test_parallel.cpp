// Tests of core/parallel.hpp: parallel_for and ThreadPool visit every index
// exactly once, propagate exceptions, and give bit-identical results for any
// thread count (the determinism contract of docs/design.md §2), plus accurate_sum.
// The thread-count cap and failed thread starts are tested in test_parallel_limits.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <mmc/core/errors.hpp>
#include <mmc/core/parallel.hpp>
#include <mmc/core/rng.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using mmc::Index;

constexpr int kThreadCounts[] = {1, 2, 7, 0};  // 0 = all hardware threads
constexpr Index kSizes[] = {0, 1, 63, 64, 65, 1000, 4097};
constexpr Index kGrain = 64;

// A deterministic per-block computation in the style of the estimators: each
// block draws from its own stream Rng(seed, block) and writes only its range;
// the total is reduced serially afterwards.
double blockwise_sum(Index n, int threads, bool use_pool) {
  std::vector<double> out(static_cast<std::size_t>(n), 0.0);
  auto body = [&](Index begin, Index end) {
    mmc::Rng rng(99, static_cast<std::uint64_t>(begin / kGrain));
    for (Index i = begin; i < end; ++i) {
      out[static_cast<std::size_t>(i)] = std::sin(static_cast<double>(i)) * rng.normal();
    }
  };
  if (use_pool) {
    mmc::ThreadPool pool(threads);
    pool.parallel_for(n, kGrain, body);
  } else {
    mmc::parallel_for(n, threads, kGrain, body);
  }
  return mmc::accurate_sum(out.begin(), out.end());
}

// Runs `visit` over [0, n) with the given runner and checks each index is seen once.
template <class Runner>
void expect_each_index_once(Runner&& run, Index n, int threads) {
  std::vector<std::atomic<int>> visits(static_cast<std::size_t>(n));
  run(n, [&](Index begin, Index end) {
    ASSERT_LE(0, begin);
    ASSERT_LE(begin, end);
    ASSERT_LE(end, n);
    ASSERT_TRUE(begin % kGrain == 0) << "block boundaries must depend only on the grain";
    for (Index i = begin; i < end; ++i) visits[static_cast<std::size_t>(i)]++;
  });
  for (Index i = 0; i < n; ++i) {
    ASSERT_EQ(visits[static_cast<std::size_t>(i)].load(), 1)
        << "index " << i << ", n " << n << ", threads " << threads;
  }
}

TEST(ParallelFor, VisitsEveryIndexOnce) {
  for (int threads : kThreadCounts) {
    for (Index n : kSizes) {
      expect_each_index_once(
          [&](Index size, auto body) { mmc::parallel_for(size, threads, kGrain, body); }, n,
          threads);
    }
  }
}

TEST(ParallelFor, NonPositiveGrainMeansOne) {
  std::vector<int> seen(10, 0);
  mmc::parallel_for(10, 2, 0, [&](Index begin, Index end) {
    EXPECT_EQ(end - begin, 1);
    seen[static_cast<std::size_t>(begin)]++;
  });
  for (int s : seen) EXPECT_EQ(s, 1);
}

TEST(ParallelForAndThreadPool, IdenticalResultsForAnyThreadCount) {
  for (Index n : kSizes) {
    const double reference = blockwise_sum(n, 1, false);
    for (bool use_pool : {false, true}) {
      for (int threads : kThreadCounts) {
        EXPECT_EQ(blockwise_sum(n, threads, use_pool), reference)
            << "n " << n << " threads " << threads << (use_pool ? " (ThreadPool)" : "");
      }
    }
  }
}

TEST(ParallelFor, PropagatesExceptions) {
  for (int threads : kThreadCounts) {
    EXPECT_THROW(mmc::parallel_for(1000, threads, 10,
                                   [](Index begin, Index end) {
                                     if (begin <= 537 && 537 < end) throw std::domain_error("537");
                                   }),
                 std::domain_error)
        << "threads " << threads;
  }
}

TEST(ParallelFor, ResolveThreads) {
  EXPECT_EQ(mmc::resolve_threads(3), std::min(3, mmc::max_threads()));
  EXPECT_GE(mmc::resolve_threads(0), 1);
  EXPECT_EQ(mmc::resolve_threads(0), mmc::hardware_threads());
  EXPECT_THROW(mmc::resolve_threads(-2), mmc::invalid_argument);  // no longer "all cores"
  EXPECT_EQ(mmc::block_count(0, 8), 0);
  EXPECT_EQ(mmc::block_count(8, 8), 1);
  EXPECT_EQ(mmc::block_count(9, 8), 2);
}

// Requests far above the cap (effective_threads caps them at max_threads()) and
// odd counts give bit-identical results to threads = 1, for both runners.
TEST(ParallelForAndThreadPool, ManyThreadsRequestedIdenticalToOne) {
  constexpr int kMany[] = {3, 5, 64, 3000, std::numeric_limits<int>::max()};
  for (Index n : {Index{1000}, Index{4097}, Index{20000}}) {
    const double reference = blockwise_sum(n, 1, false);
    for (bool use_pool : {false, true}) {
      for (int threads : kMany) {
        EXPECT_EQ(blockwise_sum(n, threads, use_pool), reference)
            << "n " << n << " threads " << threads << (use_pool ? " (ThreadPool)" : "");
      }
    }
  }
}

TEST(ParallelFor, NegativeThreadsThrowBeforeAnyWork) {
  bool called = false;
  EXPECT_THROW(mmc::parallel_for(100, -1, 10, [&](Index, Index) { called = true; }),
               mmc::invalid_argument);
  EXPECT_FALSE(called);
  EXPECT_THROW(mmc::ThreadPool pool(-3), mmc::invalid_argument);
}

TEST(ThreadPool, VisitsEveryIndexOnceAcrossReuse) {
  for (int threads : kThreadCounts) {
    mmc::ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), mmc::resolve_threads(threads));  // every worker started here
    for (Index n : kSizes) {  // the same pool serves many calls (a training loop)
      expect_each_index_once(
          [&](Index size, auto body) { pool.parallel_for(size, kGrain, body); }, n, threads);
    }
  }
}

TEST(ThreadPool, RunCallsEveryBlockOnce) {
  mmc::ThreadPool pool(7);
  std::vector<std::atomic<int>> calls(100);
  pool.run(100, [&](Index b) { calls[static_cast<std::size_t>(b)]++; });
  for (auto& c : calls) EXPECT_EQ(c.load(), 1);
  pool.run(0, [&](Index) { FAIL() << "no blocks, no calls"; });
}

// Workers poll for the next run() before they sleep, so back-to-back calls
// reach workers that never slept: each call must still run its own task on
// every block exactly once (never a block of the previous call's task), also
// when the calls alternate tasks, sizes and pause between them long enough
// for the workers to go to sleep (the condition-variable path).
TEST(ThreadPool, BackToBackRunsEachRunTheirOwnTaskOnce) {
  for (int threads : {2, 8}) {
    mmc::ThreadPool pool(threads);
    std::vector<std::atomic<int>> first(64), second(64);
    for (int call = 0; call < 2000; ++call) {
      const bool even = call % 2 == 0;
      const Index blocks = 2 + call % 63;
      auto& target = even ? first : second;
      for (auto& c : target) c.store(0);
      pool.run(blocks, [&, even](Index b) {
        // a block of the other task would write the other array
        (even ? first : second)[static_cast<std::size_t>(b)]++;
      });
      for (Index b = 0; b < 64; ++b) {
        ASSERT_EQ(target[static_cast<std::size_t>(b)].load(), b < blocks ? 1 : 0)
            << "threads " << threads << " call " << call << " block " << b;
      }
      if (call % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

TEST(ThreadPool, PropagatesExceptionsAndStaysUsable) {
  for (int threads : kThreadCounts) {
    mmc::ThreadPool pool(threads);
    EXPECT_THROW(pool.parallel_for(1000, 10,
                                   [](Index begin, Index) {
                                     if (begin == 530) throw std::domain_error("block 53");
                                   }),
                 std::domain_error)
        << "threads " << threads;
    std::atomic<Index> total{0};
    pool.parallel_for(1000, 10, [&](Index begin, Index end) { total += end - begin; });
    EXPECT_EQ(total.load(), 1000) << "pool unusable after an exception, threads " << threads;
  }
}

TEST(AccurateSum, CompensatesCancellation) {
  // Naive left-to-right summation returns 0 for the first and 1e-16-scale noise
  // for the second; the compensated sum is exact for both.
  const std::vector<double> a{1e16, 1.0, -1e16};
  EXPECT_EQ(mmc::accurate_sum(a.begin(), a.end()), 1.0);
  // 10000 copies of the double 0.1 (= 3602879701896397 / 2^55) minus 1000 is
  // exactly 2000 / 2^55; naive summation is off by ~1e-10 (rounding at 1000).
  std::vector<double> b(10000, 0.1);
  b.push_back(-1000.0);
  const double exact = 2000.0 * std::ldexp(1.0, -55);
  double naive = 0;
  for (double v : b) naive += v;
  EXPECT_GT(std::fabs(naive - exact), 1e-12);  // the case really needs compensation
  EXPECT_NEAR(mmc::accurate_sum(b.begin(), b.end()), exact, 1e-27);
  const std::vector<float> f{1.5f, 2.5f};
  EXPECT_EQ(mmc::accurate_sum(f.begin(), f.end()), 4.0);
  const std::vector<double> none;
  EXPECT_EQ(mmc::accurate_sum(none.begin(), none.end()), 0.0);
}

}  // namespace
