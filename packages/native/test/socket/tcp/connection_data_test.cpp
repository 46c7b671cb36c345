// Data transfer: segmentation, Nagle, cwnd, delayed and quick ACKs, out-of-order data with SACK,
// receive windows and window updates, zero-window probes, end of stream.
#include <cerrno>

#include "socket/tcp/connection_fixture.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {
constexpr std::uint32_t mss = 1448;  // 1460 minus 12 bytes of timestamps
}

TEST_F(ConnectionTest, SendsFullSegmentsAndHoldsTheTailUnderNagle) {
  open_active();
  const Bytes data = pattern_bytes(3000);
  EXPECT_EQ(connection->send(ms(10), data), 3000);
  const SentSegment first = pop();
  const SentSegment second = pop();
  EXPECT_TRUE(sink.sent.empty()) << "the 104-byte tail waits while data is in flight";
  EXPECT_EQ(first.seq(), our_iss + 1);
  EXPECT_EQ(first.payload, Bytes(data.begin(), data.begin() + mss));
  EXPECT_EQ(first.flags(), flags::ack);
  EXPECT_EQ(second.seq(), our_iss + 1 + mss);
  EXPECT_EQ(second.payload.size(), mss);
  EXPECT_EQ(first.header.options.ts_value, 10u);
  EXPECT_EQ(connection->next_deadline(), ms(10 + 200)) << "RTO: SRTT 1 ms, RTTVAR 0.5 ms, floor 200 ms";

  deliver(ms(20), from_peer(0, {}, 1 + 2 * mss));
  const SentSegment tail = pop();
  EXPECT_EQ(tail.seq(), our_iss + 1 + 2 * mss);
  EXPECT_EQ(tail.payload, Bytes(data.begin() + 2 * mss, data.end()));
  EXPECT_EQ(tail.flags(), flags::ack | flags::psh);
  EXPECT_EQ(connection->counters().bytes_sent, 3000u);
}

TEST_F(ConnectionTest, NodelaySendsTheTailAtOnce) {
  open_active();
  connection->set_nodelay(true);
  EXPECT_EQ(connection->send(ms(10), pattern_bytes(3000)), 3000);
  EXPECT_EQ(pop().payload.size(), mss);
  EXPECT_EQ(pop().payload.size(), mss);
  EXPECT_EQ(pop().payload.size(), 104u);
}

TEST_F(ConnectionTest, InitialWindowLimitsTheFirstFlightAndSlowStartOpensIt) {
  open_active();
  EXPECT_EQ(connection->send(ms(10), pattern_bytes(40 * 1024)), 40 * 1024);
  EXPECT_EQ(sink.sent.size(), 10u) << "IW10";
  sink.sent.clear();
  deliver(ms(20), from_peer(0, {}, 1 + 2 * mss));
  EXPECT_EQ(connection->congestion().cwnd(), 11 * mss) << "slow start: one SMSS per ACK";
  EXPECT_EQ(sink.sent.size(), 3u) << "8 in flight, cwnd 11";
  sink.sent.clear();
}

TEST_F(ConnectionTest, SendBufferRefusesWhenFullAndReportsWritableAfterAcks) {
  open_active();
  const Bytes big = pattern_bytes(64 * 1024 + 100);
  EXPECT_EQ(connection->send(ms(10), big), 64 * 1024);
  EXPECT_EQ(connection->send(ms(10), big), -EAGAIN);
  sink.sent.clear();
  deliver(ms(20), from_peer(0, {}, 1 + mss));
  sink.sent.clear();
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].first, TcpEventKind::writable);
  EXPECT_EQ(connection->send_space(), mss);
}

TEST_F(ConnectionTest, QuickAcksAtStartThenEverySecondSegmentOrTheDelayedAckTimer) {
  TcpConfig config = small_config();
  config.quickack_segments = 2;
  make(config);
  open_active();
  for (std::uint32_t i = 0; i < 2; ++i) {
    deliver(ms(10 + i), from_peer(i * 1000, pattern_bytes(1000)));
    EXPECT_EQ(pop().ack(), peer_iss + 1 + (i + 1) * 1000) << "quick ACK " << i;
  }
  deliver(ms(20), from_peer(2000, pattern_bytes(1000)));
  EXPECT_TRUE(sink.sent.empty()) << "one segment: the ACK is delayed";
  EXPECT_EQ(connection->next_deadline(), ms(60));
  deliver(ms(21), from_peer(3000, pattern_bytes(1000)));
  EXPECT_EQ(pop().ack(), peer_iss + 1 + 4000) << "the second segment is ACKed at once";
  EXPECT_EQ(connection->next_deadline(), Instant::never());

  deliver(ms(30), from_peer(4000, pattern_bytes(1000)));
  EXPECT_TRUE(sink.sent.empty());
  fire_timer_at(ms(70));
  const SentSegment delayed = pop();
  EXPECT_EQ(delayed.ack(), peer_iss + 1 + 5000);
  EXPECT_EQ(delayed.header.options.ts_echo_reply, 101u);
  EXPECT_EQ(connection->counters().delayed_acks, 1u);
  EXPECT_EQ(connection->readable(), 5000u);
  EXPECT_EQ(sink.events.size(), 5u);
  EXPECT_EQ(sink.events[0].first, TcpEventKind::readable);
}

TEST_F(ConnectionTest, OutOfOrderSegmentsAreSackedAtOnceAndTheFillAcknowledgesAll) {
  open_active();
  const Bytes data = pattern_bytes(4000, 9);
  auto part = [&](std::size_t from) { return Bytes(data.begin() + from, data.begin() + from + 1000); };
  const std::uint32_t base = peer_iss + 1;

  deliver(ms(10), from_peer(1000, part(1000)));
  SentSegment ack = pop();
  EXPECT_EQ(ack.ack(), base);
  ASSERT_EQ(ack.header.options.sack_block_count, 1);
  EXPECT_EQ(ack.header.options.sack_blocks[0], (wire::SackBlock{base + 1000, base + 2000}));

  deliver(ms(11), from_peer(3000, part(3000)));
  ack = pop();
  ASSERT_EQ(ack.header.options.sack_block_count, 2);
  EXPECT_EQ(ack.header.options.sack_blocks[0], (wire::SackBlock{base + 3000, base + 4000})) << "latest first";
  EXPECT_EQ(ack.header.options.sack_blocks[1], (wire::SackBlock{base + 1000, base + 2000}));

  deliver(ms(12), from_peer(0, part(0)));
  ack = pop();
  EXPECT_EQ(ack.ack(), base + 2000) << "the hole and the block behind it";
  ASSERT_EQ(ack.header.options.sack_block_count, 1);
  EXPECT_EQ(ack.header.options.sack_blocks[0], (wire::SackBlock{base + 3000, base + 4000}));

  deliver(ms(13), from_peer(2000, part(2000)));
  ack = pop();
  EXPECT_EQ(ack.ack(), base + 4000);
  EXPECT_EQ(ack.header.options.sack_block_count, 0);

  Bytes out(5000);
  EXPECT_EQ(connection->receive(out), 4000);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 4000), data);
  EXPECT_EQ(connection->receive(out), -EAGAIN);
  EXPECT_EQ(connection->counters().out_of_order_segments, 2u);
}

TEST_F(ConnectionTest, DuplicateDataIsAcknowledgedAndOverlapsKeepOnlyTheNewBytes) {
  open_active();
  const Bytes data = pattern_bytes(1000, 5);
  deliver(ms(10), from_peer(0, Bytes(data.begin(), data.begin() + 500)));
  pop();
  deliver(ms(11), from_peer(0, Bytes(data.begin(), data.begin() + 500)));
  EXPECT_EQ(pop().ack(), peer_iss + 1 + 500) << "an old duplicate is answered with an ACK";
  EXPECT_EQ(connection->counters().out_of_window, 1u);
  deliver(ms(12), from_peer(250, Bytes(data.begin() + 250, data.end())));
  EXPECT_EQ(pop().ack(), peer_iss + 1 + 1000);
  Bytes out(2000);
  EXPECT_EQ(connection->receive(out), 1000);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 1000), data);
}

TEST_F(ConnectionTest, FullReceiveBufferAdvertisesZeroAndReadingSendsAWindowUpdate) {
  open_active();
  const std::uint32_t segment = 1000;
  for (std::uint32_t offset = 0; offset < 32 * 1024; offset += segment) {
    deliver(ms(10), from_peer(offset, pattern_bytes(std::min<std::uint32_t>(segment, 32 * 1024 - offset))));
  }
  SentSegment last{};
  while (!sink.sent.empty()) last = pop();
  EXPECT_EQ(last.ack(), peer_iss + 1 + 32 * 1024 - 768) << "the last, odd segment waits for the delayed ACK";
  EXPECT_EQ(last.header.window, 768);

  deliver(ms(11), from_peer(32 * 1024, pattern_bytes(100)));
  const SentSegment refused = pop();
  EXPECT_EQ(refused.ack(), peer_iss + 1 + 32 * 1024) << "beyond the window: cut, and ACKed at once";
  EXPECT_EQ(refused.header.window, 0);
  EXPECT_EQ(connection->readable(), 32u * 1024);

  Bytes out(16 * 1024);
  EXPECT_EQ(connection->receive(out), 16 * 1024);
  EXPECT_TRUE(connection->wants_flush());
  EXPECT_TRUE(sink.sent.empty()) << "receive() does not send; flush() does";
  connection->flush(ms(12));
  const SentSegment update = pop();
  EXPECT_EQ(update.header.window, 16 * 1024);
  EXPECT_FALSE(connection->wants_flush());
}

TEST_F(ConnectionTest, ZeroWindowIsProbedWithBackoffUntilItOpens) {
  open_active();
  deliver(ms(10), {.seq = peer_iss + 1, .ack = our_iss + 1, .flags = flags::ack, .window = 0,
                   .options = timestamps(101, 1)});
  EXPECT_EQ(connection->send_window(), 0u);
  EXPECT_EQ(connection->send(ms(20), pattern_bytes(100)), 100);
  EXPECT_TRUE(sink.sent.empty());
  fire_timer_at(ms(220));
  SentSegment probe = pop();
  EXPECT_EQ(probe.seq(), our_iss) << "SND.UNA - 1: old, so the peer must answer";
  EXPECT_TRUE(probe.payload.empty());
  fire_timer_at(ms(620)) ;
  probe = pop();
  EXPECT_EQ(probe.seq(), our_iss);
  EXPECT_EQ(connection->counters().window_probes, 2u);
  EXPECT_EQ(connection->next_deadline(), ms(1420)) << "backing off: 200, 400, 800 ms";

  deliver(ms(700), {.seq = peer_iss + 1, .ack = our_iss + 1, .flags = flags::ack, .window = 8,
                    .options = timestamps(102, 620)});
  const SentSegment data = pop();
  EXPECT_EQ(data.payload.size(), 100u) << "window 8 << 7 = 1024 bytes";
  EXPECT_EQ(connection->timers().armed(socket::tcp::TimerKind::persist), false);
}

TEST_F(ConnectionTest, SmallWindowIsFilledByTheSwsOverride) {
  open_active();
  deliver(ms(10), {.seq = peer_iss + 1, .ack = our_iss + 1, .flags = flags::ack, .window = 1,
                   .options = timestamps(101, 1)});  // 128 bytes, while the peer once offered 65535
  EXPECT_EQ(connection->send(ms(20), pattern_bytes(1000)), 1000);
  EXPECT_TRUE(sink.sent.empty()) << "a 128-byte segment is silly: wait";
  fire_timer_at(ms(220));
  const SentSegment forced = pop();
  EXPECT_EQ(forced.payload.size(), 128u);
}

TEST_F(ConnectionTest, PeerFinEndsTheStreamAfterTheData) {
  open_active();
  PeerSegment last = from_peer(0, pattern_bytes(300));
  last.flags |= flags::fin;
  deliver(ms(10), last);
  const SentSegment ack = pop();
  EXPECT_EQ(ack.ack(), peer_iss + 1 + 301) << "data and FIN";
  EXPECT_EQ(connection->state(), TcpState::close_wait);
  EXPECT_TRUE(connection->peer_finished());
  Bytes out(1000);
  EXPECT_EQ(connection->receive(out), 300);
  EXPECT_EQ(connection->receive(out), 0) << "end of stream";
  EXPECT_EQ(connection->send(ms(11), pattern_bytes(10)), 10) << "half-closed: we may still send";
  EXPECT_EQ(pop().payload.size(), 10u);
}

TEST_F(ConnectionTest, FinAheadOfAHoleWaitsForIt) {
  open_active();
  PeerSegment tail = from_peer(500, pattern_bytes(500));
  tail.flags |= flags::fin;
  deliver(ms(10), tail);
  EXPECT_EQ(pop().ack(), peer_iss + 1);
  EXPECT_EQ(connection->state(), TcpState::established);
  deliver(ms(11), from_peer(0, pattern_bytes(500)));
  EXPECT_EQ(pop().ack(), peer_iss + 1 + 1001);
  EXPECT_EQ(connection->state(), TcpState::close_wait);
}
