// Log-magnitude spectrograms (mmc/data/spectrogram.hpp). Oracles: a direct
// O(N²) DFT for the STFT magnitudes (1e-6 relative), the closed-form spectrum
// of a Hann-windowed sinusoid at a bin frequency (magnitudes ½, ¼, ¼ of the
// amplitude), where a tone lands, and invariances of utterance_features to
// silence and loudness (docs/design.md §3.5; docs/aav-mnist.md).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <mmc/core/rng.hpp>
#include <mmc/data/spectrogram.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "io_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::Vector;
using mmc::data::SpectrogramOptions;

constexpr double kPi = std::numbers::pi;

/// |Σ_n w[n] x[s + n] e^{−2πikn/N}| / Σ w by the definition (x = 0 past the end).
double direct_dft_magnitude(const Vector<float>& x, Index start, Index n, Index k) {
  std::complex<double> sum = 0.0;
  double gain = 0.0;
  for (Index i = 0; i < n; ++i) {
    const double w = 0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(n));
    gain += w;
    const double v = start + i < x.size() ? static_cast<double>(x(start + i)) : 0.0;
    sum += w * v * std::polar(1.0, -2.0 * kPi * static_cast<double>(k * i % n) / static_cast<double>(n));
  }
  return std::abs(sum) / gain;
}

Vector<float> random_signal(Index n, std::uint64_t seed) {
  mmc::Rng rng(seed);
  Vector<float> x(n);
  for (Index i = 0; i < n; ++i) x(i) = static_cast<float>(rng.uniform(-1.0, 1.0));
  return x;
}

/// amplitude · cos(2π · bin · i / frame_length + phase), i = 0..n−1.
Vector<float> tone(Index n, double bin, int frame_length, double amplitude = 0.8, double phase = 0.3) {
  Vector<float> x(n);
  for (Index i = 0; i < n; ++i) {
    x(i) = static_cast<float>(amplitude * std::cos(2.0 * kPi * bin * static_cast<double>(i) / frame_length + phase));
  }
  return x;
}

TEST(Spectrogram, HannWindowIsPeriodic) {
  const Vector<double> w = mmc::data::hann_window(8);
  const double expected[] = {0.0, 0.5 - 0.5 * std::sqrt(0.5), 0.5, 0.5 + 0.5 * std::sqrt(0.5), 1.0,
                             0.5 + 0.5 * std::sqrt(0.5), 0.5, 0.5 - 0.5 * std::sqrt(0.5)};
  for (Index i = 0; i < 8; ++i) EXPECT_NEAR(w(i), expected[i], 1e-15) << i;
  EXPECT_NEAR(mmc::data::hann_window(512).sum(), 256.0, 1e-12);
}

TEST(Spectrogram, FrameStartsSpreadEvenlyOverTheSignal) {
  const auto starts = mmc::data::spectrogram_frame_starts(10512, 32, 512);
  ASSERT_EQ(starts.size(), 32u);
  EXPECT_EQ(starts.front(), 0);
  EXPECT_EQ(starts.back(), 10000);  // the last frame ends at the last sample
  for (std::size_t k = 0; k < starts.size(); ++k) {
    EXPECT_EQ(starts[k], std::llround(static_cast<double>(k) * 10000.0 / 31.0)) << k;
  }
  EXPECT_EQ(mmc::data::spectrogram_frame_starts(700, 1, 512), std::vector<Index>{94});  // centred
  EXPECT_EQ(mmc::data::spectrogram_frame_starts(300, 4, 512), std::vector<Index>(4, 0));  // zero-padded
  EXPECT_EQ(mmc::data::spectrogram_frame_starts(512, 3, 512), std::vector<Index>(3, 0));
}

TEST(Spectrogram, StftMagnitudesEqualTheDirectDft) {
  // Frame lengths through kissfft's real path (multiples of 4) and its
  // generic path (30, 13); frames that run past the end are zero-padded.
  for (const int n : {64, 512, 30, 13, 4}) {
    const Vector<float> x = random_signal(3 * n + 7, static_cast<std::uint64_t>(n));
    const std::vector<Index> starts = {0, 1, n, 2 * n + 7, 3 * n};
    const RowMatrix<double> mag = mmc::data::stft_magnitudes(x, n, starts);
    ASSERT_EQ(mag.rows(), 5);
    ASSERT_EQ(mag.cols(), n / 2 + 1);
    for (Index f = 0; f < mag.rows(); ++f) {
      for (Index k = 0; k < mag.cols(); ++k) {
        const double expected = direct_dft_magnitude(x, starts[static_cast<std::size_t>(f)], n, k);
        EXPECT_NEAR(mag(f, k), expected, 1e-6 * expected + 1e-12) << "n " << n << " frame " << f << " bin " << k;
      }
    }
  }
}

TEST(Spectrogram, SinusoidAtABinHasTheClosedFormSpectrum) {
  // A periodic Hann window turns A cos at bin k into A/2 at k and A/4 at k ± 1.
  const double amplitude = 0.8;
  const Vector<float> x = tone(4096, 37, 512, amplitude);
  const RowMatrix<double> mag = mmc::data::stft_magnitudes(x, 512, {0, 100, 3000});
  for (Index f = 0; f < 3; ++f) {
    for (Index k = 0; k < mag.cols(); ++k) {
      const double expected = k == 37 ? amplitude / 2 : (k == 36 || k == 38) ? amplitude / 4 : 0.0;
      EXPECT_NEAR(mag(f, k), expected, 2e-7) << f << " " << k;  // float samples: ~1e-7
    }
  }
}

TEST(Spectrogram, BandEdgesAreMelSpacedAndStrictlyIncreasing) {
  const SpectrogramOptions o;
  const std::vector<Index> edges = mmc::data::spectrogram_band_edges(o, 22050.0);
  ASSERT_EQ(edges.size(), 33u);
  EXPECT_EQ(edges.front(), 0);
  EXPECT_EQ(edges.back(), std::llround(8000.0 * 512 / 22050.0));  // bin 186
  for (std::size_t b = 1; b < edges.size(); ++b) EXPECT_GT(edges[b], edges[b - 1]) << b;
  EXPECT_LE(edges[1] - edges[0], 2);    // mel bands: narrow at the bottom,
  EXPECT_GE(edges[32] - edges[31], 10);  // wide at the top
  // Edge b sits at the bin of the mel-spaced frequency (when not pushed up).
  const auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const double f16 = 700.0 * (std::pow(10.0, mel(8000.0) / 2 / 2595.0) - 1.0);
  EXPECT_EQ(edges[16], std::llround(f16 * 512 / 22050.0));
  // max_hz above Nyquist is clamped; too many bands for the bins is an error.
  SpectrogramOptions wide;
  wide.max_hz = 1e6;
  EXPECT_EQ(mmc::data::spectrogram_band_edges(wide, 22050.0).back(), 256);
  SpectrogramOptions many;
  many.bands = 300;
  const std::string message =
      mmc::test::invalid_argument_message([&] { (void)mmc::data::spectrogram_band_edges(many, 22050.0); });
  EXPECT_NE(message.find("more bands than the"), std::string::npos) << message;
}

TEST(Spectrogram, APureToneLandsInItsBand) {
  const SpectrogramOptions o;
  const double rate = 22050.0;
  const std::vector<Index> edges = mmc::data::spectrogram_band_edges(o, rate);
  for (const int bin : {3, 10, 25, 60, 100, 150, 185}) {
    int band = 0;
    while (edges[static_cast<std::size_t>(band) + 1] <= bin) ++band;
    const Vector<double> features = mmc::data::log_spectrogram(tone(20000, bin, 512), rate, o);
    ASSERT_EQ(features.size(), 1024);
    for (int f = 0; f < 32; ++f) {
      Index loudest = 0;
      features.segment(f * 32, 32).maxCoeff(&loudest);
      EXPECT_EQ(loudest, band) << "tone at bin " << bin << " (" << bin * rate / 512 << " Hz), frame " << f;
    }
  }
  // And off a bin: 1 kHz, between bins 23 and 24.
  const Vector<float> x = [&] {
    Vector<float> v(15000);
    for (Index i = 0; i < v.size(); ++i) v(i) = static_cast<float>(0.5 * std::sin(2 * kPi * 1000.0 * static_cast<double>(i) / rate));
    return v;
  }();
  const Vector<double> features = mmc::data::log_spectrogram(x, rate, o);
  int band = 0;
  while (edges[static_cast<std::size_t>(band) + 1] <= std::llround(1000.0 * 512 / rate)) ++band;
  Index loudest = 0;
  features.segment(5 * 32, 32).maxCoeff(&loudest);
  EXPECT_EQ(loudest, band);
}

TEST(Spectrogram, FeaturesAreLogRootBandEnergyFrameMajor) {
  // A tone at bin 37 (A/2 at 37, A/4 at 36 and 38) in the second half only.
  SpectrogramOptions o;
  const double amplitude = 0.8, rate = 22050.0;
  Vector<float> x = Vector<float>::Zero(512 * 40);
  x.tail(512 * 20) = tone(512 * 20, 37, 512, amplitude);
  const Vector<double> features = mmc::data::log_spectrogram(x, rate, o);
  const std::vector<Index> edges = mmc::data::spectrogram_band_edges(o, rate);
  const auto starts = mmc::data::spectrogram_frame_starts(x.size(), o.frames, o.frame_length);
  for (int f = 0; f < 32; ++f) {
    const bool silent = starts[static_cast<std::size_t>(f)] + 512 <= 512 * 20;
    const bool pure = starts[static_cast<std::size_t>(f)] >= 512 * 20;
    for (int b = 0; b < 32; ++b) {
      double energy = 0.0;
      for (Index k = edges[static_cast<std::size_t>(b)]; k < edges[static_cast<std::size_t>(b) + 1]; ++k) {
        const double m = k == 37 ? amplitude / 2 : (k == 36 || k == 38) ? amplitude / 4 : 0.0;
        energy += m * m;
      }
      const double value = features(f * 32 + b);
      if (silent) {
        EXPECT_EQ(value, std::log(o.floor)) << f << " " << b;
      }
      // Float samples leave ~1e-9 of rounding noise per bin: compare magnitudes.
      if (pure) {
        EXPECT_NEAR(std::exp(value) - o.floor, std::sqrt(energy), 1e-6) << f << " " << b;
      }
    }
  }
}

TEST(Spectrogram, UtteranceFeaturesIgnoreSilenceAndLoudness) {
  mmc::data::WavAudio speech{tone(9000, 20.5, 512, 0.9), 22050, 1};
  speech.samples.head(50).setZero();  // starts below the trim level; cut either way
  mmc::data::WavAudio padded{Vector<float>::Zero(9000 + 4000), 22050, 1};
  padded.samples.segment(3000, 9000) = 0.25f * speech.samples;  // quieter, with silence both sides
  padded.samples(100) = 0.001f;  // below 2 % of the peak: still trimmed
  const Vector<double> a = mmc::data::utterance_features(speech);
  const Vector<double> b = mmc::data::utterance_features(padded);
  ASSERT_EQ(a.size(), 1024);
  EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-4);
  // Without trimming and normalisation the features differ.
  SpectrogramOptions raw;
  raw.trim_threshold = 0.0;
  raw.normalize_peak = false;
  EXPECT_GT((mmc::data::utterance_features(speech, raw) - mmc::data::utterance_features(padded, raw)).cwiseAbs().maxCoeff(), 1.0);
  const auto [first, last] = mmc::data::trim_silence_range(padded.samples, 0.02);
  EXPECT_GE(first, 3000);
  EXPECT_LE(last, 12000);
  EXPECT_EQ(mmc::data::trim_silence_range(Vector<float>::Zero(5), 0.02), std::make_pair(Index{0}, Index{5}));
}

TEST(Spectrogram, EspeakFixtureGivesFiniteFeaturesThatDifferByDigit) {
  const std::string dir = MMC_TEST_SOURCE_DIR "/data/fixtures/aav/audio/";
  const Vector<double> seven = mmc::data::utterance_features(mmc::data::read_wav(dir + "7/en-us+m3_s175_p65.wav"));
  const Vector<double> seven_b = mmc::data::utterance_features(mmc::data::read_wav(dir + "7/en-gb+f3_s175_p35.wav"));
  const Vector<double> one = mmc::data::utterance_features(mmc::data::read_wav(dir + "1/en-us+m3_s175_p65.wav"));
  ASSERT_EQ(seven.size(), 1024);
  EXPECT_TRUE(seven.allFinite());
  EXPECT_GT(seven.maxCoeff() - seven.minCoeff(), 3.0);  // speech has structure
  EXPECT_GT((seven - one).norm(), 1.0);
  EXPECT_GT((seven - seven_b).norm(), 1.0);
}

TEST(Spectrogram, RejectsBadInput) {
  const auto message = [](auto f) { return mmc::test::invalid_argument_message(f); };
  const Vector<float> x = random_signal(1000, 1);
  EXPECT_NE(message([&] { (void)mmc::data::log_spectrogram(Vector<float>(), 22050.0); }).find("'samples' is empty"),
            std::string::npos);
  Vector<float> nan = x;
  nan(3) = std::nanf("");
  EXPECT_NE(message([&] { (void)mmc::data::log_spectrogram(nan, 22050.0); }).find("NaN"), std::string::npos);
  EXPECT_NE(message([&] { (void)mmc::data::log_spectrogram(x, 0.0); }).find("'sample_rate'"), std::string::npos);
  SpectrogramOptions o;
  o.frame_length = 2;
  EXPECT_NE(message([&] { (void)mmc::data::log_spectrogram(x, 22050.0, o); }).find("'options.frame_length'"),
            std::string::npos);
  o = {};
  o.min_hz = 9000;
  EXPECT_NE(message([&] { (void)mmc::data::log_spectrogram(x, 22050.0, o); }).find("'options.min_hz'"),
            std::string::npos);
  o = {};
  o.bands = 0;
  EXPECT_NE(message([&] { (void)mmc::data::log_spectrogram(x, 22050.0, o); }).find("'options.bands'"),
            std::string::npos);
  o = {};
  o.floor = 0;
  EXPECT_NE(message([&] { (void)mmc::data::log_spectrogram(x, 22050.0, o); }).find("'options.floor'"),
            std::string::npos);
  o = {};
  o.trim_threshold = 1;
  EXPECT_NE(message([&] { (void)mmc::data::utterance_features({x, 22050, 1}, o); }).find("'options.trim_threshold'"),
            std::string::npos);
}

}  // namespace
