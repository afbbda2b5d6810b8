// Regression tests for the reader inputs of tests/fuzz/regressions/ (see the
// README there: inputs that crashed a reader, and hand-made hostile files). A file named csv-* goes
// through every CSV entry point, npy-* through every .npy entry point; each
// must be rejected with mmc::invalid_argument (never a crash, never another
// exception) whatever the options.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mmc/io.hpp>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kRegressions = fs::path(MMC_TEST_SOURCE_DIR) / "fuzz" / "regressions";

std::vector<fs::path> regression_files(const std::string& prefix) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kRegressions)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(IoRegressions, CsvInputsAreRejectedCleanly) {
  const auto files = regression_files("csv-");
  ASSERT_FALSE(files.empty()) << "no csv-* inputs in " << kRegressions;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const std::string text = read_bytes(path);
    using mmc::data::CsvHeader;
    for (const CsvHeader header : {CsvHeader::automatic, CsvHeader::yes, CsvHeader::no}) {
      for (const bool allow : {false, true}) {
        EXPECT_THROW((void)mmc::data::parse_csv_table(text, {header, allow}), mmc::invalid_argument);
        EXPECT_THROW((void)mmc::data::parse_csv_labels(text, {header, allow}), mmc::invalid_argument);
      }
    }
    EXPECT_THROW((void)mmc::data::read_csv(path), mmc::invalid_argument);
  }
}

TEST(IoRegressions, NpyInputsAreRejectedCleanly) {
  const auto files = regression_files("npy-");
  ASSERT_FALSE(files.empty()) << "no npy-* inputs in " << kRegressions;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const std::string bytes = read_bytes(path);
    for (const bool allow : {false, true}) {
      EXPECT_THROW((void)mmc::data::parse_npy(bytes, {allow}), mmc::invalid_argument);
    }
    EXPECT_THROW((void)mmc::data::parse_npy_labels(bytes), mmc::invalid_argument);
    EXPECT_THROW((void)mmc::data::read_npy(path), mmc::invalid_argument);
  }
}

}  // namespace
