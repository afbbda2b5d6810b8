// Tests of the limits of core/parallel.hpp: effective_threads() (0 = all cores,
// negative = invalid_argument, large requests capped at max_threads()), and
// parallel_for / ThreadPool when starting a worker thread fails (simulated with
// detail::thread_start_hook): they carry on with the threads that started, give
// the same result (docs/design.md §2), propagate body exceptions, and never
// deadlock or terminate.
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cmath>
#include <mmc/core/errors.hpp>
#include <mmc/core/parallel.hpp>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

using mmc::Index;

TEST(EffectiveThreads, ZeroMeansAllCores) {
  const unsigned hw = std::thread::hardware_concurrency();
  EXPECT_EQ(mmc::effective_threads(0), mmc::hardware_threads());
  EXPECT_GE(mmc::hardware_threads(), 1);
  if (hw > 0 && hw <= static_cast<unsigned>(mmc::kMaxThreads)) {
    EXPECT_EQ(mmc::effective_threads(0), static_cast<int>(hw));
  }
}

TEST(EffectiveThreads, CapsLargeRequests) {
  const int cap = mmc::max_threads();
  EXPECT_EQ(mmc::kMaxThreadsPerCore, 4);
  EXPECT_EQ(cap, std::min(mmc::kMaxThreadsPerCore * mmc::hardware_threads(), mmc::kMaxThreads));
  EXPECT_GE(cap, mmc::hardware_threads());
  EXPECT_LE(cap, mmc::kMaxThreads);
  // 10^10 is 1,410,065,408 once truncated to 32 bits; neither may get through.
  for (long long request : {10'000'000'000LL, 1'410'065'408LL, 3000LL, LLONG_MAX,
                            static_cast<long long>(INT_MAX)}) {
    EXPECT_EQ(mmc::effective_threads(request), cap) << "request " << request;
  }
  EXPECT_EQ(mmc::effective_threads(1), 1);
  EXPECT_EQ(mmc::effective_threads(cap), cap);
  EXPECT_EQ(mmc::effective_threads(cap + 1LL), cap);
  EXPECT_EQ(mmc::resolve_threads(3000), cap);
}

TEST(EffectiveThreads, NegativeThrowsNamingTheArgument) {
  for (long long request : {-1LL, -2LL, LLONG_MIN}) {
    try {
      mmc::effective_threads(request);
      ADD_FAILURE() << "no exception for " << request;
    } catch (const mmc::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("argument 'threads'"), std::string::npos) << message;
      EXPECT_NE(message.find(std::to_string(request)), std::string::npos) << message;
      EXPECT_NE(message.find("pass 0 for all cores"), std::string::npos) << message;
    }
  }
}

// Makes every thread start after the first `starts_allowed` throw what
// std::thread throws when the process is out of threads. Restores on exit.
class FailingThreadStarts {
 public:
  explicit FailingThreadStarts(int starts_allowed) {
    remaining().store(starts_allowed);
    attempts().store(0);
    mmc::detail::thread_start_hook.store(&hook);
  }
  ~FailingThreadStarts() { mmc::detail::thread_start_hook.store(nullptr); }
  FailingThreadStarts(const FailingThreadStarts&) = delete;
  FailingThreadStarts& operator=(const FailingThreadStarts&) = delete;
  static int attempted() { return attempts().load(); }

 private:
  static std::atomic<int>& remaining() {
    static std::atomic<int> value{0};
    return value;
  }
  static std::atomic<int>& attempts() {
    static std::atomic<int> value{0};
    return value;
  }
  static void hook() {
    attempts()++;
    if (remaining().fetch_sub(1) <= 0) {
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                              "simulated thread start failure");
    }
  }
};

// sum over i of sin(i) * (i % 7), computed blockwise with a per-block record of
// the thread that ran it, reduced serially.
struct Result {
  double sum = 0;
  std::vector<std::thread::id> runners;
};

template <class Runner>
Result blockwise(Index n, Index grain, Runner&& run) {
  std::vector<double> out(static_cast<std::size_t>(n), 0.0);
  std::vector<std::thread::id> runners(static_cast<std::size_t>(mmc::block_count(n, grain)));
  run(n, grain, [&](Index begin, Index end) {
    runners[static_cast<std::size_t>(begin / grain)] = std::this_thread::get_id();
    for (Index i = begin; i < end; ++i) {
      out[static_cast<std::size_t>(i)] = std::sin(static_cast<double>(i)) * static_cast<double>(i % 7);
    }
  });
  return {mmc::accurate_sum(out.begin(), out.end()), runners};
}

auto free_runner(int threads) {
  return [threads](Index n, Index grain, auto body) { mmc::parallel_for(n, threads, grain, body); };
}

constexpr Index kN = 5000;
constexpr Index kGrain = 50;  // 100 blocks

TEST(FailedThreadStart, ParallelForContinuesWithStartedThreads) {
  const double reference = blockwise(kN, kGrain, free_runner(1)).sum;
  const int threads = std::max(mmc::max_threads(), 3);
  for (int allowed : {0, 1, 2}) {
    FailingThreadStarts failing(allowed);
    const Result r = blockwise(kN, kGrain, free_runner(threads));
    EXPECT_EQ(r.sum, reference) << allowed << " thread starts allowed";
    // max_threads() >= 4: `allowed` starts succeed, the next fails and is the last tried.
    EXPECT_EQ(FailingThreadStarts::attempted(), allowed + 1) << "kept starting after a failure";
    if (allowed == 0) {  // no worker started: the calling thread ran every block
      for (const auto& id : r.runners) EXPECT_EQ(id, std::this_thread::get_id());
    }
  }
}

TEST(FailedThreadStart, ParallelForStillPropagatesBodyExceptions) {
  for (int allowed : {0, 1}) {
    FailingThreadStarts failing(allowed);
    EXPECT_THROW(mmc::parallel_for(1000, 8, 10,
                                   [](Index begin, Index end) {
                                     if (begin <= 537 && 537 < end) throw std::domain_error("537");
                                   }),
                 std::domain_error)
        << allowed << " thread starts allowed";
  }
}

TEST(FailedThreadStart, ThreadPoolShrinksAndStaysCorrect) {
  const double reference = blockwise(kN, kGrain, free_runner(1)).sum;
  const int threads = mmc::max_threads();
  for (int allowed : {0, 1, 2}) {
    {
      FailingThreadStarts failing(allowed);
      mmc::ThreadPool pool(threads);
      EXPECT_EQ(pool.size(), std::min(allowed + 1, mmc::effective_threads(threads)))
          << allowed << " thread starts allowed";
      for (int repeat = 0; repeat < 3; ++repeat) {  // the pool is reused, as in training
        const Result r = blockwise(kN, kGrain, [&](Index n, Index grain, auto body) {
          pool.parallel_for(n, grain, body);
        });
        EXPECT_EQ(r.sum, reference) << allowed << " thread starts allowed, repeat " << repeat;
      }
      EXPECT_THROW(pool.parallel_for(1000, 10,
                                     [](Index begin, Index) {
                                       if (begin == 530) throw std::domain_error("block 53");
                                     }),
                   std::domain_error);
      std::atomic<Index> total{0};
      pool.parallel_for(1000, 10, [&](Index begin, Index end) { total += end - begin; });
      EXPECT_EQ(total.load(), 1000);
    }  // the destructor joins the started workers and returns (a hang fails by timeout)
    SUCCEED();
  }
}

TEST(FailedThreadStart, PoolDestroyedRightAfterConstruction) {
  // Workers that started but never received work must still be stopped and joined.
  for (int allowed : {0, 1, 3}) {
    FailingThreadStarts failing(allowed);
    mmc::ThreadPool pool(mmc::max_threads());
    EXPECT_GE(pool.size(), 1);
  }
}

}  // namespace
