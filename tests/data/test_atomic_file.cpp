// Atomic file writing (mmc/data/atomic_file.hpp) and the file writers built on
// it (mmc/data/matrix_file.hpp). Oracles: the bytes on disk after each
// operation, the absence of temporary files, and real OS failures: writes past
// RLIMIT_FSIZE (EFBIG, the "full disk" that even root cannot bypass), /dev/full
// (ENOSPC), a folder that is a regular file (ENOTDIR), a directory target (EISDIR).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mmc/data/atomic_file.hpp>
#include <mmc/io.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>
#define MMC_TEST_POSIX 1
#else
#define MMC_TEST_POSIX 0
#endif

#include "io_test_helpers.hpp"

namespace {

namespace fs = std::filesystem;
using mmc::Index;
using mmc::RowMatrix;
using mmc::data::AtomicFile;

/// A fresh empty folder per test.
class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("mmc_atomic_") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  fs::path path(const std::string& name) const { return dir_ / name; }

  /// Names of the entries of the folder, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// The what() of the mmc::io_error that f throws ("" and a failure if none).
template <class F>
std::string io_error_message(F&& f) {
  try {
    f();
  } catch (const mmc::io_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected mmc::io_error, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected mmc::io_error";
  return {};
}

#if MMC_TEST_POSIX
/// While alive, the process cannot write files beyond `bytes` (EFBIG instead
/// of SIGXFSZ): a write failure that root cannot bypass, like a full disk.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = nullptr;
};
#endif

TEST_F(AtomicFileTest, WritesNewFilesAndReplacesOldOnesLeavingNoTemporaryFiles) {
  mmc::data::write_file_atomically(path("a.txt"), "first");
  EXPECT_EQ(read_bytes(path("a.txt")), "first");
  mmc::data::write_file_atomically(path("a.txt"), "second, longer");
  EXPECT_EQ(read_bytes(path("a.txt")), "second, longer");
  mmc::data::write_file_atomically(path("a.txt"), [](std::ostream& out) { out << "from a stream " << 42; });
  EXPECT_EQ(read_bytes(path("a.txt")), "from a stream 42");
  mmc::data::write_file_atomically(path("empty.txt"), "");
  EXPECT_EQ(read_bytes(path("empty.txt")), "");
  EXPECT_EQ(entries(), (std::vector<std::string>{"a.txt", "empty.txt"}));
}

TEST_F(AtomicFileTest, NothingAppearsBeforeCommitAndDestructionDiscards) {
  write_bytes(path("keep.txt"), "old");
  {
    AtomicFile file(path("keep.txt"));
    file.write("new");
    EXPECT_EQ(file.temporary_path().parent_path(), dir_);
    EXPECT_TRUE(fs::exists(file.temporary_path()));
    file.close();  // complete, still under the temporary name
    EXPECT_EQ(read_bytes(file.temporary_path()), "new");
    EXPECT_EQ(read_bytes(path("keep.txt")), "old");
  }  // destroyed uncommitted
  EXPECT_EQ(read_bytes(path("keep.txt")), "old");
  EXPECT_EQ(entries(), (std::vector<std::string>{"keep.txt"}));
  {
    AtomicFile file(path("never.txt"));
    file.stream() << "partial";
    file.discard();
    EXPECT_THROW(file.write("more"), mmc::invalid_argument);
    EXPECT_THROW(file.commit(), mmc::invalid_argument);
  }
  EXPECT_EQ(entries(), (std::vector<std::string>{"keep.txt"}));
}

TEST_F(AtomicFileTest, SeveralFilesCompleteFirstThenAllPutInPlace) {
  // The two-phase use of mmc generate: AtomicFile is movable, so a vector holds a data set.
  std::vector<AtomicFile> files;
  for (const char* name : {"x.csv", "y.csv", "truth.json"}) {
    files.emplace_back(path(name), "test");
    files.back().write(name);
    files.back().close();
  }
  EXPECT_EQ(entries().size(), 3u);  // only the temporary files so far
  for (const auto& name : entries()) EXPECT_NE(name.find(".mmc-tmp-"), std::string::npos) << name;
  for (auto& file : files) file.commit();
  EXPECT_EQ(entries(), (std::vector<std::string>{"truth.json", "x.csv", "y.csv"}));
  EXPECT_EQ(read_bytes(path("y.csv")), "y.csv");
  files.front().commit();  // committing twice is harmless
  EXPECT_THROW(files.front().write("late"), mmc::invalid_argument);
}

TEST_F(AtomicFileTest, AnExceptionInTheWriterLeavesTheOldFile) {
  write_bytes(path("data.csv"), "old");
  EXPECT_THROW(mmc::data::write_file_atomically(path("data.csv"),
                                                [](std::ostream& out) {
                                                  out << "half of the new content";
                                                  throw std::runtime_error("generator failed");
                                                }),
               std::runtime_error);
  EXPECT_EQ(read_bytes(path("data.csv")), "old");
  EXPECT_EQ(entries(), (std::vector<std::string>{"data.csv"}));
  // A matrix the .npy writer cannot represent fails mid-file: same guarantee.
  mmc::Labels labels(2);
  labels << 1, 2;
  mmc::data::write_npy(path("data.npy"), labels);
  const std::string before = read_bytes(path("data.npy"));
  RowMatrix<double> bad(1000, 2);
  bad.setConstant(0.5);  // not an integer: NpyType::i8 rejects it at row 0
  EXPECT_THROW(mmc::data::write_npy(path("data.npy"), bad, mmc::data::NpyType::i8), mmc::invalid_argument);
  EXPECT_EQ(read_bytes(path("data.npy")), before);
  EXPECT_EQ(entries(), (std::vector<std::string>{"data.csv", "data.npy"}));
}

TEST_F(AtomicFileTest, AFailedStreamIsAnIoErrorAndTheOldFileStays) {
  // A stream that fails (as when the device reports an error) is never reported as written.
  write_bytes(path("out.txt"), "old");
  const std::string message = io_error_message([&] {
    mmc::data::write_file_atomically(
        path("out.txt"), [](std::ostream& out) { out.setstate(std::ios::badbit); }, "mmc::test::writer");
  });
  EXPECT_NE(message.find("mmc::test::writer: argument 'path' (\"" + path("out.txt").string() + "\"): cannot write it"),
            std::string::npos)
      << message;
  EXPECT_EQ(read_bytes(path("out.txt")), "old");
  EXPECT_EQ(entries(), (std::vector<std::string>{"out.txt"}));
}

TEST_F(AtomicFileTest, OsErrorsNameThePathAndTheReason) {
  // The folder is a regular file.
  write_bytes(path("file"), "x");
  std::string message = io_error_message([&] { mmc::data::write_file_atomically(path("file") / "a.csv", "1\n"); });
  EXPECT_NE(message.find((path("file") / "a.csv").string()), std::string::npos) << message;
  EXPECT_NE(message.find("Not a directory"), std::string::npos) << message;
  // The folder does not exist.
  message = io_error_message([&] { mmc::data::write_csv(path("missing") / "a.csv", RowMatrix<double>::Zero(1, 1)); });
  EXPECT_NE(message.find("mmc::data::write_csv: argument 'path'"), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  // The target is a folder: refused before anything is written.
  fs::create_directories(path("folder.npy"));
  message = io_error_message([&] { mmc::data::write_matrix(path("folder.npy"), RowMatrix<double>::Zero(1, 1)); });
  EXPECT_NE(message.find("Is a directory"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_directory(path("folder.npy")));
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(entries(), (std::vector<std::string>{"file", "folder.npy"}));
}

#if MMC_TEST_POSIX
TEST_F(AtomicFileTest, AFullDiskIsReportedAndTheOldFileStays) {
  const RowMatrix<double> small = RowMatrix<double>::Constant(2, 2, 1.5);
  mmc::data::write_matrix(path("x.npy"), small);
  mmc::data::write_matrix(path("x.csv"), small);
  const std::string npy_before = read_bytes(path("x.npy")), csv_before = read_bytes(path("x.csv"));
  const RowMatrix<double> large = RowMatrix<double>::Constant(5000, 10, 0.25);  // 400 kB
  std::string npy_message, csv_message;
  {
    FileSizeLimit limit(64 * 1024);
    npy_message = io_error_message([&] { mmc::data::write_matrix(path("x.npy"), large); });
    csv_message = io_error_message([&] { mmc::data::write_matrix(path("x.csv"), large); });
  }
  EXPECT_NE(npy_message.find("mmc::data::write_npy: argument 'path' (\"" + path("x.npy").string() +
                             "\"): cannot write it: File too large"),
            std::string::npos)
      << npy_message;
  EXPECT_NE(csv_message.find("mmc::data::write_csv"), std::string::npos) << csv_message;
  EXPECT_NE(csv_message.find("File too large"), std::string::npos) << csv_message;
  EXPECT_EQ(read_bytes(path("x.npy")), npy_before);
  EXPECT_EQ(read_bytes(path("x.csv")), csv_before);
  EXPECT_EQ(entries(), (std::vector<std::string>{"x.csv", "x.npy"}));
  // And the same writes succeed once there is room.
  mmc::data::write_matrix(path("x.npy"), large);
  mmc::test::expect_bitwise_equal(mmc::data::read_matrix(path("x.npy")), large);
}

TEST_F(AtomicFileTest, DevicesAreWrittenInPlaceWithTheSameChecks) {
  // /dev/full accepts the open and fails every write with ENOSPC; it must stay a
  // device (never be replaced by a renamed regular file, even when run as root).
  if (!fs::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string message = io_error_message([] { mmc::data::write_file_atomically("/dev/full", "data\n"); });
  EXPECT_NE(message.find("(\"/dev/full\"): cannot write it: No space left on device"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
  // /dev/null takes everything, and stays /dev/null.
  if (fs::is_character_file("/dev/null")) {
    mmc::data::write_file_atomically("/dev/null", "data\n");
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
  }
}

TEST_F(AtomicFileTest, KeepsPermissionsAndWritesThroughSymbolicLinks) {
  write_bytes(path("data.csv"), "old");
  fs::permissions(path("data.csv"), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read,
                  fs::perm_options::replace);
  mmc::data::write_file_atomically(path("data.csv"), "new");
  EXPECT_EQ(read_bytes(path("data.csv")), "new");
  EXPECT_EQ(fs::status(path("data.csv")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  fs::create_symlink("data.csv", path("link.csv"));
  mmc::data::write_file_atomically(path("link.csv"), "through the link");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(path("link.csv"))));
  EXPECT_EQ(read_bytes(path("data.csv")), "through the link");
  EXPECT_EQ(entries(), (std::vector<std::string>{"data.csv", "link.csv"}));
}
#endif

}  // namespace
