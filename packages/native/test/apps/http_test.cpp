// The HTTP/1.1 request-head parser and the server's protocol: routes, keep-alive, pipelining,
// split input, bodies skipped, errors with the right status, /stats as JSON, no allocation.
#include <gtest/gtest.h>

#include <string>

#include "apps/http/http_protocol.hpp"
#include "apps/http/request_parser.hpp"
#include "runtime/counter_table.hpp"
#include "support/allocation_counter.hpp"

using namespace sluice;
using namespace sluice::apps::http;

namespace {

Bytes bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

RequestHead parse(std::string_view s, std::size_t max_head = 8192) {
  return parse_request_head(bytes(s), {.max_head = max_head});
}

TEST(HttpRequestParser, ARequestHead) {
  const std::string input = "GET /stats?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: curl\r\n\r\nNEXT";
  const RequestHead head = parse(input);
  ASSERT_EQ(head.status, HeadStatus::complete);
  EXPECT_EQ(head.length, input.size() - 4);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/stats?x=1");
  EXPECT_EQ(head.minor_version, 1);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.content_length, 0u);
  for (std::size_t cut = 0; cut < input.size() - 4; ++cut) {
    EXPECT_EQ(parse(input.substr(0, cut)).status, HeadStatus::incomplete) << cut;
  }
}

TEST(HttpRequestParser, ConnectionAndVersions) {
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nconnection: Upgrade, CLOSE\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  EXPECT_EQ(parse("GET / HTTP/1.1\nHost: a\n\n").status, HeadStatus::complete);  // bare LF
  EXPECT_EQ(parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").status, HeadStatus::complete);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n").content_length, 12u);
  EXPECT_TRUE(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").has_transfer_encoding);
}

TEST(HttpRequestParser, BadHeadsGetTheirStatus) {
  auto status_of = [](std::string_view s, std::size_t max = 8192) {
    const RequestHead head = parse(s, max);
    EXPECT_EQ(head.status, HeadStatus::error) << s;
    return head.error_status;
  };
  EXPECT_EQ(status_of("GET /\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n"), 400);  // no Host
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTX/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'y'), 100), 431);
  EXPECT_EQ(status_of("GET /" + std::string(200, 'y'), 100), 414);
}

class HttpExchange : public ::testing::Test {
 protected:
  HttpExchange() {
    table_.add("device", "rx_packets", rx_);
    table_.add("app", "requests", protocol_.counters().requests);
    table_.add("device", "tx_packets", tx_);
    protocol_.set_stats_source(&table_);
  }

  std::string feed(std::string_view data) {
    pending_.append(data);
    std::string replies;
    for (;;) {
      const apps::Exchange exchange = protocol_.handle(state_, bytes(pending_), out_, out_.size());
      replies.append(reinterpret_cast<const char*>(out_.data()), exchange.written);
      pending_.erase(0, exchange.consumed);
      wait_ = exchange.next;
      if (exchange.next != apps::Wait::output || exchange.written == 0) break;
    }
    return replies;
  }

  std::uint64_t rx_ = 7;
  std::uint64_t tx_ = 9;
  runtime::CounterTable table_;
  HttpProtocol protocol_{HeadLimits{.max_head = 1024}};
  ConnectionState state_;
  std::vector<std::uint8_t> out_ = std::vector<std::uint8_t>(16 * 1024);
  std::string pending_;
  apps::Wait wait_ = apps::Wait::input;
};

const std::string kRoot =
    "HTTP/1.1 200 OK\r\nServer: sluice\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n\r\nHello from Sluice\n";

TEST_F(HttpExchange, RootKeepAliveAndPipelined) {
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(feed(get + get + get), kRoot + kRoot + kRoot);
  EXPECT_EQ(wait_, apps::Wait::input);
  EXPECT_EQ(protocol_.counters().requests, 3u);
}

TEST_F(HttpExchange, SplitAtEveryByte) {
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string replies;
  for (char c : get) replies += feed(std::string(1, c));
  EXPECT_EQ(replies.substr(0, kRoot.size()), kRoot);
  EXPECT_EQ(replies.substr(kRoot.size(), 22), "HTTP/1.1 404 Not Found");
}

TEST_F(HttpExchange, StatsAsJsonGroupedByLayer) {
  const std::string reply = feed("GET /stats HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string body = R"({"device":{"rx_packets":7,"tx_packets":9},"app":{"requests":0}})" "\n";
  EXPECT_EQ(reply, "HTTP/1.1 200 OK\r\nServer: sluice\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
}

TEST_F(HttpExchange, HeadHasNoBody) {
  EXPECT_EQ(feed("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"), kRoot.substr(0, kRoot.size() - 18));
}

TEST_F(HttpExchange, NotFoundAndMethodNotAllowedKeepTheConnection) {
  EXPECT_EQ(feed("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 404 Not Found\r\nServer: sluice\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n"
            "Not Found\n");
  // The body is skipped by its length, and the next request is read after it.
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel"),
            "HTTP/1.1 405 Method Not Allowed\r\nServer: sluice\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n"
            "Allow: GET, HEAD\r\n\r\nMethod Not Allowed\n");
  EXPECT_EQ(feed("loGET / HTTP/1.1\r\nHost: x\r\n\r\n"), kRoot);
  EXPECT_EQ(wait_, apps::Wait::input);
  EXPECT_EQ(protocol_.counters().client_errors, 2u);
}

TEST_F(HttpExchange, ConnectionCloseAnswersThenCloses) {
  const std::string reply = feed("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(reply.find("HTTP/1.1", 1), std::string::npos);  // the pipelined request after it is not answered
  EXPECT_EQ(wait_, apps::Wait::close);
}

TEST_F(HttpExchange, Http10KeepAliveIsSaidBack) {
  EXPECT_NE(feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").find("Connection: keep-alive\r\n"),
            std::string::npos);
  EXPECT_EQ(wait_, apps::Wait::input);
}

TEST_F(HttpExchange, BadRequestsCloseWithTheirStatus) {
  EXPECT_EQ(feed("BROKEN\r\n\r\n").substr(0, 24), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(wait_, apps::Wait::close);
  EXPECT_EQ(protocol_.counters().protocol_errors, 1u);
}

TEST_F(HttpExchange, OversizedHeadIs431) {
  const std::string reply = feed("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(2000, 'c'));
  EXPECT_EQ(reply.substr(0, 44), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(wait_, apps::Wait::close);
}

TEST_F(HttpExchange, ChunkedBodiesAre501) {
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").substr(0, 28),
            "HTTP/1.1 501 Not Implemented");
  EXPECT_EQ(wait_, apps::Wait::close);
}

TEST_F(HttpExchange, AResponseWaitsForRoom) {
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string input = get + get;
  const apps::Exchange first = protocol_.handle(state_, bytes(input), std::span(out_).first(kRoot.size() + 10), 4096);
  EXPECT_EQ(first.written, kRoot.size());
  EXPECT_EQ(first.consumed, get.size());
  EXPECT_EQ(first.next, apps::Wait::output);
}

TEST_F(HttpExchange, SteadyStateDoesNotAllocate) {
  const std::string batch = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /stats HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  protocol_.handle(state_, bytes(batch), out_, out_.size());
  sluice::test::AllocationCounter::start();
  for (int i = 0; i < 100; ++i) {
    const apps::Exchange exchange = protocol_.handle(state_, bytes(batch), out_, out_.size());
    ASSERT_EQ(exchange.consumed, batch.size());
  }
  EXPECT_EQ(sluice::test::AllocationCounter::stop(), 0u);
}

TEST(HttpHostile, RandomBytesNeverCrash) {
  std::uint64_t state = 0x2545f4914f6cdd1dULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::string pieces[] = {"GET ", "/ ", "HTTP/1.1", "\r\n", "Host: a", "Content-Length: 3", ":", " ", "x"};
  HttpProtocol protocol({.max_head = 256});
  std::vector<std::uint8_t> out(4096);
  for (int round = 0; round < 2000; ++round) {
    std::string input;
    const std::size_t count = next() % 30;
    for (std::size_t i = 0; i < count; ++i) {
      input += next() % 4 == 0 ? std::string(1, static_cast<char>(next())) : pieces[next() % std::size(pieces)];
    }
    ConnectionState connection;
    const apps::Exchange exchange = protocol.handle(connection, bytes(input), out, out.size());
    ASSERT_LE(exchange.consumed, input.size());
    ASSERT_LE(exchange.written, out.size());
  }
}

}  // namespace
