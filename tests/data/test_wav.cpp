// WAV reader (mmc/data/wav.hpp). Oracles: hand-built files whose samples are
// known exactly (v / 32768; stereo mixed to (l + r) / 65536), an espeak-ng
// fixture, and malformed files whose every error must name the problem and
// its byte offset (docs/design.md §3.5; docs/aav-mnist.md).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mmc/data/wav.hpp>
#include <string>
#include <vector>

#include "io_test_helpers.hpp"

namespace {

using mmc::data::parse_wav;
using mmc::data::WavAudio;

void put16(std::string& out, unsigned v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put32(std::string& out, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

/// The fields of a "fmt " chunk, consistent by default.
struct Fmt {
  unsigned tag = 1, channels = 1, bits = 16;
  std::uint32_t rate = 22050;
  int block_align = -1, byte_rate = -1;  // -1: computed
  std::uint32_t size = 16;
};

std::string fmt_chunk(const Fmt& f) {
  std::string c = "fmt ";
  put32(c, f.size);
  put16(c, f.tag);
  put16(c, f.channels);
  put32(c, f.rate);
  const unsigned align = f.block_align >= 0 ? static_cast<unsigned>(f.block_align) : f.channels * f.bits / 8;
  put32(c, f.byte_rate >= 0 ? static_cast<std::uint32_t>(f.byte_rate) : f.rate * align);
  put16(c, align);
  put16(c, f.bits);
  c.append(f.size > 16 ? f.size - 16 : 0, '\0');
  return c;
}

std::string chunk(const std::string& id, const std::string& body, bool pad = true) {
  std::string c = id;
  put32(c, static_cast<std::uint32_t>(body.size()));
  c += body;
  if (pad && body.size() % 2 == 1) c.push_back('\0');
  return c;
}

std::string data_chunk(const std::vector<std::int16_t>& samples) {
  std::string body;
  for (const auto s : samples) put16(body, static_cast<std::uint16_t>(s));
  return chunk("data", body);
}

/// "RIFF" <size> "WAVE" + chunks.
std::string riff(const std::string& chunks) {
  std::string out = "RIFF";
  put32(out, static_cast<std::uint32_t>(4 + chunks.size()));
  return out + "WAVE" + chunks;
}

std::string error_of(const std::string& bytes) {
  return mmc::test::invalid_argument_message([&] { (void)parse_wav(bytes, "a.wav"); });
}

void expect_error(const std::string& bytes, const std::string& offset, const std::string& phrase) {
  const std::string message = error_of(bytes);
  EXPECT_NE(message.find("mmc::data::parse_wav"), std::string::npos) << message;
  EXPECT_NE(message.find("\"a.wav\""), std::string::npos) << message;
  EXPECT_NE(message.find("byte offset " + offset + ":"), std::string::npos) << message;
  EXPECT_NE(message.find(phrase), std::string::npos) << message;
}

TEST(Wav, MonoSamplesAreValueOver32768) {
  const std::vector<std::int16_t> s = {0, 1, -1, 32767, -32768, 12345, -20000};
  const WavAudio a = parse_wav(riff(fmt_chunk({}) + data_chunk(s)));
  EXPECT_EQ(a.sample_rate, 22050);
  EXPECT_EQ(a.channels, 1);
  ASSERT_EQ(a.samples.size(), 7);
  for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(a.samples(static_cast<mmc::Index>(i)), s[i] / 32768.0f);
  EXPECT_EQ(a.samples.maxCoeff(), 32767.0f / 32768.0f);
  EXPECT_EQ(a.samples.minCoeff(), -1.0f);
}

TEST(Wav, StereoIsTheMeanOfBothChannels) {
  Fmt f;
  f.channels = 2;
  f.rate = 44100;
  // Frames (l, r): (100, 300), (-32768, -32768), (32767, -32768), (1, 0).
  const WavAudio a = parse_wav(riff(fmt_chunk(f) + data_chunk({100, 300, -32768, -32768, 32767, -32768, 1, 0})));
  EXPECT_EQ(a.sample_rate, 44100);
  EXPECT_EQ(a.channels, 2);
  ASSERT_EQ(a.samples.size(), 4);
  EXPECT_EQ(a.samples(0), 200.0f / 32768.0f);
  EXPECT_EQ(a.samples(1), -1.0f);
  EXPECT_EQ(a.samples(2), -1.0f / 65536.0f);
  EXPECT_EQ(a.samples(3), 1.0f / 65536.0f);  // exact: no rounding to 0
}

TEST(Wav, SkipsUnknownChunksWithTheirPadByte) {
  // LIST (odd size 5: a pad byte follows), fact after fmt, a longer fmt (18
  // bytes, cbSize = 0), and an odd-sized chunk at the very end without pad.
  Fmt f;
  f.size = 18;
  const std::string bytes = riff(chunk("LIST", "INFOx") + fmt_chunk(f) + chunk("fact", std::string("\x02\0\0\0", 4)) +
                                 data_chunk({7, -7}) + chunk("junk", "abc", false));
  const WavAudio a = parse_wav(bytes);
  ASSERT_EQ(a.samples.size(), 2);
  EXPECT_EQ(a.samples(0), 7.0f / 32768.0f);
  EXPECT_EQ(a.samples(1), -7.0f / 32768.0f);
}

TEST(Wav, RejectsWhatIsNotRiffWave) {
  expect_error("RIFF", "4", "too short");
  expect_error(std::string("RIFX") + riff(fmt_chunk({}) + data_chunk({1})).substr(4), "0", "big-endian RIFX");
  expect_error("\x89PNG\r\n\x1a\nxxxxxxxx", "0", "does not start with \"RIFF\"");
  std::string avi = riff(fmt_chunk({}) + data_chunk({1}));
  avi.replace(8, 4, "AVI ");
  expect_error(avi, "8", "not \"WAVE\"");
}

TEST(Wav, RejectsFormatsOtherThanPcm16MonoOrStereo) {
  Fmt f;
  f.tag = 3;
  f.bits = 32;
  expect_error(riff(fmt_chunk(f) + data_chunk({1, 2})), "20", "format tag is 3 (IEEE float)");
  f = {};
  f.tag = 0xFFFE;
  f.size = 40;
  expect_error(riff(fmt_chunk(f) + data_chunk({1})), "20", "WAVE_FORMAT_EXTENSIBLE");
  for (const unsigned bits : {8u, 24u, 32u}) {
    f = {};
    f.bits = bits;
    expect_error(riff(fmt_chunk(f) + data_chunk({1, 2, 3, 4, 5, 6})), "34",
                 std::to_string(bits) + " bits per sample; only 16");
  }
  f = {};
  f.channels = 3;
  expect_error(riff(fmt_chunk(f) + data_chunk({1, 2, 3})), "22", "3 channels");
  f = {};
  f.channels = 0;
  expect_error(riff(fmt_chunk(f) + data_chunk({1})), "22", "0 channels");
  f = {};
  f.rate = 0;
  expect_error(riff(fmt_chunk(f) + data_chunk({1})), "24", "sample rate 0 Hz");
  f = {};
  f.rate = 4000000;
  expect_error(riff(fmt_chunk(f) + data_chunk({1})), "24", "sample rate 4000000 Hz");
  f = {};
  f.block_align = 4;
  expect_error(riff(fmt_chunk(f) + data_chunk({1, 2})), "32", "block align is 4");
  f = {};
  f.byte_rate = 1234;
  expect_error(riff(fmt_chunk(f) + data_chunk({1})), "28", "byte rate is 1234");
  std::string short_fmt = "fmt ";
  put32(short_fmt, 14);
  short_fmt.append(14, '\0');
  expect_error(riff(short_fmt + data_chunk({1})), "12", "shorter than the 16 of PCM");
}

TEST(Wav, RejectsTruncatedAndInconsistentSizes) {
  const std::string good = riff(fmt_chunk({}) + data_chunk({1, 2, 3, 4}));
  // The file cut short: the RIFF size now points past the end.
  expect_error(good.substr(0, good.size() - 3), std::to_string(good.size() - 3), "file is truncated");
  // A RIFF size of 0xFFFFFFFF (streamed output): absurd.
  std::string absurd = good;
  absurd.replace(4, 4, "\xFF\xFF\xFF\xFF");
  expect_error(absurd, std::to_string(good.size()), "file is truncated");
  // A data chunk claiming more bytes than the RIFF chunk holds.
  std::string long_data = good;
  long_data.replace(40, 4, std::string("\x10\0\0\0", 4));
  expect_error(long_data, "36", "chunk \"data\" is truncated");
  std::string huge_data = good;
  huge_data.replace(40, 4, "\xF0\xFF\xFF\xFF");
  expect_error(huge_data, "36", "chunk \"data\" is truncated");
  // Bytes after the RIFF chunk.
  expect_error(good + "xx", std::to_string(good.size()), "2 unexpected bytes follow the RIFF chunk");
  // Half a sample frame: odd data size, and a stereo file with 3 samples.
  std::string odd = riff(fmt_chunk({}) + chunk("data", std::string("\x01\x00\x02", 3)));
  expect_error(odd, "36", "\"data\" chunk size 3 is not a whole number of 2-byte sample frames");
  Fmt stereo;
  stereo.channels = 2;
  expect_error(riff(fmt_chunk(stereo) + data_chunk({1, 2, 3})), "36", "size 6 is not a whole number of 4-byte");
  // A chunk header cut in two.
  expect_error(riff(fmt_chunk({}) + data_chunk({1}) + "LIS"), "46", "ends inside a chunk header");
  // RIFF size smaller than "WAVE".
  std::string tiny = good;
  tiny.replace(4, 4, std::string("\x02\0\0\0", 4));
  expect_error(tiny, "4", "smaller than its form type");
}

TEST(Wav, RejectsMissingRepeatedAndMisorderedChunks) {
  expect_error(riff(fmt_chunk({}) + chunk("LIST", "ab")), "46", "no \"data\" chunk");
  expect_error(riff(chunk("LIST", "ab")), "22", "no \"fmt \" chunk");
  expect_error(riff(data_chunk({1}) + fmt_chunk({})), "12", "comes before any \"fmt \" chunk");
  expect_error(riff(fmt_chunk({}) + fmt_chunk({}) + data_chunk({1})), "36", "second \"fmt \" chunk");
  expect_error(riff(fmt_chunk({}) + data_chunk({1}) + data_chunk({2})), "46", "second \"data\" chunk");
  expect_error(riff(fmt_chunk({}) + data_chunk({1}) + fmt_chunk({})), "46", "second \"fmt \" chunk");
  expect_error(riff(fmt_chunk({}) + chunk("data", "")), "36", "empty (no samples)");
}

TEST(Wav, ReadsFilesAndReportsUnreadableOnes) {
  const auto path = std::filesystem::temp_directory_path() / "mmc_test_wav_read.wav";
  {
    std::ofstream out(path, std::ios::binary);
    out << riff(fmt_chunk({}) + data_chunk({16384, -16384}));
  }
  const WavAudio a = mmc::data::read_wav(path);
  ASSERT_EQ(a.samples.size(), 2);
  EXPECT_EQ(a.samples(0), 0.5f);
  EXPECT_EQ(a.samples(1), -0.5f);
  {
    std::ofstream out(path, std::ios::binary);
    out << "RIFF";
  }
  const std::string message = mmc::test::invalid_argument_message([&] { (void)mmc::data::read_wav(path); });
  EXPECT_NE(message.find("mmc::data::read_wav: argument 'path'"), std::string::npos) << message;
  EXPECT_NE(message.find(path.filename().string()), std::string::npos) << message;
  std::filesystem::remove(path);
  try {
    (void)mmc::data::read_wav(path);
    ADD_FAILURE() << "expected mmc::io_error";
  } catch (const mmc::io_error& e) {
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

TEST(Wav, ReadsAnEspeakNgFixture) {
  const WavAudio a = mmc::data::read_wav(MMC_TEST_SOURCE_DIR "/data/fixtures/aav/audio/7/en-us+m3_s175_p65.wav");
  EXPECT_EQ(a.sample_rate, 22050);
  EXPECT_EQ(a.channels, 1);
  EXPECT_EQ(a.samples.size(), (32706 - 44) / 2);  // file size minus the 44-byte header
  EXPECT_GT(a.samples.cwiseAbs().maxCoeff(), 0.05f);  // speech, not silence
  EXPECT_EQ(a.samples(0), 0.0f);                      // espeak-ng starts with silence
}

}  // namespace
