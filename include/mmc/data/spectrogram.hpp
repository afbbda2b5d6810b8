// mmc/data/spectrogram.hpp — fixed-size log-magnitude spectrograms: the audio
// features of the AAV-MNIST task (docs/design.md §3.5; docs/aav-mnist.md).
//
// An utterance of any length becomes `frames` x `bands` numbers (default
// 32 x 32 = 1024), so that every sample of the audio modality has the same
// dimension:
//
// 1. frames: `frames` windows of `frame_length` samples (default 512, 23 ms at
//    22.05 kHz) whose starts are spread evenly over the signal,
//    start_k = round(k (L − N) / (F − 1)), k = 0..F−1 (L samples, N = frame
//    length, F frames; F = 1: the centred window). The hop therefore follows
//    the length: frames overlap in short utterances and leave gaps in long
//    ones (a 0.5 s utterance has hop ≈ 340 samples, a 1.2 s one ≈ 840). A signal
//    shorter than one frame is zero-padded at the end, and all F frames then
//    start at 0.
// 2. STFT: each frame times a periodic Hann window w[n] = ½ − ½ cos(2πn/N),
//    transformed with Eigen's FFT (unsupported/Eigen/FFT, the kissfft
//    back end; forward transform unscaled), magnitude |X_k| / Σ w for the
//    bins k = 0..N/2 (divided by the window sum, a full-scale sine at a bin
//    frequency has magnitude ½ in that bin).
// 3. bands: `bands` contiguous groups of bins between min_hz and max_hz
//    (clamped to the Nyquist frequency) with edges equally spaced on the mel
//    scale, mel(f) = 2595 log10(1 + f/700): edge_b = round(f_b N / rate),
//    forced strictly increasing so each band has at least one bin. Band b
//    holds the bins edge_b ≤ k < edge_{b+1}; its value is
//    log(floor + sqrt(Σ_k |X_k|²)) (the band's root energy; a sum, not a
//    mean, so a tone is loudest in the band holding its bin whatever the
//    bands' widths).
// 4. layout: feature[f · bands + b] (frame-major, the rows of a frames x bands
//    matrix one after another).
//
// utterance_features() applies two normalisations first, for speech:
// leading and trailing samples quieter than trim_threshold x the peak are cut
// (espeak-ng pads its output with silence), and the rest is scaled to a peak
// of 1 (so the voice's loudness does not matter). log_spectrogram() itself
// applies neither.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <numbers>
#include <string>
#include <string_view>
#include <unsupported/Eigen/FFT>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/wav.hpp"

namespace mmc::data {

/// Options of log_spectrogram() and utterance_features().
struct SpectrogramOptions {
  int bands = 32;           ///< frequency bands (mel-spaced groups of FFT bins)
  int frames = 32;          ///< time frames, spread evenly over the signal
  int frame_length = 512;   ///< samples per STFT window (any value >= 4; powers of 2 are fastest)
  double min_hz = 0.0;      ///< lower edge of the lowest band
  double max_hz = 8000.0;   ///< upper edge of the highest band (clamped to rate / 2)
  double floor = 1e-5;      ///< added before the log: log(floor + band magnitude)
  /// utterance_features() only: cut leading/trailing samples below this
  /// fraction of the peak |sample| (0 = keep everything).
  double trim_threshold = 0.02;
  /// utterance_features() only: scale the (trimmed) signal to a peak of 1.
  bool normalize_peak = true;

  /// Length of the feature vector, frames x bands.
  Index size() const noexcept { return static_cast<Index>(frames) * bands; }
};

namespace detail {

inline void check_spectrogram_options(std::string_view function, const SpectrogramOptions& o, double rate) {
  const auto bad = [&](std::string_view argument, const std::string& problem, std::string_view fix) {
    mmc::detail::throw_invalid(function, argument, problem, fix);
  };
  if (o.bands < 1 || o.bands > 4096) bad("options.bands", "is " + std::to_string(o.bands) + ", not in [1, 4096]", "use e.g. 32");
  if (o.frames < 1 || o.frames > 65536) bad("options.frames", "is " + std::to_string(o.frames) + ", not in [1, 65536]", "use e.g. 32");
  if (o.frame_length < 4 || o.frame_length > (1 << 20)) {
    bad("options.frame_length", "is " + std::to_string(o.frame_length) + ", not in [4, 1048576]", "use e.g. 512");
  }
  if (!(std::isfinite(rate) && rate > 0.0)) bad("sample_rate", "is " + std::to_string(rate) + ", not a positive number", "pass the rate in Hz, e.g. 22050");
  if (!(std::isfinite(o.min_hz) && std::isfinite(o.max_hz) && o.min_hz >= 0.0 && o.min_hz < std::min(o.max_hz, rate / 2))) {
    bad("options.min_hz", "and max_hz (" + std::to_string(o.min_hz) + ", " + std::to_string(o.max_hz) +
                              ") do not satisfy 0 <= min_hz < min(max_hz, sample_rate / 2 = " + std::to_string(rate / 2) + ")",
        "choose a frequency range inside the signal's bandwidth");
  }
  if (!(std::isfinite(o.floor) && o.floor > 0.0)) bad("options.floor", "is " + std::to_string(o.floor) + ", not a positive number", "use e.g. 1e-5");
  if (!(std::isfinite(o.trim_threshold) && o.trim_threshold >= 0.0 && o.trim_threshold < 1.0)) {
    bad("options.trim_threshold", "is " + std::to_string(o.trim_threshold) + ", not in [0, 1)", "use e.g. 0.02, or 0 to keep all samples");
  }
}

}  // namespace detail

/// The periodic Hann window of length n: w[i] = ½ − ½ cos(2πi/n).
inline Vector<double> hann_window(Index n) {
  Vector<double> w(n);
  for (Index i = 0; i < n; ++i) {
    w(i) = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
  }
  return w;
}

/// Start sample of each of `frames` windows of `frame_length` over `length`
/// samples (see step 1 at the top).
inline std::vector<Index> spectrogram_frame_starts(Index length, int frames, int frame_length) {
  std::vector<Index> starts(static_cast<std::size_t>(std::max(frames, 0)), 0);
  const Index span = length - frame_length;
  if (span <= 0) return starts;
  for (int k = 0; k < frames; ++k) {
    starts[static_cast<std::size_t>(k)] =
        frames == 1 ? span / 2
                    : static_cast<Index>(std::llround(static_cast<double>(k) * static_cast<double>(span) / (frames - 1)));
  }
  return starts;
}

/// Magnitudes |X_k| / Σ w, k = 0..N/2, of the Hann-windowed frames starting at
/// `starts` (samples past the end count as 0): one row per frame.
inline RowMatrix<double> stft_magnitudes(const Vector<float>& samples, int frame_length,
                                         const std::vector<Index>& starts) {
  if (frame_length < 4) {
    mmc::detail::throw_invalid("mmc::data::stft_magnitudes", "frame_length",
                               "is " + std::to_string(frame_length) + ", below 4", "use e.g. 512");
  }
  const Index n = frame_length, bins = n / 2 + 1;
  const Vector<double> window = hann_window(n);
  const double gain = window.sum();
  Eigen::FFT<double> fft;
  fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  std::vector<double> frame(static_cast<std::size_t>(n));
  std::vector<std::complex<double>> spectrum(static_cast<std::size_t>(bins));
  RowMatrix<double> out(static_cast<Index>(starts.size()), bins);
  for (std::size_t f = 0; f < starts.size(); ++f) {
    const Index start = starts[f];
    for (Index i = 0; i < n; ++i) {
      const Index at = start + i;
      const double v = at >= 0 && at < samples.size() ? static_cast<double>(samples(at)) : 0.0;
      frame[static_cast<std::size_t>(i)] = v * window(i);
    }
    fft.fwd(spectrum.data(), frame.data(), n);
    for (Index k = 0; k < bins; ++k) out(static_cast<Index>(f), k) = std::abs(spectrum[static_cast<std::size_t>(k)]) / gain;
  }
  return out;
}

/// The `bands` + 1 bin edges of the mel-spaced bands (see step 3 at the top):
/// band b holds the FFT bins edge[b] <= k < edge[b + 1].
inline std::vector<Index> spectrogram_band_edges(const SpectrogramOptions& options, double sample_rate) {
  constexpr std::string_view fn = "mmc::data::spectrogram_band_edges";
  detail::check_spectrogram_options(fn, options, sample_rate);
  const Index n = options.frame_length, bins = n / 2 + 1;
  const double hi_hz = std::min(options.max_hz, sample_rate / 2);
  const auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const auto hz = [](double m) { return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0); };
  const double lo = mel(options.min_hz), hi = mel(hi_hz);
  std::vector<Index> edges(static_cast<std::size_t>(options.bands) + 1);
  for (int b = 0; b <= options.bands; ++b) {
    const double f = b == 0 ? options.min_hz : b == options.bands ? hi_hz : hz(lo + (hi - lo) * b / options.bands);
    Index e = static_cast<Index>(std::llround(f * static_cast<double>(n) / sample_rate));
    if (b > 0) e = std::max(e, edges[static_cast<std::size_t>(b) - 1] + 1);
    edges[static_cast<std::size_t>(b)] = e;
  }
  if (edges.back() > bins) {
    mmc::detail::throw_invalid(fn, "options.bands",
                               "is " + std::to_string(options.bands) + ", more bands than the " +
                                   std::to_string(bins - edges.front()) + " FFT bins between min_hz and the top of the spectrum",
                               "use fewer bands, a longer frame_length or a wider frequency range");
  }
  return edges;
}

/// The log-magnitude spectrogram of `samples` at `sample_rate` Hz as a flat
/// vector of options.size() features (steps 1–4 at the top; no trimming or
/// normalisation). Throws mmc::invalid_argument for bad options or no samples.
inline Vector<double> log_spectrogram(const Vector<float>& samples, double sample_rate,
                                      const SpectrogramOptions& options = {}) {
  constexpr std::string_view fn = "mmc::data::log_spectrogram";
  if (samples.size() == 0) mmc::detail::throw_invalid(fn, "samples", "is empty", "pass at least one sample");
  if (!samples.allFinite()) mmc::detail::throw_invalid(fn, "samples", "contains NaN or Inf", "pass finite samples");
  const std::vector<Index> edges = spectrogram_band_edges(options, sample_rate);  // validates
  const RowMatrix<double> mag = stft_magnitudes(
      samples, options.frame_length, spectrogram_frame_starts(samples.size(), options.frames, options.frame_length));
  Vector<double> features(options.size());
  for (Index f = 0; f < mag.rows(); ++f) {
    for (int b = 0; b < options.bands; ++b) {
      const Index lo = edges[static_cast<std::size_t>(b)], hi = edges[static_cast<std::size_t>(b) + 1];
      const double energy = mag.row(f).segment(lo, hi - lo).squaredNorm();
      features(f * options.bands + b) = std::log(options.floor + std::sqrt(energy));
    }
  }
  return features;
}

/// [first, last) of the samples from the first to the last one whose |value|
/// reaches threshold x the peak |value|; the whole range when the threshold is
/// 0 or the signal is silent.
inline std::pair<Index, Index> trim_silence_range(const Vector<float>& samples, double threshold) {
  const Index n = samples.size();
  if (n == 0 || threshold <= 0.0) return {0, n};
  const double peak = static_cast<double>(samples.cwiseAbs().maxCoeff());
  if (peak == 0.0) return {0, n};
  const double level = threshold * peak;
  Index first = 0, last = n;
  while (first < n && std::abs(static_cast<double>(samples(first))) < level) ++first;
  while (last > first && std::abs(static_cast<double>(samples(last - 1))) < level) --last;
  return {first, last};
}

/// The AAV-MNIST audio features of one utterance: silence trimmed, peak
/// normalised (per the options), then log_spectrogram().
inline Vector<double> utterance_features(const WavAudio& audio, const SpectrogramOptions& options = {}) {
  constexpr std::string_view fn = "mmc::data::utterance_features";
  detail::check_spectrogram_options(fn, options, static_cast<double>(audio.sample_rate));
  if (audio.samples.size() == 0) mmc::detail::throw_invalid(fn, "audio", "has no samples", "pass a non-empty utterance");
  const auto [first, last] = trim_silence_range(audio.samples, options.trim_threshold);
  Vector<float> kept = audio.samples.segment(first, last - first);
  if (options.normalize_peak) {
    const float peak = kept.cwiseAbs().maxCoeff();
    if (peak > 0.0f) kept /= peak;
  }
  return log_spectrogram(kept, static_cast<double>(audio.sample_rate), options);
}

}  // namespace mmc::data
