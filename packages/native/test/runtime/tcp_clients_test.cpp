// The TCP load clients (tcp-echo, tcp-stream) against the TCP echo and sink apps on a second
// instance over the simulated wire with loss and reordering, in simulated time: every message and
// byte is accounted for and checked. Plus the stream pattern and message reassembly on their own.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "apps/tcp_echo.hpp"
#include "apps/tcp_echo_client.hpp"
#include "apps/tcp_sink.hpp"
#include "apps/tcp_stream_client.hpp"
#include "device/sim/sim_wire.hpp"
#include "runtime/stack_instance.hpp"
#include "support/small_tcp_host.hpp"
#include "iface/frames.hpp"
#include "util/error.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

/// A server app and a client app, each on its own instance, stepped together in simulated time
/// until the client says it is done.
void run_pair(runtime::App& server_app, runtime::App& client_app, const std::atomic<bool>& done, double drop) {
  device::sim::SimWire wire({.seed = 5});
  runtime::StackInstance server(wire.attach({.name = "server", .mac = host_mac}), test::small_tcp_host(host_mac, host_ip));
  runtime::StackInstance client(wire.attach({.name = "client", .mac = peer_mac}), test::small_tcp_host(peer_mac, peer_ip));
  device::sim::LinkConfig link;
  link.delay = Duration::micros(50);
  link.drop = drop;
  link.reorder = drop;
  wire.configure_all_links(link);
  Instant now{1'000'000};
  server_app.start(now, server);
  client_app.start(now, client);
  for (int steps = 0; steps < 5'000'000 && !done.load(); ++steps) {
    wire.advance(now);
    server.receive(now);
    client.receive(now);
    server_app.step(now, server);
    client_app.step(now, client);
    server.finish(now);
    client.finish(now);
    // Time moves in small steps so the load's clock (duration, warm-up) advances even when idle.
    const Instant next = std::min({wire.next_delivery(), server.interface().next_deadline(),
                                   client.interface().next_deadline(), now + Duration::micros(20)});
    now = std::max(next, now + Duration{1});
  }
  EXPECT_TRUE(done.load());
  client_app.stop(client);
  server_app.stop(server);
}

}  // namespace

TEST(TcpLoad, PatternIsTheSameFromAnyOffsetAndMismatchesAreFound) {
  std::vector<std::uint8_t> whole(1000);
  apps::fill_stream_pattern(0, whole);
  std::vector<std::uint8_t> part(333);
  apps::fill_stream_pattern(101, part);
  EXPECT_TRUE(std::equal(part.begin(), part.end(), whole.begin() + 101));
  EXPECT_EQ(apps::find_stream_mismatch(0, whole), -1);
  whole[777] ^= 1;
  EXPECT_EQ(apps::find_stream_mismatch(0, whole), 777);
  EXPECT_EQ(apps::find_stream_mismatch(5, std::span(whole).subspan(5)), 777);
  EXPECT_NE(std::count(whole.begin(), whole.end(), whole[0]), 1000);  // not a constant fill
}

TEST(TcpLoad, PatternRepeatsOnlyAfterItsPeriodAndSendersGetSlicesOfIt) {
  const std::size_t period = apps::kStreamPatternPeriod;
  std::vector<std::uint8_t> first(3000);
  std::vector<std::uint8_t> again(3000);
  apps::fill_stream_pattern(period - 1000, first);  // across the period's end
  apps::fill_stream_pattern(2 * period - 1000, again);
  EXPECT_EQ(first, again);
  EXPECT_EQ(apps::find_stream_mismatch(period - 1000, again), -1);
  // A segment delivered at the wrong place (one MSS, or a whole window, off) does not match.
  std::vector<std::uint8_t> segment(1460);
  apps::fill_stream_pattern(1460, segment);
  EXPECT_NE(apps::find_stream_mismatch(0, segment), -1);
  apps::fill_stream_pattern(4u << 20, segment);
  EXPECT_NE(apps::find_stream_mismatch(0, segment), -1);
  // A slice ends at the period's end at most, and holds the same bytes as a fill.
  const auto slice = apps::stream_pattern_at(period - 10, 64);
  ASSERT_EQ(slice.size(), 10u);
  EXPECT_TRUE(std::equal(slice.begin(), slice.end(), first.begin() + 990));
  EXPECT_EQ(apps::stream_pattern_at(5, 64).size(), 64u);
}

TEST(TcpLoad, MessageAssemblerCompletesAMessageAcrossReads) {
  apps::MessageAssembler assembler(10);
  std::vector<std::uint8_t> storage(10);
  EXPECT_EQ(assembler.room(storage).size(), 10u);
  EXPECT_FALSE(assembler.add(4));
  EXPECT_EQ(assembler.room(storage).size(), 6u);
  EXPECT_EQ(assembler.room(storage).data(), storage.data() + 4);
  EXPECT_TRUE(assembler.add(6));
  EXPECT_EQ(assembler.filled(), 0u);
}

TEST(TcpClients, StreamGetsEveryByteBackFromTheEchoUnderLoss) {
  apps::TcpEcho echo(7);
  std::atomic<bool> done{false};
  apps::TcpStreamClient client({host_ip, 7}, {.bytes = 3 * 1024 * 1024 + 7}, done);
  run_pair(echo, client, done, 0.02);
  const apps::TcpStreamResult result = client.result();
  EXPECT_EQ(result.bytes_sent, 3u * 1024 * 1024 + 7);
  EXPECT_EQ(result.bytes_received, result.bytes_sent);
  EXPECT_EQ(result.first_mismatch, -1);
  EXPECT_GT(result.seconds, 0);
  EXPECT_EQ(echo.counters().closed, 1u);
}

TEST(TcpClients, StreamToASinkGetsNothingBackAndEndsCleanly) {
  apps::TcpSink sink(7);
  std::atomic<bool> done{false};
  apps::TcpStreamClient client({host_ip, 7}, {.bytes = 1024 * 1024}, done);
  run_pair(sink, client, done, 0);
  const apps::TcpStreamResult result = client.result();
  EXPECT_EQ(result.bytes_received, 0u);
  EXPECT_EQ(sink.counters().bytes_received, 1024u * 1024);
}

TEST(TcpClients, StreamToAClosedPortFailsWithConnectionRefused) {
  apps::TcpSink sink(7);
  std::atomic<bool> done{false};
  apps::TcpStreamClient client({host_ip, 9}, {.bytes = 1000}, done);
  run_pair(sink, client, done, 0);
  try {
    client.result();
    FAIL() << "a refused connection must not produce a result";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ECONNREFUSED);
  }
}

TEST(TcpClients, EchoLoadKeepsEveryConnectionsWindowAndTimesEachMessage) {
  apps::TcpEcho echo(7);
  std::atomic<bool> done{false};
  apps::TcpEchoLoadOptions options;
  options.connections = 3;
  options.load.window = 4;
  options.load.size = 100;
  options.load.warmup = Duration::millis(5);
  options.load.duration = Duration::millis(50);
  apps::TcpEchoClient client({host_ip, 7}, options, done);
  run_pair(echo, client, done, 0.01);
  const apps::TcpEchoLoadResult result = client.result();
  EXPECT_EQ(result.connections, 3u);
  EXPECT_EQ(result.failed, 0u);
  EXPECT_GT(result.load.round_trips, 100u);
  EXPECT_EQ(result.load.unexpected, 0u);
  EXPECT_EQ(result.load.lost, 0u);
  EXPECT_GE(result.load.rtt.quantile(0.5), 100'000u);  // two link delays of 50 us at least
  EXPECT_EQ(echo.counters().accepted, 3u);
  EXPECT_EQ(echo.counters().closed, 3u);  // the client half-closed each one and waited for the FIN
  EXPECT_EQ(echo.counters().bytes_sent % 100, 0u);
}
