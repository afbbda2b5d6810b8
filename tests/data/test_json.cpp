// JSON writer (mmc/data/json.hpp). Oracles: exact expected texts written by
// hand from RFC 8259; numbers must read back to the same bits (std::from_chars
// on random bit patterns); NaN/Inf must not produce invalid JSON.
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mmc/core/rng.hpp>
#include <mmc/data/json.hpp>
#include <string>
#include <vector>

namespace {

using mmc::data::Json;
using mmc::data::JsonDumpOptions;

std::string dump_string(std::string_view s) { return Json(s).dump(); }

TEST(Json, NumbersUseTheShortestRoundTripForm) {
  EXPECT_EQ(Json(0.1).dump(), "0.1");
  EXPECT_EQ(Json(1.0 / 3.0).dump(), "0.3333333333333333");
  EXPECT_EQ(Json(1.0).dump(), "1.0");  // stays a float for typed readers
  EXPECT_EQ(Json(-0.0).dump(), "-0.0");
  EXPECT_EQ(Json(1e300).dump(), "1e+300");
  EXPECT_EQ(Json(5e-324).dump(), "5e-324");
  EXPECT_EQ(Json(0.1f).dump(), "0.1");  // float-shortest: reads back as the same float
  EXPECT_EQ(Json(3.0f).dump(), "3.0");
  EXPECT_EQ(Json(std::numeric_limits<std::int64_t>::min()).dump(), "-9223372036854775808");
  EXPECT_EQ(Json(std::numeric_limits<std::uint64_t>::max()).dump(), "18446744073709551615");
  EXPECT_EQ(Json(42).dump(), "42");
  EXPECT_EQ(Json(true).dump(), "true");
  EXPECT_EQ(Json(nullptr).dump(), "null");
  EXPECT_EQ(Json().dump(), "null");
}

TEST(Json, EveryFiniteDoubleReadsBackBitExactly) {
  mmc::Rng rng(11);
  for (int i = 0; i < 20000; ++i) {
    const double v = std::bit_cast<double>(rng());
    if (!std::isfinite(v)) continue;
    const std::string text = Json(v).dump();
    double back = 0.0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
    ASSERT_TRUE(ec == std::errc() && ptr == text.data() + text.size()) << text;
    ASSERT_EQ(std::bit_cast<std::uint64_t>(back), std::bit_cast<std::uint64_t>(v)) << text;
  }
}

TEST(Json, NonFiniteNumbersThrowNamingThePathOrBecomeNull) {
  const Json doc = Json::object({{"metric", 0.5}, {"gamma", Json::array({0.1, std::nan("")})}});
  try {
    (void)doc.dump();
    ADD_FAILURE() << "expected mmc::invalid_argument";
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("mmc::data::Json::dump: argument 'value' holds NaN at \"gamma\"[1]"), std::string::npos)
        << message;
  }
  EXPECT_THROW((void)Json(-HUGE_VAL).dump(), mmc::invalid_argument);
  JsonDumpOptions options;
  options.non_finite_as_null = true;
  EXPECT_EQ(doc.dump(options), R"({"metric":0.5,"gamma":[0.1,null]})");
  EXPECT_EQ(Json(HUGE_VAL).dump(options), "null");
}

TEST(Json, StringsAreEscaped) {
  EXPECT_EQ(dump_string("plain"), "\"plain\"");
  EXPECT_EQ(dump_string("q\"b\\s/"), R"("q\"b\\s/")");
  EXPECT_EQ(dump_string("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(dump_string(std::string("\x01\x1f\x7f\0z", 5)), R"("\u0001\u001f\u007f\u0000z")");
  // Valid UTF-8 (2, 3 and 4 bytes) passes through unchanged.
  EXPECT_EQ(dump_string("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
  // Each byte of an invalid sequence becomes U+FFFD: stray continuation, bad
  // lead, truncated, overlong, surrogate, above U+10FFFF.
  EXPECT_EQ(dump_string("a\x80z"), R"("a\ufffdz")");
  EXPECT_EQ(dump_string("\xFF"), R"("\ufffd")");
  EXPECT_EQ(dump_string("\xE2\x82"), R"("\ufffd\ufffd")");
  EXPECT_EQ(dump_string("\xC0\xAF"), R"("\ufffd\ufffd")");
  EXPECT_EQ(dump_string("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");
  EXPECT_EQ(dump_string("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");
  // Keys are escaped the same way.
  EXPECT_EQ(Json::object({{"a\"b", 1}}).dump(), R"({"a\"b":1})");
}

TEST(Json, ObjectsKeepInsertionOrderAndSetReplaces) {
  Json doc = Json::object({{"estimator", "ksg1"}, {"value", 0.25}});
  doc.set("n", 1000).set("value", 0.5).set("seconds", 0.125);
  doc.set("gamma", Json::array_of(std::vector<double>{0.5, 1.0}));
  doc.set("bounds", Json::object()).set("empty", Json::array());
  EXPECT_EQ(doc.dump(),
            R"({"estimator":"ksg1","value":0.5,"n":1000,"seconds":0.125,"gamma":[0.5,1.0],"bounds":{},"empty":[]})");
  JsonDumpOptions pretty;
  pretty.indent = 2;
  EXPECT_EQ(Json::object({{"a", Json::array({1, Json::object({{"b", false}})})}, {"c", "x"}}).dump(pretty),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": false\n    }\n  ],\n  \"c\": \"x\"\n}");
  Json list = Json::array();
  list.push("s").push(2.5).push(Json());
  EXPECT_EQ(list.dump(), R"(["s",2.5,null])");
}

TEST(Json, MisuseThrows) {
  Json number(1.5);
  EXPECT_THROW(number.set("k", 1), mmc::invalid_argument);
  EXPECT_THROW(number.push(1), mmc::invalid_argument);
  Json object = Json::object();
  EXPECT_THROW(object.push(1), mmc::invalid_argument);
}

}  // namespace
