// RFC 5961 (blind reset, SYN and data injection), RFC 7323 PAWS, and acknowledgment validation.
#include <cerrno>

#include "socket/tcp/connection_fixture.hpp"

using namespace sluice;
using namespace sluice::testing;

TEST_F(ConnectionTest, ResetWithTheExactSequenceNumberResets) {
  open_active();
  deliver(ms(10), {.seq = peer_iss + 1, .ack = 0, .flags = flags::rst});
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(connection->error(), ECONNRESET);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0], std::make_pair(TcpEventKind::reset, ECONNRESET));
  EXPECT_EQ(sink.events[1], std::make_pair(TcpEventKind::closed, ECONNRESET));
  Bytes out(10);
  EXPECT_EQ(connection->receive(out), -ECONNRESET);
}

TEST_F(ConnectionTest, ResetInsideTheWindowGetsAChallengeAck) {
  open_active();
  deliver(ms(10), {.seq = peer_iss + 100, .ack = 0, .flags = flags::rst});
  EXPECT_EQ(connection->state(), TcpState::established);
  const SentSegment challenge = pop();
  EXPECT_EQ(challenge.flags(), flags::ack);
  EXPECT_EQ(challenge.seq(), our_iss + 1);
  EXPECT_EQ(challenge.ack(), peer_iss + 1);
  EXPECT_EQ(connection->counters().challenge_acks, 1u);

  deliver(ms(11), {.seq = peer_iss + 1 + 40000, .ack = 0, .flags = flags::rst});
  EXPECT_TRUE(sink.sent.empty()) << "outside the window: silently dropped";
  EXPECT_EQ(connection->state(), TcpState::established);
}

TEST_F(ConnectionTest, SynInASynchronizedStateGetsAChallengeAck) {
  open_active();
  deliver(ms(10), {.seq = peer_iss + 10, .ack = 0, .flags = flags::syn, .options = timestamps(150, 0)});
  EXPECT_EQ(connection->state(), TcpState::established);
  EXPECT_EQ(pop().ack(), peer_iss + 1);
  EXPECT_EQ(connection->counters().challenge_acks, 1u);
}

TEST_F(ConnectionTest, ChallengeAcksAreRateLimited) {
  open_active();
  for (int i = 0; i < 12; ++i) deliver(ms(1000 + i), {.seq = peer_iss + 100, .ack = 0, .flags = flags::rst});
  EXPECT_EQ(sink.sent.size(), 10u);
  EXPECT_EQ(connection->counters().challenge_acks_limited, 2u);
  sink.sent.clear();
  deliver(ms(2001), {.seq = peer_iss + 100, .ack = 0, .flags = flags::rst});
  EXPECT_EQ(pop().flags(), flags::ack) << "a new second, a new allowance";
}

TEST_F(ConnectionTest, AcksOfUnsentDataAndVeryOldAcksAreRefused) {
  open_active();
  deliver(ms(10), from_peer(0, pattern_bytes(10), 100));
  EXPECT_EQ(pop().ack(), peer_iss + 1) << "ACK beyond SND.NXT: answered, and the data dropped";
  EXPECT_EQ(connection->readable(), 0u);
  EXPECT_EQ(connection->counters().acks_of_unsent, 1u);

  deliver(ms(11), from_peer(0, pattern_bytes(10), static_cast<std::uint32_t>(-200000)));
  EXPECT_EQ(pop().flags(), flags::ack) << "older than any window: challenge ACK (RFC 5961 5.2)";
  EXPECT_EQ(connection->readable(), 0u);
  EXPECT_EQ(connection->counters().challenge_acks, 1u);
}

TEST_F(ConnectionTest, PawsDropsSegmentsWithOlderTimestamps) {
  open_active();
  deliver(ms(10), from_peer(0, pattern_bytes(10), 1, 150));
  pop();
  deliver(ms(11), from_peer(10, pattern_bytes(10), 1, 149));
  const SentSegment ack = pop();
  EXPECT_EQ(ack.ack(), peer_iss + 11) << "the old-timestamped segment is not taken";
  EXPECT_EQ(ack.header.options.ts_echo_reply, 150u);
  EXPECT_EQ(connection->counters().paws_rejected, 1u);
  EXPECT_EQ(connection->readable(), 10u);
  deliver(ms(12), from_peer(10, pattern_bytes(10), 1, 150));
  EXPECT_EQ(pop().ack(), peer_iss + 21) << "an equal timestamp is fine";
}

TEST_F(ConnectionTest, ResetInTimeWaitClosesQuietly) {
  open_active();
  connection->shutdown(ms(10));
  pop();
  PeerSegment both = from_peer(0, {}, 2);
  both.flags |= flags::fin;
  deliver(ms(11), both);
  pop();
  deliver(ms(12), {.seq = peer_iss + 2, .ack = 0, .flags = flags::rst});
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(connection->error(), 0);
}

TEST_F(ConnectionTest, RefusedSendsAreRetriedByTheTimer) {
  open_active();
  connection->set_nodelay(true);
  sink.refuse = true;
  EXPECT_EQ(connection->send(ms(10), pattern_bytes(100)), 100);
  EXPECT_EQ(connection->counters().send_failures, 1u);
  EXPECT_EQ(connection->snd_nxt(), Seq{our_iss + 1}) << "nothing counts as sent";
  sink.refuse = false;
  fire_timer_at(ms(210));
  const SentSegment later = pop();
  EXPECT_EQ(later.payload.size(), 100u);
  EXPECT_EQ(connection->counters().timeouts, 0u) << "not a loss: nothing had left";
}
