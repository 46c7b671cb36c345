// The kv protocol as a connection sees it: pipelined requests, requests split at every byte,
// replies that must wait for room, framing errors that close, and no allocation in steady state.
#include <gtest/gtest.h>

#include <string>

#include "apps/kv_test_support.hpp"
#include "support/allocation_counter.hpp"

using namespace sluice;
using namespace sluice::apps::kv;
using sluice::testing::bytes;
using sluice::testing::KvConnection;
using sluice::testing::resp;

namespace {

constexpr SipKey kKey{3, 4};
constexpr StoreLimits kLimits{.max_keys = 1024, .max_memory = 1 << 20};

TEST(KvProtocol, PipelinedRequestsAreAnsweredInOrder) {
  Engine engine(kLimits, kKey);
  KvConnection connection(engine);
  const std::string batch = resp({"SET", "a", "1"}) + resp({"INCR", "a"}) + "GET a\r\n" + resp({"MGET", "a", "b"}) +
                            resp({"PING"});
  EXPECT_EQ(connection.feed(batch), "+OK\r\n:2\r\n$1\r\n2\r\n*2\r\n$1\r\n2\r\n$-1\r\n+PONG\r\n");
  EXPECT_TRUE(connection.pending().empty());
  EXPECT_EQ(engine.counters().commands, 5u);
}

TEST(KvProtocol, RequestsSplitAtEveryByteGiveTheSameReplies) {
  const std::string batch = resp({"SET", "key", "value"}) + resp({"GET", "key"}) + "ECHO hi\r\n" + resp({"DEL", "key"});
  const std::string expected = "+OK\r\n$5\r\nvalue\r\n$2\r\nhi\r\n:1\r\n";
  for (std::size_t cut = 1; cut < batch.size(); ++cut) {
    Engine engine(kLimits, kKey);
    KvConnection connection(engine);
    std::string replies = connection.feed(batch.substr(0, cut));
    replies += connection.feed(batch.substr(cut));
    EXPECT_EQ(replies, expected) << "cut at " << cut;
  }
  // And one byte at a time.
  Engine engine(kLimits, kKey);
  KvConnection connection(engine);
  std::string replies;
  for (char c : batch) replies += connection.feed(std::string(1, c));
  EXPECT_EQ(replies, expected);
}

TEST(KvProtocol, ARepliesWaitsForRoomAndNothingRunsTwice) {
  Engine engine(kLimits, kKey);
  apps::kv::KvProtocol protocol(engine, {});
  std::vector<std::uint8_t> out(1024);
  const std::string value(600, 'v');
  const std::string input = resp({"SET", "k", value}) + resp({"INCR", "n"}) + resp({"GET", "k"}) + resp({"INCR", "n"});
  // 300 bytes of room: SET and INCR run, GET's 607-byte reply does not fit, so it waits.
  apps::Exchange first = protocol.handle({}, bytes(input), std::span(out).first(300), out.size());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out.data()), first.written), "+OK\r\n:1\r\n");
  EXPECT_EQ(first.next, apps::Wait::output);
  // With room the rest runs: INCR only once more.
  apps::Exchange second = protocol.handle({}, bytes(input).subspan(first.consumed), out, out.size());
  EXPECT_EQ(second.next, apps::Wait::input);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out.data()), second.written), "$600\r\n" + value + "\r\n:2\r\n");
  EXPECT_EQ(first.consumed + second.consumed, input.size());
}

TEST(KvProtocol, AReplyLargerThanEverPossibleIsAnErrorNotAWait) {
  Engine engine(kLimits, kKey);
  KvConnection connection(engine, 512);  // the most this connection can ever offer
  connection.feed(resp({"SET", "k", std::string(2000, 'x')}));
  EXPECT_EQ(connection.feed(resp({"GET", "k"}) + resp({"PING"})),
            "-ERR the reply would exceed the largest reply this server sends (64 KiB or the TCP send buffer)\r\n"
            "+PONG\r\n");
}

TEST(KvProtocol, FramingErrorsAreAnsweredThenTheConnectionCloses) {
  Engine engine(kLimits, kKey);
  KvConnection connection(engine);
  EXPECT_EQ(connection.feed(resp({"PING"}) + "*1\r\n$x\r\n" + resp({"PING"})),
            "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_EQ(connection.last_wait(), apps::Wait::close);
  EXPECT_EQ(connection.protocol().protocol_errors(), 1u);
}

TEST(KvProtocol, HostileInputNeverCrashesAndAlwaysEndsInAReplyOrAWait) {
  // Deterministic pseudo-random bytes with RESP punctuation mixed in, fed in random pieces.
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::string punctuation = "*$\r\n:+-0123456789 \"";
  for (int round = 0; round < 300; ++round) {
    Engine engine(StoreLimits{.max_keys = 16, .max_memory = 1 << 16}, kKey);
    KvConnection connection(engine, 4096);
    std::string input;
    const std::size_t length = next() % 400;
    for (std::size_t i = 0; i < length; ++i) {
      input.push_back(next() % 3 == 0 ? static_cast<char>(next()) : punctuation[next() % punctuation.size()]);
    }
    std::size_t pos = 0;
    while (pos < input.size() && connection.last_wait() != apps::Wait::close) {
      const std::size_t piece = 1 + next() % 40;
      connection.feed(input.substr(pos, piece));
      pos += piece;
    }
    EXPECT_LE(connection.pending().size(), input.size());
  }
}

TEST(KvProtocol, SteadyStateDoesNotAllocate) {
  Engine engine(kLimits, kKey);
  apps::kv::KvProtocol protocol(engine, {});
  std::vector<std::uint8_t> out(64 * 1024);
  const std::string batch = resp({"SET", "key:1", "xxx"}) + resp({"GET", "key:1"}) + resp({"INCR", "counter"}) +
                            resp({"MSET", "a", "1", "b", "2"}) + resp({"MGET", "a", "b"}) + resp({"PING"}) +
                            resp({"DEL", "a"}) + resp({"EXPIRE", "b", "10"}) + resp({"TTL", "b"}) +
                            resp({"UNKNOWN"}) + resp({"INFO"});
  protocol.handle({}, bytes(batch), out, out.size());  // warm up
  sluice::test::AllocationCounter::start();
  for (int i = 0; i < 100; ++i) {
    const apps::Exchange exchange = protocol.handle({}, bytes(batch), out, out.size());
    ASSERT_EQ(exchange.consumed, batch.size());
  }
  EXPECT_EQ(sluice::test::AllocationCounter::stop(), 0u);
}

}  // namespace
