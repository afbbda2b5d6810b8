// libFuzzer target for the WAV reader (mmc/data/wav.hpp) and the spectrogram
// of what it reads (mmc/data/spectrogram.hpp); docs/design.md §6, §3.5.
//
// mmc::invalid_argument is the normal answer to a malformed file; anything
// else (a crash, an out-of-bounds read or a huge allocation caught by ASan,
// UB, another exception) is a bug. A file that parses must give samples in
// [-1, 1] and a valid rate, never more samples than its bytes allow; its
// spectrogram must be finite; and mono audio must survive a round trip through
// a minimal PCM16 writer with the same bits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mmc/data/spectrogram.hpp>
#include <mmc/data/wav.hpp>
#include <span>
#include <string>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_wav: property violated: %s\n", what);
    std::abort();
  }
}

void put(std::string& out, std::uint32_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) out.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

/// 16-bit mono PCM WAV of samples that are all multiples of 1/32768.
std::string mono_wav(const mmc::data::WavAudio& a) {
  const auto data = static_cast<std::uint32_t>(2 * a.samples.size());
  std::string out = "RIFF";
  put(out, 36 + data, 4);
  out += "WAVEfmt ";
  put(out, 16, 4);
  put(out, 1, 2);
  put(out, 1, 2);
  put(out, static_cast<std::uint32_t>(a.sample_rate), 4);
  put(out, static_cast<std::uint32_t>(a.sample_rate) * 2, 4);
  put(out, 2, 2);
  put(out, 16, 2);
  out += "data";
  put(out, data, 4);
  for (mmc::Index i = 0; i < a.samples.size(); ++i) {
    put(out, static_cast<std::uint16_t>(static_cast<std::int16_t>(a.samples(i) * 32768.0f)), 2);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const char> bytes(reinterpret_cast<const char*>(data), size);
  mmc::data::WavAudio audio;
  try {
    audio = mmc::data::parse_wav(bytes, "fuzz");
  } catch (const mmc::invalid_argument&) {
    return 0;
  }
  check(audio.samples.size() > 0, "a parsed file has samples");
  check(static_cast<std::size_t>(audio.samples.size()) * 2 * static_cast<std::size_t>(audio.channels) <= size,
        "no more samples than the bytes hold");
  check(audio.channels == 1 || audio.channels == 2, "mono or stereo");
  check(audio.sample_rate >= 1 && audio.sample_rate <= 1000000, "sample rate in [1, 1000000]");
  check(audio.samples.minCoeff() >= -1.0f && audio.samples.maxCoeff() < 1.0f, "samples in [-1, 1)");

  mmc::data::SpectrogramOptions options;  // small, so that every rate >= 1 Hz is valid
  options.frames = 4;
  options.bands = 4;
  options.frame_length = 64;
  const auto features = mmc::data::utterance_features(audio, options);
  check(features.size() == 16 && features.allFinite(), "the spectrogram is finite");

  if (audio.channels == 1) {
    const auto back = mmc::data::parse_wav(mono_wav(audio), "round trip");
    check(back.sample_rate == audio.sample_rate && back.samples == audio.samples,
          "mono audio -> PCM16 writer -> parse_wav round trip is exact");
  }
  return 0;
}
