// The AAV-MNIST construction (mmc/data/aav_mnist.hpp). Oracles: the label rule
// t = ⌊(x + y + 1)/2⌋ checked on every sample and on a hand table; the offset
// distribution (mean, variance and every P(y | x)) against the redrawn rounded
// normal within a few standard errors; the digit-level truth against plug-in
// entropies of a large sample; split disjointness; pool rows traced through
// their ids; the loader on the committed fixture cache, and on the real cache
// when scripts/fetch-data has been run (docs/design.md §3.5; docs/aav-mnist.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mmc/data/aav_mnist.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "io_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::data::AavPool;

const std::string kFixtures = MMC_TEST_SOURCE_DIR "/data/fixtures/aav";

/// A synthetic pool whose rows say what they are: image row = (digit, id, 0.5),
/// audio row = (digit, id); `images` images and `utterances` utterances per digit.
AavPool labelled_pool(Index images, Index utterances) {
  AavPool pool;
  for (int d = 0; d < 10; ++d) {
    const auto i = static_cast<std::size_t>(d);
    pool.images[i].resize(images, 3);
    pool.audio[i].resize(utterances, 2);
    for (Index r = 0; r < images; ++r) {
      const Index id = 1000 * d + r;
      pool.images[i].row(r) << d, static_cast<double>(id), 0.5;
      pool.image_ids[i].push_back(id);
    }
    for (Index r = 0; r < utterances; ++r) {
      const Index id = 500 * d + r;
      pool.audio[i].row(r) << d, static_cast<double>(id);
      pool.audio_ids[i].push_back(id);
      pool.utterance_names[i].push_back("u" + std::to_string(id));
    }
  }
  return pool;
}

TEST(AavMnist, LabelIsRoundHalfUpOfTheDigitMean) {
  const auto task = mmc::data::make_aav_mnist(labelled_pool(5, 4), {4.0}, 20000, 7);
  ASSERT_EQ(task.task.labels.size(), 20000);
  std::set<std::pair<int, int>> seen;
  for (Index s = 0; s < task.task.n(); ++s) {
    const int x = task.image_digit(s), y = task.audio_digit(s), t = task.task.labels(s);
    ASSERT_TRUE(x >= 0 && x <= 9 && y >= 0 && y <= 9) << s;
    ASSERT_EQ(t, (x + y + 1) / 2) << "x " << x << " y " << y;
    // round((x + y)/2) with halves up, in floating point.
    ASSERT_EQ(t, static_cast<int>(std::floor((x + y) / 2.0 + 0.5)));
    seen.insert({x, y});
  }
  EXPECT_EQ(seen.size(), 100u);  // σ = 4 reaches every pair (even 0 -> 9) in 20000 samples
  // The tie cases by hand: a half always goes up.
  const std::map<std::pair<int, int>, int> table = {{{0, 1}, 1}, {{1, 0}, 1}, {{2, 3}, 3}, {{4, 5}, 5},
                                                    {{8, 9}, 9}, {{0, 9}, 5}, {{3, 3}, 3}, {{0, 0}, 0},
                                                    {{9, 9}, 9}, {{1, 4}, 3}, {{2, 7}, 5}, {{6, 1}, 4}};
  for (Index s = 0; s < task.task.n(); ++s) {
    const auto it = table.find({task.image_digit(s), task.audio_digit(s)});
    if (it != table.end()) {
      ASSERT_EQ(task.task.labels(s), it->second);
    }
  }
  EXPECT_EQ(task.task.classes, 10);
  EXPECT_EQ(task.task.name, "aav_mnist");
  EXPECT_EQ(mmc::data::lookup(task.task.parameters, "sigma"), 4.0);
}

TEST(AavMnist, ModalitiesAreRowsOfTheDrawnDigitsWithTheirIds) {
  const AavPool pool = labelled_pool(6, 3);
  const auto task = mmc::data::make_aav_mnist(pool, {1.5}, 5000, 11);
  ASSERT_EQ(task.task.modalities.size(), 2u);
  ASSERT_EQ(task.task.modalities[0].cols(), 3);
  ASSERT_EQ(task.task.modalities[1].cols(), 2);
  std::set<Index> images_used, audio_used;
  for (Index s = 0; s < task.task.n(); ++s) {
    EXPECT_EQ(task.task.modalities[0](s, 0), task.image_digit(s));
    EXPECT_EQ(task.task.modalities[1](s, 0), task.audio_digit(s));
    EXPECT_EQ(task.task.modalities[0](s, 1), static_cast<double>(task.image_id[static_cast<std::size_t>(s)]));
    EXPECT_EQ(task.task.modalities[1](s, 1), static_cast<double>(task.audio_id[static_cast<std::size_t>(s)]));
    images_used.insert(task.image_id[static_cast<std::size_t>(s)]);
    audio_used.insert(task.audio_id[static_cast<std::size_t>(s)]);
  }
  EXPECT_EQ(images_used.size(), 60u);  // every row drawn (uniform, with replacement)
  EXPECT_EQ(audio_used.size(), 30u);
}

TEST(AavMnist, OffsetFollowsTheRedrawnRoundedNormal) {
  for (const double sigma : {0.5, 1.0, 2.0, 4.0}) {
    const Index n = 200000;
    const auto task = mmc::data::make_aav_mnist(labelled_pool(1, 1), {sigma}, n, 2024);
    // Exact moments of δ = y − x: x uniform, y | x ~ aav_mnist_audio_digit_probabilities.
    std::array<std::array<double, 10>, 10> p{};
    double mean = 0.0, second = 0.0;
    for (int x = 0; x < 10; ++x) {
      p[static_cast<std::size_t>(x)] = mmc::data::aav_mnist_audio_digit_probabilities(sigma, x);
      for (int y = 0; y < 10; ++y) {
        const double w = 0.1 * p[static_cast<std::size_t>(x)][static_cast<std::size_t>(y)];
        mean += w * (y - x);
        second += w * (y - x) * (y - x);
      }
    }
    const double variance = second - mean * mean;
    EXPECT_NEAR(mean, 0.0, 1e-12) << "symmetric: x and 9 − x mirror each other";
    // Sample moments, and counts per (x, y).
    double m1 = 0.0, m2 = 0.0;
    std::array<std::array<double, 10>, 10> count{};
    std::array<double, 10> count_x{};
    for (Index s = 0; s < n; ++s) {
      const int x = task.image_digit(s), y = task.audio_digit(s);
      m1 += y - x;
      m2 += (y - x) * (y - x);
      count[static_cast<std::size_t>(x)][static_cast<std::size_t>(y)] += 1;
      count_x[static_cast<std::size_t>(x)] += 1;
    }
    m1 /= static_cast<double>(n);
    m2 /= static_cast<double>(n);
    const double sample_variance = m2 - m1 * m1;
    // Standard errors: sd/√n for the mean; for the variance √((μ4 − σ⁴)/n).
    double fourth = 0.0;
    for (int x = 0; x < 10; ++x) {
      for (int y = 0; y < 10; ++y) fourth += 0.1 * p[static_cast<std::size_t>(x)][static_cast<std::size_t>(y)] * std::pow(y - x - mean, 4);
    }
    const double se_mean = std::sqrt(variance / static_cast<double>(n));
    const double se_var = std::sqrt((fourth - variance * variance) / static_cast<double>(n));
    EXPECT_NEAR(m1, mean, 4.5 * se_mean) << "sigma " << sigma;
    EXPECT_NEAR(sample_variance, variance, 4.5 * se_var) << "sigma " << sigma;
    // Truncation shrinks the variance below the untruncated rounded normal's (σ² + 1/12).
    EXPECT_LT(variance, sigma * sigma + 1.0 / 12.0 + 1e-9);
    for (int x = 0; x < 10; ++x) {
      const auto ix = static_cast<std::size_t>(x);
      EXPECT_NEAR(count_x[ix] / static_cast<double>(n), 0.1, 4.5 * std::sqrt(0.09 / static_cast<double>(n))) << x;
      for (int y = 0; y < 10; ++y) {
        const double q = p[ix][static_cast<std::size_t>(y)];
        // 4.5 standard errors, plus 4 counts of slack for the rare cells
        // (P ~ 1e-7: the normal approximation does not hold there).
        const double se = std::sqrt(q * (1 - q) / count_x[ix]);
        EXPECT_NEAR(count[ix][static_cast<std::size_t>(y)] / count_x[ix], q, 4.5 * se + 4.0 / count_x[ix])
            << "sigma " << sigma << " P(y = " << y << " | x = " << x << ")";
      }
    }
  }
  // The distribution itself: q(k) ∝ Φ((k+½)/σ) − Φ((k−½)/σ) on 0..9 − x.
  const auto p0 = mmc::data::aav_mnist_audio_digit_probabilities(1.0, 0);
  const auto phi = [](double t) { return 0.5 * std::erfc(-t / std::sqrt(2.0)); };
  double z = 0.0;
  for (int k = 0; k <= 9; ++k) z += phi(k + 0.5) - phi(k - 0.5);
  for (int k = 0; k <= 9; ++k) EXPECT_NEAR(p0[static_cast<std::size_t>(k)], (phi(k + 0.5) - phi(k - 0.5)) / z, 1e-15);
}

TEST(AavMnist, SigmaZeroGivesTheSameDigitTwice) {
  const auto task = mmc::data::make_aav_mnist(labelled_pool(2, 2), {0.0}, 3000, 5);
  EXPECT_TRUE(task.image_digit == task.audio_digit);
  EXPECT_TRUE(task.task.labels == task.image_digit);
  const auto truth = mmc::data::aav_mnist_class_truth(0.0);
  EXPECT_EQ(mmc::data::lookup(truth, "gamma_0"), 0.0);
  EXPECT_EQ(mmc::data::lookup(truth, "gamma_1"), 0.0);
  EXPECT_NEAR(*mmc::data::lookup(truth, "joint_mi"), std::log(10.0), 1e-12);
  EXPECT_EQ(mmc::data::lookup(truth, "metric"), 0.0);
}

TEST(AavMnist, ClassTruthMatchesPluginEntropiesOfALargeSample) {
  for (const double sigma : {0.7, 1.0, 3.0, 50.0}) {
    const Index n = 400000;  // σ = 50: about 12 redraws per sample
    const auto task = mmc::data::make_aav_mnist(labelled_pool(1, 1), {sigma}, n, 99);
    std::array<double, 10> ct{}, cx{}, cy{};
    std::array<std::array<double, 10>, 10> ctx{}, cty{};
    for (Index s = 0; s < n; ++s) {
      const auto x = static_cast<std::size_t>(task.image_digit(s)), y = static_cast<std::size_t>(task.audio_digit(s));
      const auto t = static_cast<std::size_t>(task.task.labels(s));
      ct[t] += 1, cx[x] += 1, cy[y] += 1, ctx[x][t] += 1, cty[y][t] += 1;
    }
    const auto h = [&](const auto& counts) {
      double sum = 0.0;
      for (const double c : counts) sum -= c > 0 ? c / static_cast<double>(n) * std::log(c / static_cast<double>(n)) : 0.0;
      return sum;
    };
    double h_tx = 0.0, h_ty = 0.0;
    for (std::size_t a = 0; a < 10; ++a) h_tx += h(ctx[a]), h_ty += h(cty[a]);
    const auto truth = mmc::data::aav_mnist_class_truth(sigma);
    EXPECT_NEAR(*mmc::data::lookup(truth, "joint_mi"), h(ct), 0.01) << sigma;
    EXPECT_NEAR(*mmc::data::lookup(truth, "gamma_0"), h_ty - h(cy), 0.01) << sigma;  // H(T | y)
    EXPECT_NEAR(*mmc::data::lookup(truth, "gamma_1"), h_tx - h(cx), 0.01) << sigma;  // H(T | x)
    EXPECT_EQ(task.task.truth, truth);
    // More offset, more complementarity.
    if (sigma <= 3.0) {
      EXPECT_GT(*mmc::data::lookup(truth, "metric"),
                *mmc::data::lookup(mmc::data::aav_mnist_class_truth(sigma / 2), "metric"));
    }
  }
}

TEST(AavMnist, DigitsDependOnlyOnSigmaNAndSeed) {
  const auto a = mmc::data::make_aav_mnist(labelled_pool(3, 2), {1.0}, 1000, 42);
  const auto b = mmc::data::make_aav_mnist(labelled_pool(7, 5), {1.0}, 1000, 42);
  const auto c = mmc::data::make_aav_mnist(labelled_pool(3, 2), {1.0}, 1000, 43);
  const auto again = mmc::data::make_aav_mnist(labelled_pool(3, 2), {1.0}, 1000, 42);
  EXPECT_TRUE(a.image_digit == b.image_digit && a.audio_digit == b.audio_digit && a.task.labels == b.task.labels);
  EXPECT_FALSE(a.image_digit == c.image_digit);
  EXPECT_TRUE(a.task.modalities[0] == again.task.modalities[0] && a.task.modalities[1] == again.task.modalities[1]);
  EXPECT_EQ(a.image_id, again.image_id);
  // A longer draw starts with the shorter one.
  const auto longer = mmc::data::make_aav_mnist(labelled_pool(3, 2), {1.0}, 1500, 42);
  EXPECT_TRUE(longer.task.labels.head(1000) == a.task.labels);
}

TEST(AavMnist, SplitIsDisjointAndCoversThePool) {
  const AavPool pool = labelled_pool(50, 13);
  const auto split = mmc::data::split_aav_mnist(pool, 0.2, 3);
  for (int d = 0; d < 10; ++d) {
    const auto i = static_cast<std::size_t>(d);
    const auto& tr = split.train;
    const auto& te = split.test;
    EXPECT_EQ(te.images[i].rows(), 10);
    EXPECT_EQ(tr.images[i].rows(), 40);
    EXPECT_EQ(te.audio[i].rows(), 3);  // round(0.2 · 13)
    EXPECT_EQ(tr.audio[i].rows(), 10);
    for (const auto& [train_ids, test_ids, all] :
         {std::tuple{tr.image_ids[i], te.image_ids[i], pool.image_ids[i]},
          std::tuple{tr.audio_ids[i], te.audio_ids[i], pool.audio_ids[i]}}) {
      std::set<Index> a(train_ids.begin(), train_ids.end()), b(test_ids.begin(), test_ids.end());
      EXPECT_EQ(a.size(), train_ids.size());
      for (const Index id : b) EXPECT_EQ(a.count(id), 0u) << "id " << id << " on both sides";
      a.insert(b.begin(), b.end());
      EXPECT_EQ(a, std::set<Index>(all.begin(), all.end()));
      EXPECT_TRUE(std::is_sorted(train_ids.begin(), train_ids.end()));
    }
    // Rows travel with their ids (and names).
    for (Index r = 0; r < te.images[i].rows(); ++r) {
      EXPECT_EQ(te.images[i](r, 1), static_cast<double>(te.image_ids[i][static_cast<std::size_t>(r)]));
    }
    for (Index r = 0; r < tr.audio[i].rows(); ++r) {
      EXPECT_EQ(tr.audio[i](r, 1), static_cast<double>(tr.audio_ids[i][static_cast<std::size_t>(r)]));
      EXPECT_EQ(tr.utterance_names[i][static_cast<std::size_t>(r)], "u" + std::to_string(tr.audio_ids[i][static_cast<std::size_t>(r)]));
    }
  }
  // A task drawn from the test pool uses test rows only.
  const auto task = mmc::data::make_aav_mnist(split.test, {1.0}, 3000, 8);
  std::set<Index> test_images, test_audio;
  for (const auto& ids : split.test.image_ids) test_images.insert(ids.begin(), ids.end());
  for (const auto& ids : split.test.audio_ids) test_audio.insert(ids.begin(), ids.end());
  for (std::size_t s = 0; s < task.image_id.size(); ++s) {
    ASSERT_EQ(test_images.count(task.image_id[s]), 1u);
    ASSERT_EQ(test_audio.count(task.audio_id[s]), 1u);
  }
  // Same seed, same split; another seed, another split.
  EXPECT_EQ(mmc::data::split_aav_mnist(pool, 0.2, 3).test.image_ids, split.test.image_ids);
  EXPECT_NE(mmc::data::split_aav_mnist(pool, 0.2, 4).test.image_ids, split.test.image_ids);
  // Each side keeps at least one row.
  const auto tiny = mmc::data::split_aav_mnist(labelled_pool(2, 2), 0.01, 1);
  EXPECT_EQ(tiny.test.images[0].rows(), 1);
  EXPECT_EQ(tiny.train.audio[9].rows(), 1);
}

TEST(AavMnist, RejectsBadArguments) {
  const auto message = [](auto f) { return mmc::test::invalid_argument_message(f); };
  const AavPool pool = labelled_pool(2, 2);
  EXPECT_NE(message([&] { (void)mmc::data::make_aav_mnist(pool, {1.0}, 0, 1); }).find("'n'"), std::string::npos);
  EXPECT_NE(message([&] { (void)mmc::data::make_aav_mnist(pool, {-1.0}, 5, 1); }).find("'options.sigma'"), std::string::npos);
  EXPECT_NE(message([&] { (void)mmc::data::make_aav_mnist(pool, {1001.0}, 5, 1); }).find("'options.sigma'"), std::string::npos);
  AavPool holes = pool;
  holes.audio[4].resize(0, 2);
  holes.audio_ids[4].clear();
  EXPECT_NE(message([&] { (void)mmc::data::make_aav_mnist(holes, {1.0}, 5, 1); }).find("has no utterance of digit 4"),
            std::string::npos);
  AavPool ragged = pool;
  ragged.images[2].conservativeResize(Eigen::NoChange, 4);
  EXPECT_NE(message([&] { (void)mmc::data::make_aav_mnist(ragged, {1.0}, 5, 1); }).find("different lengths for digit 2"),
            std::string::npos);
  EXPECT_NE(message([&] { (void)mmc::data::split_aav_mnist(pool, 0.0, 1); }).find("'test_fraction'"), std::string::npos);
  EXPECT_NE(message([&] { (void)mmc::data::split_aav_mnist(pool, 1.0, 1); }).find("'test_fraction'"), std::string::npos);
  EXPECT_NE(message([&] { (void)mmc::data::split_aav_mnist(labelled_pool(1, 2), 0.5, 1); }).find("1 images of digit 0, too few"),
            std::string::npos);
  EXPECT_NE(message([&] { (void)mmc::data::aav_mnist_audio_digit_probabilities(1.0, 10); }).find("'x'"), std::string::npos);
}

TEST(AavMnist, LoadsTheFixtureCache) {
  const AavPool pool = mmc::data::load_aav_mnist(kFixtures);
  for (int d = 0; d < 10; ++d) {
    const auto i = static_cast<std::size_t>(d);
    EXPECT_EQ(pool.images[i].rows(), 20);
    EXPECT_EQ(pool.images[i].cols(), 784);
    EXPECT_EQ(pool.audio[i].rows(), 2);
    EXPECT_EQ(pool.audio[i].cols(), 1024);
    EXPECT_TRUE(pool.audio[i].allFinite());
    EXPECT_EQ(pool.utterance_names[i], (std::vector<std::string>{"en-gb+f3_s175_p35", "en-us+m3_s175_p65"}));
    EXPECT_EQ(pool.audio_ids[i], (std::vector<Index>{0, 1}));
    EXPECT_EQ(pool.image_ids[i].back(), 19);
  }
  // The audio rows are utterance_features of the files.
  const auto seven = mmc::data::utterance_features(mmc::data::read_wav(kFixtures + "/audio/7/en-us+m3_s175_p65.wav"));
  EXPECT_TRUE(pool.audio[7].row(1) == seven.transpose());
  // Evenly spaced subsets.
  mmc::data::AavLoadOptions options;
  options.max_images_per_digit = 4;
  options.max_utterances_per_digit = 1;
  options.spectrogram.frames = 8;
  const AavPool small = mmc::data::load_aav_mnist(kFixtures, options);
  EXPECT_EQ(small.image_ids[3], (std::vector<Index>{0, 5, 10, 15}));
  EXPECT_TRUE(small.images[3].row(2) == pool.images[3].row(10));
  EXPECT_EQ(small.audio[3].rows(), 1);
  EXPECT_EQ(small.audio[3].cols(), 8 * 32);
  // And a task from it.
  const auto split = mmc::data::split_aav_mnist(pool, 0.5, 1);
  const auto task = mmc::data::make_aav_mnist(split.train, {1.0}, 200, 1);
  EXPECT_EQ(task.task.modalities[0].cols(), 784);
  EXPECT_EQ(task.task.modalities[1].cols(), 1024);
}

TEST(AavMnist, MissingCacheSaysToRunFetchData) {
  const auto expect_io = [](const std::filesystem::path& dir, const std::string& phrase) {
    try {
      (void)mmc::data::load_aav_mnist(dir);
      ADD_FAILURE() << "expected mmc::io_error for " << dir;
    } catch (const mmc::io_error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("run scripts/fetch-data"), std::string::npos) << m;
      EXPECT_NE(m.find(phrase), std::string::npos) << m;
    }
  };
  const auto tmp = std::filesystem::temp_directory_path() / "mmc_test_aav_missing";
  std::filesystem::remove_all(tmp);
  expect_io(tmp, "the directory does not exist");
  std::filesystem::create_directories(tmp / "mnist");
  expect_io(tmp, "mnist/0.json is missing");
  std::filesystem::copy_file(kFixtures + "/mnist/0.json", tmp / "mnist" / "0.json");
  expect_io(tmp, "audio/0/ is missing");
  std::filesystem::create_directories(tmp / "audio" / "0");
  expect_io(tmp, "audio/0/ holds no .wav file");
  std::filesystem::remove_all(tmp);
}

TEST(AavMnist, RealCacheWhenFetched) {
  const auto dir = mmc::data::default_aav_mnist_dir();
  if (dir.empty() || !std::filesystem::exists(dir / "MANIFEST")) {
    GTEST_SKIP() << "no AAV-MNIST cache at '" << dir.string() << "' (run scripts/fetch-data)";
  }
  const AavPool pool = mmc::data::load_aav_mnist(dir);
  const Index counts[] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  Index images = 0, utterances = 0;
  for (int d = 0; d < 10; ++d) {
    const auto i = static_cast<std::size_t>(d);
    EXPECT_EQ(pool.images[i].rows(), counts[d]);
    EXPECT_EQ(pool.audio[i].rows(), 128);
    EXPECT_TRUE(pool.audio[i].allFinite());
    images += pool.images[i].rows();
    utterances += pool.audio[i].rows();
  }
  EXPECT_EQ(images, 10000);
  EXPECT_EQ(utterances, 1280);
  // The features separate the digits: 1-nearest-neighbour accuracy of test
  // utterances (and a subset of test images) against the train pool.
  const auto split = mmc::data::split_aav_mnist(pool, 0.2, 1);
  const auto nn_accuracy = [&](bool audio, Index per_digit) {
    Index right = 0, total = 0;
    for (int d = 0; d < 10; ++d) {
      const auto& queries = audio ? split.test.audio[static_cast<std::size_t>(d)] : split.test.images[static_cast<std::size_t>(d)];
      for (Index q = 0; q < std::min(per_digit, queries.rows()); ++q) {
        double best = INFINITY;
        int best_digit = -1;
        for (int e = 0; e < 10; ++e) {
          const auto& ref = audio ? split.train.audio[static_cast<std::size_t>(e)] : split.train.images[static_cast<std::size_t>(e)];
          const Index refs = audio ? ref.rows() : std::min<Index>(ref.rows(), 300);
          for (Index r = 0; r < refs; ++r) {
            const double dist = (ref.row(r) - queries.row(q)).squaredNorm();
            if (dist < best) best = dist, best_digit = e;
          }
        }
        right += best_digit == d;
        ++total;
      }
    }
    return static_cast<double>(right) / static_cast<double>(total);
  };
  const double audio_accuracy = nn_accuracy(true, 1000), image_accuracy = nn_accuracy(false, 30);
  std::printf("1-NN accuracy on the real cache: audio %.3f (260 test utterances), images %.3f (300 test images)\n",
              audio_accuracy, image_accuracy);
  EXPECT_GT(audio_accuracy, 0.8);
  EXPECT_GT(image_accuracy, 0.8);
  const auto task = mmc::data::make_aav_mnist(split.train, {1.0}, 2000, 1);
  EXPECT_EQ(task.task.modalities[0].rows(), 2000);
  EXPECT_EQ(task.task.modalities[1].cols(), 1024);
}

}  // namespace
