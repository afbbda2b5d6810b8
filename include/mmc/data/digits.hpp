// mmc/data/digits.hpp — the AAV-style two-modality digits task (docs/design.md §3.5,
// last bullet; "Modality Complementariness...", §5.2), built from the 8x8
// handwritten digits that scikit-learn ships (1797 images, UCI optdigits test set).
//
// Per sample: a digit class x uniform on 0..9; δ = round(N(0, σ²)) (ties away
// from zero, probability 0); y = (x + δ) mod 10 (in 0..9); the modalities are a
// random image of class x and a random image of class y (uniform, with
// replacement, from Rng(seed, 0)); the label is t = round((x + y)/2) with halves
// rounded up, i.e. t = ⌊(x + y + 1)/2⌋ ∈ 0..9. σ dials complementarity:
// σ = 0 gives y = x, both modalities carry the same class (redundant, C = 0);
// a large σ makes y nearly independent of x, so t needs both.
//
// Truth. The closed forms here are at the level of the digit classes: they
// treat each image as identifying its class (true for a Bayes classifier up to
// the ~2 % of ambiguous 8x8 digits). With W = class of the second modality,
// H(T | X, W) = 0, so Γ_X = H(T | W), Γ_W = H(T | X), I(X,W;T) = H(T), computed
// from p(x, y) = (1/10) Σ_{k ≡ y − x (mod 10)} P(δ = k), P(δ = k) =
// Φ((k+½)/σ) − Φ((k−½)/σ).
//
// The file is sklearn's `datasets/data/digits.csv.gz`: gzip-compressed CSV, one
// image per line, 64 pixel values (0..16) then the label. It is read with zlib
// (gzread also accepts an uncompressed file), so this header — unlike the rest
// of data/ — needs zlib at link time and is not in the data/generators.hpp
// umbrella. Pass the path in DigitsOptions::path; an empty path searches
// $MMC_DIGITS_PATH, then the Debian python3-sklearn locations.
#pragma once

#include <zlib.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/task.hpp"
#include "mmc/data/transforms.hpp"

namespace mmc::data {

/// The raw digits: 64 pixels per row (row-major 8x8, values 0..16) and labels 0..9.
struct DigitsData {
  RowMatrix<double> images;
  Labels labels;
};

/// Where load_digits looks when no path is given, in order ($MMC_DIGITS_PATH first).
inline std::vector<std::string> default_digits_paths() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("MMC_DIGITS_PATH"); env != nullptr && *env != '\0') {
    paths.emplace_back(env);
  }
  const std::string tail = "/sklearn/datasets/data/digits.csv.gz";
  for (const char* root : {"/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages",
                           "/usr/share/python3-sklearn"}) {
    paths.push_back(root + tail);
  }
  return paths;
}

/// The first existing file of default_digits_paths(), or "" if none exists.
inline std::string find_digits_file() {
  for (const auto& p : default_digits_paths()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return {};
}

/// Reads the digits file (gzip or plain CSV). Throws mmc::io_error when the file
/// cannot be opened, mmc::invalid_argument (with the line) when it is malformed.
inline DigitsData load_digits(const std::string& path = {}) {
  constexpr std::string_view fn = "mmc::data::load_digits";
  const std::string file = path.empty() ? find_digits_file() : path;
  if (file.empty()) {
    throw io_error(std::string(fn) +
                   ": the sklearn digits file was not found (looked for "
                   "sklearn/datasets/data/digits.csv.gz under /usr/lib/python3/dist-packages and "
                   "$MMC_DIGITS_PATH); install python3-sklearn or pass its path");
  }
  std::unique_ptr<gzFile_s, int (*)(gzFile)> gz(gzopen(file.c_str(), "rb"), gzclose);
  if (!gz) throw io_error(std::string(fn) + ": cannot open '" + file + "'; check the path");
  std::string text;
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    const int got = gzread(gz.get(), buffer.data(), static_cast<unsigned>(buffer.size()));
    if (got < 0) {
      mmc::detail::throw_invalid(fn, "path", "'" + file + "' is not a readable gzip file",
                                 "pass sklearn's datasets/data/digits.csv.gz");
    }
    if (got == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  std::vector<double> pixels;
  std::vector<int> labels;
  std::size_t pos = 0, line = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    ++line;
    std::string row = text.substr(pos, end - pos);
    pos = end + 1;
    if (!row.empty() && row.back() == '\r') row.pop_back();
    if (row.empty()) continue;
    std::vector<double> fields;
    const char* p = row.c_str();
    for (;;) {
      char* after = nullptr;
      const double v = std::strtod(p, &after);
      if (after == p || !std::isfinite(v)) break;
      fields.push_back(v);
      p = after;
      if (*p != ',') break;
      ++p;
    }
    const int label = fields.size() == 65 ? static_cast<int>(fields.back()) : -1;
    if (*p != '\0' || fields.size() != 65 || label != fields.back() || label < 0 || label > 9) {
      mmc::detail::throw_invalid(fn, "path",
                                 "'" + file + "' line " + std::to_string(line) +
                                     " is not 64 comma-separated pixel values and a label 0..9",
                                 "pass sklearn's datasets/data/digits.csv.gz");
    }
    pixels.insert(pixels.end(), fields.begin(), fields.end() - 1);
    labels.push_back(label);
  }
  DigitsData data;
  const auto rows = static_cast<Index>(labels.size());
  data.images = Eigen::Map<const RowMatrix<double>>(pixels.data(), rows, 64);
  data.labels = Eigen::Map<const Eigen::VectorXi>(labels.data(), rows);
  for (int c = 0; c < 10; ++c) {
    if ((data.labels.array() == c).count() == 0) {
      mmc::detail::throw_invalid(fn, "path", "'" + file + "' has no image of digit " +
                                                 std::to_string(c),
                                 "pass the full sklearn digits file (all ten classes)");
    }
  }
  return data;
}

/// Options of the digits task.
struct DigitsOptions {
  double sigma = 1.0;  ///< standard deviation of δ; 0 = redundant modalities.
  std::string path{};  ///< digits file; empty = find_digits_file().
};

/// Class-level truth for σ (see top): gamma_0, gamma_1, joint_mi, h_y, ...
inline KeyValues digits_class_truth(double sigma) {
  detail::check_range("mmc::data::digits_class_truth", "sigma", sigma, 0.0, 1e6, false, false,
                      "pass a standard deviation >= 0 for the class offset (default 1)");
  // P(δ ≡ r mod 10); for σ > 50 the wrapped normal is uniform to machine precision.
  std::array<double, 10> wrapped{};
  if (sigma == 0.0) {
    wrapped[0] = 1.0;
  } else if (sigma > 50.0) {
    wrapped.fill(0.1);
  } else {
    const long long k_max = static_cast<long long>(std::ceil(12.0 * sigma)) + 1;
    for (long long k = -k_max; k <= k_max; ++k) {
      const double pk = normal_cdf((k + 0.5) / sigma) - normal_cdf((k - 0.5) / sigma);
      wrapped[static_cast<std::size_t>(((k % 10) + 10) % 10)] += pk;
    }
  }
  // Conditional tables p(t | x) and p(t | y): x and y are both uniform, so
  // p(x | y) = p(y | x) = P(δ ≡ y − x). Working with conditionals (no 1/10
  // factors) keeps H(T | X) exactly 0 when σ = 0.
  std::array<std::array<double, 10>, 10> t_given_x{}, t_given_y{};
  std::array<double, 10> pt{};
  for (int a = 0; a < 10; ++a) {
    for (int r = 0; r < 10; ++r) {
      const double w = wrapped[static_cast<std::size_t>(r)];
      const int y = (a + r) % 10;      // a as x: partner y
      const int x = (a - r + 10) % 10;  // a as y: partner x
      t_given_x[a][(a + y + 1) / 2] += w;
      t_given_y[a][(x + a + 1) / 2] += w;
      pt[(a + y + 1) / 2] += 0.1 * w;
    }
  }
  const auto plogp = [](double p) { return p > 0.0 ? -p * std::log(p) : 0.0; };
  double h_t = 0.0, h_t_given_x = 0.0, h_t_given_y = 0.0;
  for (int t = 0; t < 10; ++t) h_t += plogp(pt[t]);
  for (int a = 0; a < 10; ++a) {
    for (int t = 0; t < 10; ++t) {
      h_t_given_x += 0.1 * plogp(t_given_x[a][t]);
      h_t_given_y += 0.1 * plogp(t_given_y[a][t]);
    }
  }
  return complementarity_truth({h_t_given_y, h_t_given_x}, h_t, h_t);
}

/// n samples of the AAV-style digits task (see top). Modalities n x 64, labels 0..9.
inline LabelledTask digits_task(const DigitsOptions& options, Index n, std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::data::digits_task";
  detail::check_sample_count(fn, n);
  KeyValues truth = digits_class_truth(options.sigma);  // validates sigma
  const DigitsData data = load_digits(options.path);
  std::array<std::vector<Index>, 10> by_class;
  for (Index i = 0; i < data.labels.size(); ++i) by_class[data.labels(i)].push_back(i);
  Rng rng(seed, 0);
  const auto pick = [&](int c) {
    const auto& pool = by_class[static_cast<std::size_t>(c)];
    return pool[static_cast<std::size_t>(rng.uniform_int(pool.size()))];
  };
  LabelledTask task;
  task.modalities = {RowMatrix<double>(n, 64), RowMatrix<double>(n, 64)};
  task.labels.resize(n);
  for (Index i = 0; i < n; ++i) {
    const int x = static_cast<int>(rng.uniform_int(10));
    const double offset = std::round(options.sigma * rng.normal());
    const long long delta = std::llround(std::fmod(offset, 10.0));  // exact: |offset| may be huge
    const int y = static_cast<int>(((x + delta) % 10 + 10) % 10);
    task.modalities[0].row(i) = data.images.row(pick(x));
    task.modalities[1].row(i) = data.images.row(pick(y));
    task.labels(i) = (x + y + 1) / 2;
  }
  task.classes = 10;
  task.name = "digits";
  task.seed = seed;
  task.parameters = {{"n", static_cast<double>(n)}, {"sigma", options.sigma}};
  task.truth = std::move(truth);
  return task;
}

}  // namespace mmc::data
