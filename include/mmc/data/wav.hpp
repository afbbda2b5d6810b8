// mmc/data/wav.hpp — RIFF/WAVE files of 16-bit PCM audio -> samples in [-1, 1],
// the audio modality of the AAV-MNIST task (docs/design.md §3.5; docs/aav-mnist.md).
//
// Accepted: a "RIFF" chunk of form "WAVE" holding exactly one "fmt " chunk with
// format tag 1 (integer PCM), 1 or 2 channels, 16 bits per sample, a sample
// rate in [1, 1000000] Hz and consistent block align / byte rate, followed
// (not necessarily directly) by exactly one "data" chunk whose size is a
// positive multiple of the block align. Other chunks (LIST, fact, cue , ...)
// are skipped, with the RIFF pad byte after odd-sized chunks. Every size is
// checked against the bytes actually present before anything is read or
// allocated; bytes after the RIFF chunk are an error, as in npy.hpp.
//
// Rejected with mmc::invalid_argument naming the source, the byte offset and
// the fix: not RIFF/WAVE (RIFX, RF64, ...), format tags other than 1
// (WAVE_FORMAT_EXTENSIBLE, IEEE float, A-law, ...), other bit depths, more
// than 2 channels, truncated chunks, a data size that is not a whole number of
// sample frames, a missing or repeated fmt/data chunk.
//
// Samples are returned as floats v / 32768 (so in [-1, 1), exactly
// representable). Stereo is mixed down to mono by averaging the two channels,
// (l + r) / 65536, also exact in float.
//
// Pure functions on in-memory bytes (parse_wav) so that the libFuzzer target
// exercises exactly what files go through; read_wav reads a file.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/json.hpp"
#include "mmc/data/matrix_file.hpp"

namespace mmc::data {

/// Mono audio read from a WAV file.
struct WavAudio {
  /// One value per sample frame, in [-1, 1) (stereo: the mean of both channels).
  Vector<float> samples;
  /// Sample frames per second, as stored in the file.
  int sample_rate = 0;
  /// Channels in the file (1 or 2) before the mix-down.
  int channels = 0;
};

namespace detail {

struct WavSource {
  std::string_view function;
  std::string_view argument;
  std::string_view name;
};

inline constexpr std::string_view kWavFix =
    "pass a 16-bit PCM WAV file (mono or stereo), e.g. as written by espeak-ng -w or "
    "sox in.wav -b 16 -e signed-integer out.wav";

[[noreturn]] inline void throw_wav(const WavSource& source, std::uint64_t offset,
                                   const std::string& problem, std::string_view fix = kWavFix) {
  mmc::detail::throw_invalid(source.function, source.argument,
                             "(" + quote_for_message(source.name, 200) + "): byte offset " +
                                 std::to_string(offset) + ": " + problem,
                             fix);
}

inline std::uint32_t wav_u32(std::span<const char> bytes, std::size_t at) noexcept {
  std::uint32_t v = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + k])) << (8 * k);
  }
  return v;
}

inline std::uint16_t wav_u16(std::span<const char> bytes, std::size_t at) noexcept {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[at]) |
                                    (static_cast<unsigned char>(bytes[at + 1]) << 8));
}

inline std::string wav_chunk_id(std::span<const char> bytes, std::size_t at) {
  return quote_for_message(std::string_view(bytes.data() + at, 4));
}

inline WavAudio parse_wav_impl(std::span<const char> bytes, const WavSource& source) {
  const std::uint64_t size = bytes.size();
  if (size < 12) {
    throw_wav(source, size, "file is " + std::to_string(size) + " bytes long, too short for a RIFF/WAVE header (12 bytes)");
  }
  const std::string_view magic(bytes.data(), 4);
  if (magic != "RIFF") {
    throw_wav(source, 0,
              "file does not start with \"RIFF\" (found " + wav_chunk_id(bytes, 0) + ")" +
                  (magic == "RIFX" ? ": big-endian RIFX is not supported"
                   : magic == "RF64" ? ": RF64 (files over 4 GiB) is not supported"
                                     : ""));
  }
  if (std::string_view(bytes.data() + 8, 4) != "WAVE") {
    throw_wav(source, 8, "RIFF form type is " + wav_chunk_id(bytes, 8) + ", not \"WAVE\"");
  }
  const std::uint64_t riff_size = wav_u32(bytes, 4);
  if (riff_size < 4) throw_wav(source, 4, "RIFF chunk size " + std::to_string(riff_size) + " is smaller than its form type");
  const std::uint64_t end = 8 + riff_size;
  if (end > size) {
    throw_wav(source, size,
              "file is truncated: the RIFF chunk size says " + std::to_string(riff_size) + " bytes from offset 8 (" +
                  std::to_string(end) + " in all) but the file has " + std::to_string(size),
              "write the file again completely (a file still being written, or streamed to a pipe, "
              "has no valid sizes)");
  }
  if (end < size) {
    throw_wav(source, end, std::to_string(size - end) + " unexpected bytes follow the RIFF chunk",
              "pass a single WAV file (not several files joined together)");
  }

  bool have_fmt = false, have_data = false;
  int channels = 0, rate = 0;
  std::uint64_t data_at = 0, data_size = 0;
  std::uint64_t pos = 12;
  while (pos < end) {
    if (end - pos < 8) throw_wav(source, pos, "file ends inside a chunk header (" + std::to_string(end - pos) + " bytes left, 8 needed)");
    const std::string_view id(bytes.data() + pos, 4);
    const std::uint64_t chunk_size = wav_u32(bytes, static_cast<std::size_t>(pos + 4));
    const std::uint64_t body = pos + 8;
    if (chunk_size > end - body) {
      throw_wav(source, pos,
                "chunk " + wav_chunk_id(bytes, static_cast<std::size_t>(pos)) + " is truncated: its size field says " +
                    std::to_string(chunk_size) + " bytes but only " + std::to_string(end - body) +
                    " remain in the RIFF chunk",
                "write the file again completely");
    }
    if (id == "fmt ") {
      if (have_fmt) throw_wav(source, pos, "file has a second \"fmt \" chunk");
      if (chunk_size < 16) {
        throw_wav(source, pos, "\"fmt \" chunk is " + std::to_string(chunk_size) + " bytes, shorter than the 16 of PCM");
      }
      const auto at = static_cast<std::size_t>(body);
      const std::uint16_t tag = wav_u16(bytes, at), nch = wav_u16(bytes, at + 2);
      const std::uint32_t sample_rate = wav_u32(bytes, at + 4), byte_rate = wav_u32(bytes, at + 8);
      const std::uint16_t block_align = wav_u16(bytes, at + 12), bits = wav_u16(bytes, at + 14);
      if (tag != 1) {
        throw_wav(source, body,
                  "format tag is " + std::to_string(tag) +
                      (tag == 0xFFFE ? " (WAVE_FORMAT_EXTENSIBLE)"
                       : tag == 3    ? " (IEEE float)"
                       : tag == 6    ? " (A-law)"
                       : tag == 7    ? " (mu-law)"
                                     : "") +
                      "; only 1 (integer PCM) is supported");
      }
      if (bits != 16) throw_wav(source, body + 14, std::to_string(bits) + " bits per sample; only 16 are supported");
      if (nch != 1 && nch != 2) {
        throw_wav(source, body + 2, std::to_string(nch) + " channels; only mono (1) and stereo (2) are supported");
      }
      if (sample_rate < 1 || sample_rate > 1000000) {
        throw_wav(source, body + 4, "sample rate " + std::to_string(sample_rate) + " Hz is outside [1, 1000000]");
      }
      if (block_align != 2u * nch) {
        throw_wav(source, body + 12,
                  "block align is " + std::to_string(block_align) + " but " + std::to_string(nch) +
                      " channels of 16 bits need " + std::to_string(2 * nch));
      }
      if (byte_rate != static_cast<std::uint64_t>(sample_rate) * block_align) {
        throw_wav(source, body + 8,
                  "byte rate is " + std::to_string(byte_rate) + " but sample rate x block align is " +
                      std::to_string(static_cast<std::uint64_t>(sample_rate) * block_align));
      }
      have_fmt = true;
      channels = nch;
      rate = static_cast<int>(sample_rate);
    } else if (id == "data") {
      if (have_data) throw_wav(source, pos, "file has a second \"data\" chunk");
      if (!have_fmt) throw_wav(source, pos, "the \"data\" chunk comes before any \"fmt \" chunk");
      const auto frame = static_cast<std::uint64_t>(2 * channels);
      if (chunk_size == 0) throw_wav(source, pos, "\"data\" chunk is empty (no samples)", "pass a WAV file with at least one sample");
      if (chunk_size % frame != 0) {
        throw_wav(source, pos,
                  "\"data\" chunk size " + std::to_string(chunk_size) + " is not a whole number of " +
                      std::to_string(frame) + "-byte sample frames");
      }
      have_data = true;
      data_at = body;
      data_size = chunk_size;
    }
    // Chunks are padded to an even size (RIFF); the pad byte may be missing
    // only at the very end of the file.
    pos = body + chunk_size;
    if ((chunk_size & 1u) != 0 && pos < end) ++pos;
  }
  if (!have_fmt) throw_wav(source, size, "file has no \"fmt \" chunk");
  if (!have_data) throw_wav(source, size, "file has no \"data\" chunk");

  WavAudio audio;
  audio.sample_rate = rate;
  audio.channels = channels;
  const auto frames = static_cast<Index>(data_size / static_cast<std::uint64_t>(2 * channels));
  audio.samples.resize(frames);
  const auto sample = [&](std::uint64_t at) {
    return static_cast<std::int16_t>(wav_u16(bytes, static_cast<std::size_t>(at)));
  };
  for (Index i = 0; i < frames; ++i) {
    const std::uint64_t at = data_at + static_cast<std::uint64_t>(i) * static_cast<std::uint64_t>(2 * channels);
    if (channels == 1) {
      audio.samples(i) = static_cast<float>(sample(at)) / 32768.0f;
    } else {
      audio.samples(i) = static_cast<float>(static_cast<int>(sample(at)) + sample(at + 2)) / 65536.0f;
    }
  }
  return audio;
}

}  // namespace detail

/// Parses WAV bytes (a std::string, std::string_view or std::span<const char>);
/// `name` identifies them in error messages.
inline WavAudio parse_wav(std::span<const char> bytes, std::string_view name = "<buffer>") {
  return detail::parse_wav_impl(bytes, {"mmc::data::parse_wav", "bytes", name});
}

/// Reads a WAV file: mmc::io_error if it cannot be read, mmc::invalid_argument
/// (with the byte offset) if it is not 16-bit PCM mono/stereo WAV.
inline WavAudio read_wav(const std::filesystem::path& path) {
  const std::string name = path.string();
  return detail::parse_wav_impl(detail::read_file(path, "mmc::data::read_wav"),
                                {"mmc::data::read_wav", "path", name});
}

}  // namespace mmc::data
