// Closing: active, passive, simultaneous; half-close; TIME-WAIT and its reuse rule; FIN-WAIT-2
// limit; close() with unread data; abort; keepalive.
#include <cerrno>

#include "socket/tcp/connection_fixture.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {
constexpr std::uint32_t fin_seq = our_iss + 1;  // no data sent before the FIN in these tests
}

TEST_F(ConnectionTest, ActiveCloseGoesThroughFinWaitAndTimeWait) {
  open_active();
  EXPECT_EQ(connection->shutdown(ms(10)), 0);
  EXPECT_EQ(connection->state(), TcpState::fin_wait_1);
  const SentSegment fin = pop();
  EXPECT_EQ(fin.flags(), flags::fin | flags::ack);
  EXPECT_EQ(fin.seq(), fin_seq);
  EXPECT_EQ(connection->send(ms(11), pattern_bytes(1)), -EPIPE);

  deliver(ms(20), from_peer(0, {}, 2));
  EXPECT_EQ(connection->state(), TcpState::fin_wait_2);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(connection->next_deadline(), Instant::never()) << "still open for reading: no FIN-WAIT-2 limit";

  deliver(ms(30), from_peer(0, pattern_bytes(10), 2));
  EXPECT_EQ(connection->readable(), 10u) << "half-closed: the peer may still send";
  pop();
  PeerSegment peer_fin = from_peer(10, {}, 2);
  peer_fin.flags |= flags::fin;
  deliver(ms(40), peer_fin);
  EXPECT_EQ(connection->state(), TcpState::time_wait);
  EXPECT_EQ(pop().ack(), peer_iss + 1 + 11);
  EXPECT_EQ(connection->next_deadline(), ms(40) + Duration::seconds(60));

  deliver(ms(1000), peer_fin);  // our ACK was lost: the FIN comes again
  EXPECT_EQ(pop().ack(), peer_iss + 1 + 11);
  EXPECT_EQ(connection->next_deadline(), ms(1000) + Duration::seconds(60)) << "TIME-WAIT restarts";
  fire_timer_at(ms(61000));
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(sink.states, (std::vector<TcpState>{TcpState::fin_wait_1, TcpState::fin_wait_2, TcpState::time_wait,
                                                TcpState::closed}));
  EXPECT_EQ(sink.events.back(), std::make_pair(TcpEventKind::closed, 0));
}

TEST_F(ConnectionTest, PassiveCloseGoesThroughCloseWaitAndLastAck) {
  open_active();
  PeerSegment peer_fin = from_peer(0);
  peer_fin.flags |= flags::fin;
  deliver(ms(10), peer_fin);
  EXPECT_EQ(connection->state(), TcpState::close_wait);
  EXPECT_EQ(pop().ack(), peer_iss + 2);
  connection->close(ms(20));
  EXPECT_EQ(connection->state(), TcpState::last_ack);
  const SentSegment fin = pop();
  EXPECT_EQ(fin.flags(), flags::fin | flags::ack);
  EXPECT_EQ(fin.ack(), peer_iss + 2);
  deliver(ms(30), from_peer(1, {}, 2));
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(sink.events.back(), std::make_pair(TcpEventKind::closed, 0));
}

TEST_F(ConnectionTest, SimultaneousCloseGoesThroughClosing) {
  open_active();
  connection->shutdown(ms(10));
  pop();
  PeerSegment peer_fin = from_peer(0);  // acknowledges nothing of ours: it crossed our FIN
  peer_fin.flags |= flags::fin;
  deliver(ms(11), peer_fin);
  EXPECT_EQ(connection->state(), TcpState::closing);
  EXPECT_EQ(pop().ack(), peer_iss + 2);
  deliver(ms(12), from_peer(1, {}, 2));
  EXPECT_EQ(connection->state(), TcpState::time_wait);
}

TEST_F(ConnectionTest, FinAndAckOfOurFinTogetherGoStraightToTimeWait) {
  open_active();
  connection->shutdown(ms(10));
  pop();
  PeerSegment both = from_peer(0, {}, 2);
  both.flags |= flags::fin;
  deliver(ms(11), both);
  EXPECT_EQ(connection->state(), TcpState::time_wait);
  pop();
}

TEST_F(ConnectionTest, FinRidesOnTheLastDataSegmentAndIsRetransmitted) {
  open_active();
  connection->send(ms(10), pattern_bytes(500));
  pop();
  deliver(ms(11), from_peer(0, {}, 501));
  connection->send(ms(12), pattern_bytes(300));
  pop();
  deliver(ms(13), from_peer(0, {}, 801));
  connection->set_nodelay(false);
  EXPECT_EQ(connection->send(ms(14), pattern_bytes(100)), 100);
  pop();
  // Unacknowledged data in flight; the next bytes and the FIN go together once sent.
  EXPECT_EQ(connection->send(ms(15), pattern_bytes(50)), 50);
  EXPECT_TRUE(sink.sent.empty()) << "Nagle holds the 50 bytes";
  connection->shutdown(ms(16));
  const SentSegment with_fin = pop();
  EXPECT_EQ(with_fin.flags(), flags::ack | flags::psh | flags::fin) << "shutdown pushes the tail";
  EXPECT_EQ(with_fin.payload.size(), 50u);
  fire_timer_at(ms(14 + 200));
  const SentSegment again = pop();
  EXPECT_EQ(again.seq(), our_iss + 1 + 800) << "from SND.UNA";
  EXPECT_EQ(again.payload.size(), 150u);
  EXPECT_EQ(again.flags() & flags::fin, flags::fin);
}

TEST_F(ConnectionTest, CloseAfterFinWait2StartsItsLimit) {
  open_active();
  connection->close(ms(10));
  pop();
  deliver(ms(20), from_peer(0, {}, 2));
  EXPECT_EQ(connection->state(), TcpState::fin_wait_2);
  fire_timer_at(ms(20) + Duration::seconds(60));
  EXPECT_EQ(connection->state(), TcpState::closed);
}

TEST_F(ConnectionTest, CloseWithUnreadDataResetsTheConnection) {
  open_active();
  deliver(ms(10), from_peer(0, pattern_bytes(100)));
  pop();
  connection->close(ms(20));
  const SentSegment rst = pop();
  EXPECT_EQ(rst.flags(), flags::rst);
  EXPECT_EQ(rst.seq(), our_iss + 1);
  EXPECT_EQ(connection->state(), TcpState::closed);
}

TEST_F(ConnectionTest, AbortSendsRstAtSndNxt) {
  open_active();
  connection->set_nodelay(true);
  connection->send(ms(10), pattern_bytes(100));
  pop();
  connection->abort(ms(11));
  const SentSegment rst = pop();
  EXPECT_EQ(rst.flags(), flags::rst);
  EXPECT_EQ(rst.seq(), our_iss + 101);
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(connection->next_deadline(), Instant::never());
}

TEST_F(ConnectionTest, TimeWaitAcceptsOnlyANewerSyn) {
  open_active();
  connection->shutdown(ms(10));
  pop();
  PeerSegment both = from_peer(0, {}, 2, 200);
  both.flags |= flags::fin;
  deliver(ms(11), both);
  pop();
  ASSERT_EQ(connection->state(), TcpState::time_wait);
  auto syn_with = [](std::uint32_t seq, std::uint32_t ts) {
    wire::TcpHeader header;
    header.sequence = seq;
    header.flags = flags::syn;
    header.options = timestamps(ts, 0);
    Bytes bytes(header.header_len());
    header.emit(bytes);
    return bytes;
  };
  Bytes newer = syn_with(peer_iss + 100000, 201);
  Bytes older = syn_with(peer_iss + 100000, 199);
  EXPECT_TRUE(connection->accepts_new_syn(*wire::TcpSegment::parse(newer), wire::TcpSegment::parse(newer)->options()));
  EXPECT_FALSE(connection->accepts_new_syn(*wire::TcpSegment::parse(older), wire::TcpSegment::parse(older)->options()))
      << "with timestamps, the timestamp decides";
}

TEST_F(ConnectionTest, KeepaliveProbesAnIdlePeerAndGivesUp) {
  TcpConfig config = small_config();
  config.keepalive = true;
  config.keepalive_probes = 2;
  make(config);
  open_active();
  // Armed at the handshake (1 ms); the last segment arrived at 2 ms, so the timer moves on once.
  fire_timer_at(ms(1) + Duration::seconds(7200));
  EXPECT_TRUE(sink.sent.empty());
  const Instant idle_end = ms(2) + Duration::seconds(7200);
  fire_timer_at(idle_end);
  const SentSegment probe = pop();
  EXPECT_EQ(probe.seq(), our_iss) << "SND.UNA - 1, no data";
  EXPECT_TRUE(probe.payload.empty());
  deliver(idle_end + Duration::seconds(1), from_peer(0, {}, 1, 500));
  EXPECT_TRUE(sink.sent.empty());
  fire_timer_at(idle_end + Duration::seconds(75));
  EXPECT_TRUE(sink.sent.empty()) << "the answer restarted the idle time";
  const Instant second_idle_end = idle_end + Duration::seconds(1) + Duration::seconds(7200);
  fire_timer_at(second_idle_end);
  pop();
  fire_timer_at(second_idle_end + Duration::seconds(75));
  pop();
  fire_timer_at(second_idle_end + Duration::seconds(150));
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(connection->error(), ETIMEDOUT);
  EXPECT_EQ(connection->counters().keepalive_probes, 3u);
}
