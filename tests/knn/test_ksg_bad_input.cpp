// Bad input to KlEntropy, KlMutualInformation, Ksg and KsgConditional
// (docs/design.md §2): every case throws mmc::invalid_argument whose message names
// the function, the offending argument and, where it applies, the position.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <mmc/core/errors.hpp>
#include <mmc/knn/kl_entropy.hpp>
#include <mmc/knn/ksg.hpp>
#include <mmc/knn/ksg_conditional.hpp>

#include "ksg_test_util.hpp"

namespace {

using namespace ksg_test;
using mmc::knn::KlEntropyOptions;
using mmc::knn::KsgOptions;

// Runs `call`, expects mmc::invalid_argument with every fragment in its message.
void expect_invalid(const std::function<void()>& call, const std::vector<std::string>& fragments) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one mentioning " << fragments.front();
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    for (const auto& f : fragments) EXPECT_NE(message.find(f), std::string::npos) << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// The four entry points with the same (k, jitter, standardize) options, on x
// and, where they take them, y = the second and z = the third input.
struct Inputs {
  Matrix x, y, z;
};
void run_all(const Inputs& in, const KsgOptions& o, const std::vector<std::string>& fragments) {
  const auto with = [&](const char* function) {
    auto f = fragments;
    f.emplace_back(function);
    return f;
  };
  const KlEntropyOptions kl{o, mmc::Norm::max};  // the shared kNN options of o
  expect_invalid([&] { mmc::knn::KlEntropy(kl).estimate(in.x); }, with("mmc::knn::KlEntropy::estimate"));
  expect_invalid([&] { mmc::knn::KlMutualInformation(kl).estimate(in.x, in.y); },
                 with("mmc::knn::KlMutualInformation::estimate"));
  expect_invalid([&] { mmc::knn::Ksg(o).estimate(in.x, in.y); }, with("mmc::knn::Ksg::estimate"));
  expect_invalid([&] { mmc::knn::KsgConditional(o).estimate(in.x, in.y, in.z); },
                 with("mmc::knn::KsgConditional::estimate"));
}

Inputs good(Index n = 40) {
  return {make_data(n, 2, Kind::continuous, 1), make_data(n, 1, Kind::continuous, 2),
          make_data(n, 3, Kind::continuous, 3)};
}

TEST(KsgBadInput, GoodInputIsAccepted) {  // the baseline the other cases perturb
  const Inputs in = good();
  EXPECT_NO_THROW(mmc::knn::KlEntropy().estimate(in.x));
  EXPECT_NO_THROW(mmc::knn::KlMutualInformation().estimate(in.x, in.y));
  EXPECT_NO_THROW(mmc::knn::Ksg().estimate(in.x, in.y));
  EXPECT_NO_THROW(mmc::knn::KsgConditional().estimate(in.x, in.y, in.z));
}

TEST(KsgBadInput, EmptyInput) {
  Inputs in = good();
  in.x.resize(0, 2);
  run_all(in, {}, {"argument 'x'", "empty"});
  in = good();
  in.x.resize(40, 0);  // rows but no columns
  run_all(in, {}, {"argument 'x'", "empty"});
}

TEST(KsgBadInput, NanNamesRowAndColumn) {
  Inputs in = good();
  in.x(17, 1) = std::numeric_limits<double>::quiet_NaN();
  run_all(in, {}, {"argument 'x'", "NaN", "row 17, column 1"});
}

TEST(KsgBadInput, InfNamesRowAndColumn) {
  Inputs in = good();
  in.x(3, 0) = -std::numeric_limits<double>::infinity();
  run_all(in, {}, {"argument 'x'", "Inf", "row 3, column 0"});
  in = good();
  in.z(5, 2) = std::numeric_limits<double>::infinity();
  expect_invalid([&] { mmc::knn::KsgConditional().estimate(in.x, in.y, in.z); },
                 {"argument 'z'", "row 5, column 2"});
}

TEST(KsgBadInput, RowCountMismatch) {
  Inputs in = good();
  in.y = make_data(39, 1, Kind::continuous, 2);
  expect_invalid([&] { mmc::knn::Ksg().estimate(in.x, in.y); }, {"argument 'y'", "39 rows", "40"});
  expect_invalid([&] { mmc::knn::KlMutualInformation().estimate(in.x, in.y); }, {"argument 'y'"});
  expect_invalid([&] { mmc::knn::KsgConditional().estimate(in.x, in.y, in.z); }, {"argument 'y'"});
  in = good();
  in.z = make_data(41, 3, Kind::continuous, 3);
  expect_invalid([&] { mmc::knn::KsgConditional().estimate(in.x, in.y, in.z); },
                 {"argument 'z'", "41 rows"});
}

TEST(KsgBadInput, KBelowOne) {
  KsgOptions o;
  for (Index k : {0, -2}) {
    o.k = k;
    run_all(good(), o, {"argument 'k'", "at least 1"});
  }
}

TEST(KsgBadInput, KNotBelowSampleCount) {
  KsgOptions o;
  for (Index k : {40, 41}) {
    o.k = k;
    run_all(good(), o, {"argument 'k'", "only 40 samples"});
  }
}

TEST(KsgBadInput, InvalidAlgorithm) {
  const Inputs in = good();
  for (int algorithm : {0, 3, -1}) {
    KsgOptions o;
    o.algorithm = algorithm;
    expect_invalid([&] { mmc::knn::Ksg(o).estimate(in.x, in.y); }, {"argument 'algorithm'", "1 or 2"});
    expect_invalid([&] { mmc::knn::KsgConditional(o).estimate(in.x, in.y, in.z); },
                   {"argument 'algorithm'"});
  }
}

TEST(KsgBadInput, NegativeOrNonFiniteJitter) {
  KsgOptions o;
  for (double jitter : {-1e-10, std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity()}) {
    o.jitter = jitter;
    run_all(good(), o, {"argument 'jitter'"});
  }
}

TEST(KsgBadInput, ConstantColumnWithStandardize) {
  Inputs in = good();
  in.x.col(1).setConstant(2.5);
  KsgOptions o;
  o.standardize = true;
  run_all(in, o, {"argument 'x'", "constant column 1"});
}

TEST(KsgBadInput, DuplicatesInKlEntropy) {
  Inputs in = good();
  for (Index r : {7, 9, 30}) in.x.row(r) = in.x.row(2);  // row 2 has k = 3 copies
  expect_invalid([&] { mmc::knn::KlEntropy().estimate(in.x); },
                 {"argument 'x'", "duplicated rows", "rows 2, 7, 9, 30", "jitter"});
  expect_invalid([&] { mmc::knn::KlMutualInformation().estimate(in.x, in.y); },
                 {"argument 'x'", "duplicated rows", "jitter"});
}

}  // namespace
