// The TCP reference apps on a stack instance over the simulated wire, driven by a client the test
// runs on a second instance: echo returns every byte, sink counts them, both close cleanly; kv and
// http answer over lossy TCP exactly as their protocols do when called directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "apps/buffered_tcp_server.hpp"
#include "apps/http/http_service.hpp"
#include "apps/kv/kv_service.hpp"
#include "apps/sockperf_tcp_server.hpp"
#include "apps/tcp_echo.hpp"
#include "apps/tcp_sink.hpp"
#include "device/sim/sim_wire.hpp"
#include "iface/frames.hpp"
#include "runtime/stack_instance.hpp"
#include "support/small_tcp_host.hpp"
#include "wire/bytes.hpp"

using namespace sluice;
using namespace sluice::testing;
using socket::tcp::TcpEventKind;
using socket::tcp::TcpState;

namespace {

/// A server app on one instance and a scripted client on another, over a lossy link.
class AppBed {
 public:
  explicit AppBed(runtime::App& app) : wire_({.seed = 21}), app_(app) {
    server_ = std::make_unique<runtime::StackInstance>(wire_.attach({.name = "server", .mac = host_mac}),
                                                       test::small_tcp_host(host_mac, host_ip));
    client_ = std::make_unique<runtime::StackInstance>(wire_.attach({.name = "client", .mac = peer_mac}),
                                                       test::small_tcp_host(peer_mac, peer_ip));
    device::sim::LinkConfig link;
    link.delay = Duration::micros(100);
    link.drop = 0.02;
    link.reorder = 0.02;
    wire_.configure_all_links(link);
    app_.start(now_, *server_);
  }

  /// Sends `data`, half-closes, and reads until the server closes; returns what came back.
  std::vector<std::uint8_t> exchange(const std::vector<std::uint8_t>& data) {
    iface::Interface& client = client_->interface();
    const int id = client.tcp_connect(now_, {host_ip, 7});
    EXPECT_GE(id, 0);
    std::vector<std::uint8_t> received;
    std::vector<std::uint8_t> buffer(16 * 1024);
    std::size_t sent = 0;
    bool connected = false;
    bool shut = false;
    bool eof = false;
    for (int steps = 0; steps < 2'000'000 && !(eof && server_->interface().tcp_connections_in_use() == 0 &&
                                               client.tcp_state(id) != TcpState::established);
         ++steps) {
      wire_.advance(now_);
      server_->receive(now_);
      client_->receive(now_);
      app_.step(now_, *server_);
      iface::TcpEvent event;
      while (client.tcp_next_event(event)) {
        if (event.kind == TcpEventKind::connected) connected = true;
        EXPECT_NE(event.kind, TcpEventKind::reset);
      }
      if (connected) {
        while (sent < data.size()) {
          const long n = client.tcp_send(now_, id, std::span(data).subspan(sent));
          if (n <= 0) break;
          sent += static_cast<std::size_t>(n);
        }
        if (sent == data.size() && !shut) shut = client.tcp_shutdown(now_, id) == 0;
        for (long n = client.tcp_receive(id, buffer); n != -EAGAIN; n = client.tcp_receive(id, buffer)) {
          if (n <= 0) {
            eof = true;
            break;
          }
          received.insert(received.end(), buffer.begin(), buffer.begin() + n);
        }
      }
      server_->finish(now_);
      client_->finish(now_);
      const Instant next = std::min({wire_.next_delivery(), server_->interface().next_deadline(),
                                     client_->interface().next_deadline()});
      if (next.is_never()) break;
      now_ = std::max(next, now_ + Duration{1});
    }
    EXPECT_TRUE(eof) << "the server closed its side; " << received.size() << " bytes came back, client in "
                     << socket::tcp::tcp_state_name(client.tcp_state(id));
    client.tcp_close(now_, id);
    return received;
  }

  /// Connects and, once `accepted()` says the server holds the connection, sends `data` and resets
  /// in the same step, so the data and the RST reach the server together; runs until the server has
  /// let the connection go.
  void send_and_abort(const std::vector<std::uint8_t>& data, const std::function<bool()>& accepted) {
    iface::Interface& client = client_->interface();
    const int id = client.tcp_connect(now_, {host_ip, 7});
    ASSERT_GE(id, 0);
    bool aborted = false;
    for (int steps = 0; steps < 100'000 && !(aborted && server_->interface().tcp_connections_in_use() == 0); ++steps) {
      wire_.advance(now_);
      server_->receive(now_);
      client_->receive(now_);
      app_.step(now_, *server_);
      iface::TcpEvent event;
      while (client.tcp_next_event(event)) {
      }
      if (!aborted && accepted()) {
        EXPECT_EQ(client.tcp_send(now_, id, data), static_cast<long>(data.size()));
        client.tcp_abort(now_, id);
        aborted = true;
      }
      server_->finish(now_);
      client_->finish(now_);
      const Instant next = std::min({wire_.next_delivery(), server_->interface().next_deadline(),
                                     client_->interface().next_deadline()});
      if (next.is_never()) break;
      now_ = std::max(next, now_ + Duration{1});
    }
    EXPECT_TRUE(aborted);
  }

  void stop() {
    app_.stop(*server_);
    server_->frame_io().return_cached();
  }

  iface::Interface& server() { return server_->interface(); }

 private:
  device::sim::SimWire wire_;
  runtime::App& app_;
  std::unique_ptr<runtime::StackInstance> server_;
  std::unique_ptr<runtime::StackInstance> client_;
  Instant now_{};
};

}  // namespace

TEST(TcpApps, EchoReturnsEveryByteAndClosesAfterTheClient) {
  apps::TcpEcho echo(7);
  AppBed bed(echo);
  const std::vector<std::uint8_t> data = pattern(1024 * 1024, 3);
  EXPECT_EQ(bed.exchange(data), data);
  EXPECT_EQ(echo.counters().accepted, 1u);
  EXPECT_EQ(echo.counters().closed, 1u);
  EXPECT_EQ(echo.counters().reset, 0u);
  EXPECT_EQ(echo.counters().bytes_received, data.size());
  EXPECT_EQ(echo.counters().bytes_sent, data.size());
  bed.stop();
  EXPECT_EQ(bed.server().tcp_connections_in_use(), 0u);
}

TEST(TcpApps, SinkCountsEveryByteAndAnswersNothing) {
  apps::TcpSink sink(7);
  AppBed bed(sink);
  const std::vector<std::uint8_t> data = pattern(512 * 1024, 5);
  EXPECT_TRUE(bed.exchange(data).empty());
  EXPECT_EQ(sink.counters().bytes_received, data.size());
  EXPECT_EQ(sink.counters().bytes_sent, 0u);
  EXPECT_EQ(sink.counters().closed, 1u);
  bed.stop();
}

namespace {
/// One sockperf message: header (seq, flags, length) and a body of `length - 14` pattern bytes.
void append_message(std::vector<std::uint8_t>& out, std::uint64_t seq, std::uint16_t flags, std::uint32_t length) {
  const std::size_t at = out.size();
  out.resize(at + std::max<std::uint32_t>(length, apps::sockperf::kHeaderSize));
  wire::store_be32(out.data() + at, static_cast<std::uint32_t>(seq >> 32));
  wire::store_be32(out.data() + at + 4, static_cast<std::uint32_t>(seq));
  wire::store_be16(out.data() + at + 8, flags);
  wire::store_be32(out.data() + at + 10, length);
  for (std::size_t i = at + apps::sockperf::kHeaderSize; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>((i - at) * 7 + seq);
}
}  // namespace

TEST(TcpApps, SockperfAnswersFramedMessagesOverTheStream) {
  apps::SockperfTcpServer server(7);
  AppBed bed(server);
  using namespace apps::sockperf;
  std::vector<std::uint8_t> request;
  std::vector<std::uint8_t> expected;
  for (std::uint64_t seq = 0; seq < 3000; ++seq) {
    // Sizes from the smallest message to sockperf's largest, so messages straddle segments and reads.
    const std::uint32_t length = seq % 100 == 99 ? kMaxMessage : 14 + static_cast<std::uint32_t>(seq * 37 % 1500);
    const std::uint16_t flags = seq % 10 == 0 ? (kFlagClient | kFlagWarmup | kFlagPongRequest)
                                : seq % 10 == 1 ? kFlagClient
                                                : (kFlagClient | kFlagPongRequest);
    append_message(request, seq, flags, length);
    if (seq % 10 >= 2) append_message(expected, seq, kFlagPongRequest, length);
  }
  EXPECT_EQ(bed.exchange(request), expected);
  EXPECT_EQ(server.stream_counters().messages, 3000u);
  EXPECT_EQ(server.stream_counters().replies, 2400u);
  EXPECT_EQ(server.stream_counters().no_reply, 600u);
  EXPECT_EQ(server.protocol_errors(), 0u);
  EXPECT_EQ(server.counters().closed, 1u);
  bed.stop();
  EXPECT_EQ(bed.server().tcp_connections_in_use(), 0u);
}

TEST(SockperfFramer, OneByteAtATimeGivesTheSameRepliesAsOneRead) {
  using namespace apps::sockperf;
  std::vector<std::uint8_t> request;
  append_message(request, 1, kFlagClient | kFlagPongRequest, 64);
  append_message(request, 2, kFlagPongRequest, 20);  // not a client message: skipped, still framed
  append_message(request, 3, kFlagClient | kFlagPongRequest, 14);
  std::vector<std::uint8_t> whole(request.size() + StreamFramer::kReplySlack);
  StreamFramer framer;
  StreamCounters counters;
  whole.resize(framer.feed(request, whole, counters));
  EXPECT_TRUE(framer.at_boundary());
  EXPECT_EQ(counters.invalid, 1u);
  EXPECT_EQ(whole.size(), 64u + 14u);

  StreamFramer split;
  StreamCounters split_counters;
  std::vector<std::uint8_t> pieces;
  std::uint8_t out[1 + StreamFramer::kReplySlack];
  for (const std::uint8_t byte : request) {
    const std::size_t n = split.feed(std::span(&byte, 1), out, split_counters);
    pieces.insert(pieces.end(), out, out + n);
  }
  EXPECT_EQ(pieces, whole);
  EXPECT_EQ(split_counters.replies, 2u);
}

TEST(SockperfFramer, LengthsOutsideFourteenTo64KiBStopTheStream) {
  using namespace apps::sockperf;
  for (const std::uint32_t bad : {0u, 13u, kMaxMessage + 1}) {
    std::vector<std::uint8_t> request;
    append_message(request, 1, kFlagClient | kFlagPongRequest, 30);
    append_message(request, 2, kFlagClient | kFlagPongRequest, bad);
    append_message(request, 3, kFlagClient | kFlagPongRequest, 30);
    std::vector<std::uint8_t> out(request.size() + StreamFramer::kReplySlack);
    StreamFramer framer;
    StreamCounters counters;
    EXPECT_EQ(framer.feed(request, out, counters), 30u) << "the message before the bad one is answered";
    EXPECT_TRUE(framer.failed()) << bad;
    EXPECT_EQ(framer.feed(request, out, counters), 0u) << "nothing more once failed";
    EXPECT_EQ(counters.messages, 1u);
  }
}

TEST(TcpApps, SockperfClosesAConnectionWithABadLengthAndCountsIt) {
  apps::SockperfTcpServer server(7);
  AppBed bed(server);
  std::vector<std::uint8_t> request;
  append_message(request, 1, apps::sockperf::kFlagClient | apps::sockperf::kFlagPongRequest, 20);
  append_message(request, 2, apps::sockperf::kFlagClient | apps::sockperf::kFlagPongRequest, 13);
  EXPECT_EQ(bed.exchange(request).size(), 20u);
  EXPECT_EQ(server.protocol_errors(), 1u);
  bed.stop();
  EXPECT_EQ(bed.server().tcp_connections_in_use(), 0u);
}

TEST(TcpApps, APeerResetArrivingWithDataCountsAsAResetNotAClose) {
  apps::TcpEcho echo(7);
  AppBed bed(echo);
  bed.send_and_abort(pattern(1000, 9), [&] { return echo.counters().accepted == 1; });
  EXPECT_EQ(echo.counters().accepted, 1u);
  EXPECT_EQ(echo.counters().reset, 1u);
  EXPECT_EQ(echo.counters().closed, 0u);
  bed.stop();
  EXPECT_EQ(bed.server().tcp_connections_in_use(), 0u);
}

namespace {
/// Runs `request` through a fresh protocol directly, with ample room: the replies a carrier must match.
std::vector<std::uint8_t> direct_replies(apps::RequestProtocol& protocol, const std::vector<std::uint8_t>& request) {
  protocol.prepare(1);
  protocol.opened(0);
  std::vector<std::uint8_t> out(apps::BufferedTcpServer::kMaxReply);
  std::vector<std::uint8_t> replies;
  std::size_t consumed = 0;
  for (;;) {
    const apps::Exchange exchange = protocol.handle({}, 0, std::span(request).subspan(consumed), out, out.size());
    replies.insert(replies.end(), out.begin(), out.begin() + static_cast<long>(exchange.written));
    consumed += exchange.consumed;
    if (exchange.next != apps::Wait::output) break;
  }
  EXPECT_EQ(consumed, request.size());
  return replies;
}

void append(std::vector<std::uint8_t>& out, std::string_view text) { out.insert(out.end(), text.begin(), text.end()); }
}  // namespace

TEST(TcpApps, KvOverLossyTcpAnswersExactlyAsTheProtocolDoesDirectly) {
  // 400 pipelined GETs of a 20 KB value are 8 MB of replies against a 256 KiB send buffer: replies
  // must wait for room many times, with requests split across segments, under loss and reordering.
  std::vector<std::uint8_t> request;
  const std::string value(20'000, 'v');
  append(request, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$20000\r\n" + value + "\r\n");
  for (int i = 0; i < 400; ++i) {
    append(request, "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
    append(request, i % 2 == 0 ? "INCR n\r\n" : "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n");
  }
  apps::KvService reference(apps::kv::StoreLimits{});
  const std::vector<std::uint8_t> expected = direct_replies(reference, request);
  ASSERT_GT(expected.size(), 8'000'000u);

  apps::BufferedTcpServer kv(7, std::make_unique<apps::KvService>(apps::kv::StoreLimits{}));
  AppBed bed(kv);
  EXPECT_EQ(bed.exchange(request), expected);
  EXPECT_EQ(kv.counters().closed, 1u);
  bed.stop();
  EXPECT_EQ(bed.server().tcp_connections_in_use(), 0u);
}

TEST(TcpApps, HttpOverLossyTcpAnswersPipelinedRequestsInOrder) {
  std::vector<std::uint8_t> request;
  for (int i = 0; i < 2000; ++i) {
    append(request, i % 3 == 0 ? "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n" : "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  }
  apps::HttpService reference(nullptr);
  const std::vector<std::uint8_t> expected = direct_replies(reference, request);
  apps::BufferedTcpServer http(7, std::make_unique<apps::HttpService>(nullptr));
  AppBed bed(http);
  EXPECT_EQ(bed.exchange(request), expected);
  bed.stop();
}
