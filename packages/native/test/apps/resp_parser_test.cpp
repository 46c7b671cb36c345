// The RESP2 request parser: whole, split and hostile input, with the exact error for each mistake.
#include "apps/kv/resp_parser.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "apps/kv_test_support.hpp"

using namespace sluice;
using namespace sluice::apps::kv;
using sluice::testing::bytes;

namespace {

struct Parsed {
  ParsedRequest request;
  std::vector<std::string> args;
};

Parsed parse(std::string_view input, std::size_t max_args = 16, std::size_t max_request = 64 * 1024) {
  std::vector<Bytes> slots(max_args);
  Parsed parsed;
  parsed.request = parse_request(bytes(input), slots, {.max_request = max_request});
  for (std::size_t i = 0; i < parsed.request.argc; ++i) {
    parsed.args.emplace_back(reinterpret_cast<const char*>(slots[i].data()), slots[i].size());
  }
  return parsed;
}

TEST(RespParser, MultibulkRequest) {
  const std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\n";
  const Parsed parsed = parse(input);
  ASSERT_EQ(parsed.request.status, ParseStatus::complete);
  EXPECT_EQ(parsed.request.length, input.size());
  EXPECT_EQ(parsed.args, (std::vector<std::string>{"SET", "k", "v\r\nxy"}));  // binary-safe
}

TEST(RespParser, EveryPrefixIsIncompleteAndTheWholeIsComplete) {
  const std::string input = "*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n";
  for (std::size_t cut = 0; cut < input.size(); ++cut) {
    EXPECT_EQ(parse(input.substr(0, cut)).request.status, ParseStatus::incomplete) << "cut at " << cut;
  }
  EXPECT_EQ(parse(input).request.status, ParseStatus::complete);
}

TEST(RespParser, StopsAtTheEndOfTheFirstOfPipelinedRequests) {
  const std::string one = "*1\r\n$4\r\nPING\r\n";
  const Parsed parsed = parse(one + one + "PING\r\n");
  ASSERT_EQ(parsed.request.status, ParseStatus::complete);
  EXPECT_EQ(parsed.request.length, one.size());
}

TEST(RespParser, EmptyArraysAreConsumedAsNothing) {
  for (std::string input : {"*0\r\n", "*-1\r\n"}) {
    const Parsed parsed = parse(input);
    EXPECT_EQ(parsed.request.status, ParseStatus::complete);
    EXPECT_EQ(parsed.request.argc, 0u);
    EXPECT_EQ(parsed.request.length, input.size());
  }
}

TEST(RespParser, InlineCommands) {
  Parsed parsed = parse("SET  key \"a value\"\r\nGET key\r\n");
  ASSERT_EQ(parsed.request.status, ParseStatus::complete);
  EXPECT_EQ(parsed.args, (std::vector<std::string>{"SET", "key", "a value"}));
  EXPECT_EQ(parsed.request.length, 20u);
  parsed = parse("PING\n");  // a bare LF ends a line too (nc, telnet)
  EXPECT_EQ(parsed.args, (std::vector<std::string>{"PING"}));
  parsed = parse("   \r\n");
  EXPECT_EQ(parsed.request.status, ParseStatus::complete);
  EXPECT_EQ(parsed.request.argc, 0u);
  EXPECT_EQ(parse("PIN").request.status, ParseStatus::incomplete);
}

void expect_error(std::string_view input, std::string_view error, std::size_t max_args = 16,
                  std::size_t max_request = 64 * 1024) {
  const Parsed parsed = parse(input, max_args, max_request);
  EXPECT_EQ(parsed.request.status, ParseStatus::error) << input;
  EXPECT_EQ(parsed.request.error, error) << input;
}

TEST(RespParser, FramingErrorsSayWhatIsWrong) {
  expect_error("*x\r\n", "ERR Protocol error: invalid multibulk length");
  expect_error("*2\n", "ERR Protocol error: invalid multibulk length");
  expect_error("*99999999999999999999\r\n", "ERR Protocol error: invalid multibulk length");
  expect_error("*3\r\n", "ERR Protocol error: too many arguments in one request", 2);
  expect_error("*1\r\n+PING\r\n", "ERR Protocol error: expected '$' before each argument");
  expect_error("*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length");
  expect_error("*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length");
  expect_error("*1\r\n$4\r\nPINGxx", "ERR Protocol error: expected CRLF after a bulk string");
  expect_error("*1\r\n$4\r\nPINGx", "ERR Protocol error: expected CRLF after a bulk string");
  expect_error("*1\r\n$100000\r\n", "ERR Protocol error: request larger than the server accepts");
  expect_error("*100000\r\n", "ERR Protocol error: request larger than the server accepts", 200000);
  expect_error("SET \"unclosed\r\n", "ERR Protocol error: unbalanced quotes in request");
  expect_error("SET \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request");
  expect_error("SET \"a\\nb\"\r\n", "ERR Protocol error: escapes in quoted inline arguments are not supported");
  expect_error(std::string(100, 'A'), "ERR Protocol error: too big inline request", 16, 100);
}

TEST(RespParser, HostileBytesNeverReadPastTheInput) {
  // A deterministic sweep of short byte strings built from RESP's own punctuation and digits.
  constexpr std::array alphabet{'*', '$', '\r', '\n', '1', '2', '-', 'a', '"', ' '};
  std::string input;
  for (int seed = 0; seed < 200000; ++seed) {
    input.clear();
    for (int v = seed; v > 0; v /= static_cast<int>(alphabet.size())) input.push_back(alphabet[v % alphabet.size()]);
    const Parsed parsed = parse(input, 4, 64);
    if (parsed.request.status == ParseStatus::complete) {
      ASSERT_LE(parsed.request.length, input.size());
      ASSERT_LE(parsed.request.argc, 4u);
    }
  }
}

}  // namespace
