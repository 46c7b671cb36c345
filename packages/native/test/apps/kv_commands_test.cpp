// Every kv command through the protocol, replies compared byte for byte with what Redis sends.
#include <gtest/gtest.h>

#include "apps/kv_test_support.hpp"
#include "util/error.hpp"

using namespace sluice;
using namespace sluice::apps::kv;
using sluice::testing::KvConnection;
using sluice::testing::resp;

namespace {

constexpr SipKey kKey{1, 2};

class KvCommands : public ::testing::Test {
 protected:
  std::string run(std::initializer_list<std::string_view> args, Instant now = {}) {
    return connection_.feed(resp(args), now);
  }

  Engine engine_{StoreLimits{.max_keys = 64, .max_memory = 1 << 20}, kKey};
  KvConnection connection_{engine_};
};

TEST_F(KvCommands, Ping) {
  EXPECT_EQ(run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(run({"ping", "hello"}), "$5\r\nhello\r\n");
  EXPECT_EQ(run({"PING", "a", "b"}), "-ERR wrong number of arguments for 'ping' command\r\n");
}

TEST_F(KvCommands, Echo) {
  EXPECT_EQ(run({"ECHO", ""}), "$0\r\n\r\n");
  EXPECT_EQ(run({"echo", "x y"}), "$3\r\nx y\r\n");
  EXPECT_EQ(run({"ECHO"}), "-ERR wrong number of arguments for 'echo' command\r\n");
}

TEST_F(KvCommands, SetAndGet) {
  EXPECT_EQ(run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(run({"SET", "k", "v1"}), "+OK\r\n");
  EXPECT_EQ(run({"GET", "k"}), "$2\r\nv1\r\n");
  EXPECT_EQ(run({"SET", "k", std::string(300, 'x')}), "+OK\r\n");  // grows into a larger chunk
  EXPECT_EQ(run({"GET", "k"}), "$300\r\n" + std::string(300, 'x') + "\r\n");
  EXPECT_EQ(run({"SET", "k", ""}), "+OK\r\n");
  EXPECT_EQ(run({"GET", "k"}), "$0\r\n\r\n");
  EXPECT_EQ(run({"SET", "k"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(engine_.counters().hits, 3u);
  EXPECT_EQ(engine_.counters().misses, 1u);
}

TEST_F(KvCommands, SetNxXx) {
  EXPECT_EQ(run({"SET", "k", "1", "XX"}), "$-1\r\n");
  EXPECT_EQ(run({"SET", "k", "1", "nx"}), "+OK\r\n");
  EXPECT_EQ(run({"SET", "k", "2", "NX"}), "$-1\r\n");
  EXPECT_EQ(run({"SET", "k", "3", "XX"}), "+OK\r\n");
  EXPECT_EQ(run({"GET", "k"}), "$1\r\n3\r\n");
  EXPECT_EQ(run({"SET", "k", "4", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "k", "4", "FOO"}), "-ERR syntax error\r\n");
}

TEST_F(KvCommands, SetExPxAndExpiryByThePassedInTime) {
  const Instant t0 = Instant::from_millis(1000);
  EXPECT_EQ(run({"SET", "k", "v", "EX", "10"}, t0), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "k"}, t0), ":10\r\n");
  EXPECT_EQ(run({"PTTL", "k"}, t0 + Duration::millis(2500)), ":7500\r\n");
  EXPECT_EQ(run({"GET", "k"}, t0 + Duration::millis(9999)), "$1\r\nv\r\n");
  EXPECT_EQ(run({"GET", "k"}, t0 + Duration::seconds(10)), "$-1\r\n");
  EXPECT_EQ(run({"TTL", "k"}, t0 + Duration::seconds(10)), ":-2\r\n");
  EXPECT_EQ(run({"SET", "p", "v", "PX", "1500"}, t0), "+OK\r\n");
  EXPECT_EQ(run({"EXISTS", "p"}, t0 + Duration::millis(1499)), ":1\r\n");
  EXPECT_EQ(run({"EXISTS", "p"}, t0 + Duration::millis(1500)), ":0\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "0"}, t0), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "-5"}, t0), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "ten"}, t0), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX"}, t0), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "5", "PX", "5"}, t0), "-ERR syntax error\r\n");
  // A plain SET clears the time to live; KEEPTTL keeps it.
  EXPECT_EQ(run({"SET", "k", "v", "EX", "5"}, t0), "+OK\r\n");
  EXPECT_EQ(run({"SET", "k", "w", "KEEPTTL"}, t0), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "k"}, t0), ":5\r\n");
  EXPECT_EQ(run({"SET", "k", "w"}, t0), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "k"}, t0), ":-1\r\n");
}

TEST_F(KvCommands, ExpireAndTtl) {
  const Instant t0 = Instant::from_millis(5000);
  EXPECT_EQ(run({"EXPIRE", "k", "5"}, t0), ":0\r\n");
  EXPECT_EQ(run({"TTL", "k"}, t0), ":-2\r\n");
  run({"SET", "k", "v"}, t0);
  EXPECT_EQ(run({"TTL", "k"}, t0), ":-1\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "5"}, t0), ":1\r\n");
  EXPECT_EQ(run({"TTL", "k"}, t0 + Duration::millis(1400)), ":4\r\n");  // rounded like Redis
  EXPECT_EQ(run({"PEXPIRE", "k", "100"}, t0), ":1\r\n");
  EXPECT_EQ(run({"GET", "k"}, t0 + Duration::millis(100)), "$-1\r\n");
  run({"SET", "k", "v"}, t0);
  EXPECT_EQ(run({"EXPIRE", "k", "0"}, t0), ":1\r\n");  // a time not in the future deletes
  EXPECT_EQ(run({"EXISTS", "k"}, t0), ":0\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "x"}, t0), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"TTL"}, t0), "-ERR wrong number of arguments for 'ttl' command\r\n");
}

TEST_F(KvCommands, ExpiredKeysAreReclaimedWithoutBeingRead) {
  const Instant t0 = Instant::from_millis(1);
  for (int i = 0; i < 20; ++i) run({"SET", "k" + std::to_string(i), "v", "PX", "10"}, t0);
  run({"SET", "stays", "v"}, t0);
  EXPECT_EQ(engine_.store().size(), 21u);
  for (int i = 0; i < 10; ++i) engine_.expire_some(t0 + Duration::millis(10));
  EXPECT_EQ(engine_.store().size(), 1u);
  EXPECT_EQ(engine_.store().expired(), 20u);
  EXPECT_EQ(run({"GET", "stays"}, t0), "$1\r\nv\r\n");
}

TEST_F(KvCommands, DelAndExists) {
  run({"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(run({"EXISTS", "a", "b", "c", "a"}), ":3\r\n");  // repeated keys count again, as in Redis
  EXPECT_EQ(run({"DEL", "a", "c"}), ":1\r\n");
  EXPECT_EQ(run({"EXISTS", "a"}), ":0\r\n");
  EXPECT_EQ(run({"DEL"}), "-ERR wrong number of arguments for 'del' command\r\n");
}

TEST_F(KvCommands, IncrDecr) {
  EXPECT_EQ(run({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(run({"INCR", "n"}), ":2\r\n");
  EXPECT_EQ(run({"DECR", "n"}), ":1\r\n");
  EXPECT_EQ(run({"DECR", "m"}), ":-1\r\n");
  EXPECT_EQ(run({"INCRBY", "n", "41"}), ":42\r\n");
  EXPECT_EQ(run({"DECRBY", "n", "50"}), ":-8\r\n");
  EXPECT_EQ(run({"GET", "n"}), "$2\r\n-8\r\n");
  run({"SET", "s", "abc"});
  EXPECT_EQ(run({"INCR", "s"}), "-ERR value is not an integer or out of range\r\n");
  run({"SET", "s", "007"});
  EXPECT_EQ(run({"INCR", "s"}), "-ERR value is not an integer or out of range\r\n");
  run({"SET", "s", "9223372036854775807"});
  EXPECT_EQ(run({"INCR", "s"}), "-ERR increment or decrement would overflow\r\n");
  run({"SET", "s", "-9223372036854775808"});
  EXPECT_EQ(run({"DECR", "s"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(run({"INCRBY", "n", "x"}), "-ERR value is not an integer or out of range\r\n");
  // INCR keeps a time to live.
  EXPECT_EQ(run({"SET", "t", "1", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(run({"INCR", "t"}), ":2\r\n");
  EXPECT_EQ(run({"TTL", "t"}), ":100\r\n");
}

TEST_F(KvCommands, MsetMget) {
  EXPECT_EQ(run({"MSET", "a", "1", "b", "22"}), "+OK\r\n");
  EXPECT_EQ(run({"MGET", "a", "missing", "b"}), "*3\r\n$1\r\n1\r\n$-1\r\n$2\r\n22\r\n");
  EXPECT_EQ(run({"MSET", "a", "1", "b"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(run({"MGET"}), "-ERR wrong number of arguments for 'mget' command\r\n");
}

TEST_F(KvCommands, DbsizeFlushallInfo) {
  run({"MSET", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(run({"DBSIZE"}), ":3\r\n");
  const std::string info = run({"INFO"});
  EXPECT_EQ(info.substr(0, 1), "$");
  EXPECT_NE(info.find("redis_version:"), std::string::npos);
  EXPECT_NE(info.find("db0:keys=3,"), std::string::npos);
  EXPECT_EQ(run({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(run({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(run({"GET", "a"}), "$-1\r\n");
  EXPECT_EQ(run({"FLUSHALL", "NOW"}), "-ERR syntax error\r\n");
  // After a flush the whole arena is free again.
  EXPECT_EQ(engine_.store().arena_used(), 0u);
}

TEST_F(KvCommands, WhatRedisToolsAskAtStart) {
  EXPECT_EQ(run({"COMMAND", "DOCS"}), "*0\r\n");
  EXPECT_EQ(run({"COMMAND"}), "*0\r\n");
  EXPECT_EQ(run({"COMMAND", "COUNT"}), ":24\r\n");
  EXPECT_EQ(run({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(run({"CONFIG", "GET", "appendonly"}), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(run({"CONFIG", "GET", "maxclients"}), "*0\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "save", ""}), "-ERR only CONFIG GET <parameter> is supported\r\n");
  EXPECT_EQ(run({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(run({"SELECT", "1"}), "-ERR DB index is out of range\r\n");
}

TEST_F(KvCommands, UnknownCommandsAreNamedSafely) {
  EXPECT_EQ(run({"HSET", "h", "f", "v"}), "-ERR unknown command 'HSET'\r\n");
  EXPECT_EQ(run({"BAD\r\nNAME"}), "-ERR unknown command 'BAD??NAME'\r\n");
  const std::string reply = run({std::string(1000, 'Z')});
  EXPECT_EQ(reply, "-ERR unknown command '" + std::string(64, 'Z') + "'\r\n");
  EXPECT_EQ(engine_.counters().error_replies, 3u);
  EXPECT_EQ(connection_.last_wait(), apps::Wait::input);  // the connection goes on
}

TEST_F(KvCommands, QuitRepliesThenCloses) {
  EXPECT_EQ(connection_.feed(resp({"QUIT"}) + resp({"PING"})), "+OK\r\n");
  EXPECT_EQ(connection_.last_wait(), apps::Wait::close);
}

TEST(KvLimits, RefusesKeysAndBytesBeyondTheLimitsWithOom) {
  Engine engine(StoreLimits{.max_keys = 3, .max_memory = 64 * 1024}, kKey);
  KvConnection connection(engine);
  for (std::string key : {"a", "b", "c"}) EXPECT_EQ(connection.feed(resp({"SET", key, "v"})), "+OK\r\n");
  const std::string oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
  EXPECT_EQ(connection.feed(resp({"SET", "d", "v"})), oom);
  EXPECT_EQ(connection.feed(resp({"INCR", "e"})), oom);
  EXPECT_EQ(connection.feed(resp({"SET", "a", "replacing is fine"})), "+OK\r\n");
  EXPECT_EQ(connection.feed(resp({"DEL", "c"})), ":1\r\n");
  EXPECT_EQ(connection.feed(resp({"SET", "d", "v"})), "+OK\r\n");
  // 64 KiB of arena: one 40 KiB value takes a 64 KiB chunk and nothing larger fits beside it.
  Engine small(StoreLimits{.max_keys = 100, .max_memory = 64 * 1024}, kKey);
  KvConnection bytes_bound(small);
  EXPECT_EQ(bytes_bound.feed(resp({"SET", "big", std::string(40000, 'x')})), "+OK\r\n");
  EXPECT_EQ(bytes_bound.feed(resp({"SET", "more", std::string(100, 'x')})), oom);
  EXPECT_EQ(bytes_bound.feed(resp({"GET", "more"})), "$-1\r\n");  // nothing half-written
  EXPECT_EQ(small.counters().oom, 1u);
  EXPECT_EQ(bytes_bound.feed(resp({"DEL", "big"})), ":1\r\n");
  // A freed chunk is reused by the next entry of its size, not carved again.
  EXPECT_EQ(bytes_bound.feed(resp({"SET", "again", std::string(40000, 'y')})), "+OK\r\n");
  EXPECT_EQ(small.store().arena_used(), 64u * 1024);
}

TEST(KvLimits, ImpossibleLimitsAreRefusedNamingThem) {
  try {
    Engine engine(StoreLimits{.max_keys = 0, .max_memory = 1 << 20}, kKey);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), EINVAL);
    EXPECT_STREQ(error.what(), "kv max keys must be 1..268435456 (got 0)");
  }
  EXPECT_THROW(Engine(StoreLimits{.max_keys = 10, .max_memory = 1000}, kKey), Error);
}

}  // namespace
