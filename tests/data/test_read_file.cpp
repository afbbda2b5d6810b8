// data/matrix_file.hpp's read_file: a regular file is read in one call into a
// buffer of its size; anything else (pipes, files whose size the system does
// not report, such as /proc's) chunk by chunk. Both must return the whole
// content, byte for byte, and a file that cannot be read is an io_error.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/data/matrix_file.hpp>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;

// Bytes of every value, NULs included.
std::string random_bytes(std::size_t size, std::uint64_t seed) {
  mmc::Rng rng(seed, 1);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(static_cast<unsigned char>(rng.uniform() * 256.0));
  return bytes;
}

class ReadFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mmc_read_file_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ReadFile, RegularFilesOfEverySizeComeBackWhole) {
  // Around the chunk size (64 KiB) of the unsized path, and larger.
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65535}, std::size_t{65536},
                                 std::size_t{65537}, (std::size_t{1} << 20) + 3}) {
    const std::string bytes = random_bytes(size, size + 1);
    const fs::path path = dir_ / ("file_" + std::to_string(size));
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    const std::string got = mmc::data::detail::read_file(path, "test");
    ASSERT_EQ(got.size(), size);
    EXPECT_TRUE(got == bytes) << size;
  }
}

TEST_F(ReadFile, APipeIsReadToItsEnd) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string bytes = random_bytes(200000, 7);  // several chunks and pipe buffers
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary).write(bytes.data(), 200000); });
  const std::string got = mmc::data::detail::read_file(fifo, "test");
  writer.join();
  EXPECT_EQ(got.size(), bytes.size());
  EXPECT_TRUE(got == bytes);
}

TEST_F(ReadFile, AFileWhoseSizeIsNotReportedIsReadToItsEnd) {
  // /proc files report size 0 but have content.
  if (!fs::exists("/proc/self/status")) GTEST_SKIP() << "no /proc";
  const std::string got = mmc::data::detail::read_file("/proc/self/status", "test");
  EXPECT_EQ(got.rfind("Name:", 0), 0u) << got.substr(0, 40);
  EXPECT_NE(got.find("\nPid:"), std::string::npos);
}

TEST_F(ReadFile, WhatCannotBeReadIsAnIoError) {
  EXPECT_THROW(mmc::data::detail::read_file(dir_ / "missing.npy", "test"), mmc::io_error);
  EXPECT_THROW(mmc::data::detail::read_file(dir_, "test"), mmc::io_error);  // a directory
}

TEST_F(ReadFile, ANpyFileReadsTheSameThroughAPipe) {
  mmc::RowMatrix<double> m(1000, 3);
  mmc::Rng rng(3, 3);
  for (mmc::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal();
  const fs::path path = dir_ / "m.npy";
  mmc::data::write_npy(path, m);
  const mmc::RowMatrix<double> from_file = mmc::data::read_npy(path);
  const fs::path fifo = dir_ / "m_pipe.npy";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string bytes = mmc::data::detail::read_file(path, "test");
  std::thread writer([&] {
    std::ofstream(fifo, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
  const mmc::RowMatrix<double> from_pipe = mmc::data::read_npy(fifo);
  writer.join();
  EXPECT_TRUE(from_file.cwiseEqual(m).all());
  EXPECT_TRUE(from_pipe.cwiseEqual(m).all());
}

}  // namespace
