// main() of the merged test programs (tests/merge_tests.py, tests/meson.build):
// one program holds the unit tests of a whole folder, and Meson registers each
// test file as its own test, which runs
//     <program> --mmc_source=test_ksg.cpp [GoogleTest flags]
// so that `meson test test_ksg` runs the tests of test_ksg.cpp and nothing else.
// The selection uses where each test is defined (TestInfo::file()), so it needs
// no list of suite names and follows the files as they change. Without
// --mmc_source the program runs every test it holds, like any GoogleTest program.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

bool defined_in(const testing::TestInfo& test, std::string_view source) {
  const std::string_view file = test.file();
  return file.size() > source.size() && file.ends_with(source) &&
         file[file.size() - source.size() - 1] == '/';
}

}  // namespace

int main(int argc, char** argv) {
  // A filter given by flag or environment, even "*", is a second selection.
  bool filter_given = std::getenv("GTEST_FILTER") != nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    filter_given = filter_given || arg.starts_with("--gtest_filter") || arg.starts_with("-gtest_filter") ||
                   arg.starts_with("/gtest_filter");
  }
  testing::InitGoogleTest(&argc, argv);  // removes the flags GoogleTest knows
  std::string source;
  for (int i = 1; i < argc; ++i) {
    constexpr std::string_view flag = "--mmc_source=";
    if (std::strncmp(argv[i], flag.data(), flag.size()) == 0 && argv[i][flag.size()] != '\0') {
      source = argv[i] + flag.size();
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s' (expected --mmc_source=FILE.cpp or GoogleTest flags)\n",
                   argv[0], argv[i]);
      return 2;
    }
  }
  if (!source.empty()) {
    if (filter_given) {
      std::fprintf(stderr, "%s: --mmc_source and --gtest_filter cannot be combined; "
                   "pass the full test names to --gtest_filter instead\n", argv[0]);
      return 2;
    }
    // A filter that names every test of the file: "Suite.Name:Suite.Other:...".
    std::string filter;
    const testing::UnitTest& unit = *testing::UnitTest::GetInstance();
    for (int s = 0; s < unit.total_test_suite_count(); ++s) {
      const testing::TestSuite& suite = *unit.GetTestSuite(s);
      for (int t = 0; t < suite.total_test_count(); ++t) {
        const testing::TestInfo& test = *suite.GetTestInfo(t);
        if (defined_in(test, source)) {
          filter += (filter.empty() ? "" : ":") + std::string(test.test_suite_name()) + "." + test.name();
        }
      }
    }
    if (filter.empty()) {
      std::fprintf(stderr, "%s: no test of this program is defined in '%s'\n", argv[0], source.c_str());
      return 2;
    }
    GTEST_FLAG_SET(filter, filter);
  }
  return RUN_ALL_TESTS();
}
