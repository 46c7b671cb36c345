// Loss recovery: RFC 6298 timeouts with backoff and the abort limit, RFC 3042 limited transmit,
// RFC 6675 SACK-based recovery, RFC 6582 NewReno partial ACKs without SACK.
#include <cerrno>

#include "socket/tcp/connection_fixture.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {
constexpr std::uint32_t mss = 1448;
constexpr std::uint32_t first = our_iss + 1;
std::uint32_t segment_at(std::uint32_t i) { return first + i * mss; }

wire::TcpOptions sack(std::uint32_t ts, std::uint32_t left, std::uint32_t right) {
  wire::TcpOptions options = timestamps(ts, 10);
  options.sack_block_count = 1;
  options.sack_blocks[0] = {left, right};
  return options;
}
}  // namespace

TEST_F(ConnectionTest, TimeoutRetransmitsWithBackoffAndAnAckStopsIt) {
  open_active();
  connection->set_nodelay(true);
  const Bytes data = pattern_bytes(1000);
  connection->send(ms(10), data);
  pop();
  fire_timer_at(ms(210));
  const SentSegment again = pop();
  EXPECT_EQ(again.seq(), first);
  EXPECT_EQ(again.payload, data);
  EXPECT_EQ(connection->congestion().cwnd(), mss) << "one segment after a timeout";
  EXPECT_EQ(connection->congestion().ssthresh(), 2 * mss) << "max(flight / 2, 2 SMSS)";
  EXPECT_EQ(connection->next_deadline(), ms(610)) << "doubled";
  fire_timer_at(ms(610));
  EXPECT_EQ(pop().seq(), first);
  EXPECT_EQ(connection->next_deadline(), ms(1410));

  deliver(ms(700), from_peer(0, {}, 1 + 1000));
  EXPECT_FALSE(connection->in_recovery());
  EXPECT_EQ(connection->next_deadline(), Instant::never());
  EXPECT_EQ(connection->counters().timeouts, 2u);
  EXPECT_EQ(connection->counters().bytes_retransmitted, 2000u);
  EXPECT_EQ(connection->rtt().backoff(), 0u);
}

TEST_F(ConnectionTest, GivesUpAfterTheRetransmissionLimit) {
  TcpConfig config = small_config();
  config.max_retransmissions = 2;
  make(config);
  open_active();
  connection->set_nodelay(true);
  connection->send(ms(10), pattern_bytes(100));
  pop();
  fire_timer_at(ms(210));
  pop();
  fire_timer_at(ms(610));
  pop();
  fire_timer_at(ms(1410));
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(connection->error(), ETIMEDOUT);
  EXPECT_EQ(connection->send(ms(1500), pattern_bytes(1)), -ETIMEDOUT);
  Bytes out(10);
  EXPECT_EQ(connection->receive(out), -ETIMEDOUT);
}

TEST_F(ConnectionTest, SackRecoveryRetransmitsTheHoleOnTheThirdDuplicateAck) {
  open_active();
  connection->set_nodelay(true);
  connection->send(ms(10), pattern_bytes(30 * mss));
  ASSERT_EQ(sink.sent.size(), 10u);
  sink.sent.clear();

  // Segment 0 is lost; 1, 2, 3 arrive and are SACKed.
  PeerSegment dup = from_peer(0);
  dup.options = sack(102, segment_at(1), segment_at(2));
  deliver(ms(20), dup);
  EXPECT_EQ(connection->counters().duplicate_acks, 1u);
  ASSERT_EQ(sink.sent.size(), 1u) << "limited transmit: one new segment per duplicate";
  EXPECT_EQ(pop().seq(), segment_at(10));
  dup.options = sack(103, segment_at(1), segment_at(3));
  deliver(ms(21), dup);
  EXPECT_FALSE(connection->in_recovery()) << "2 SMSS SACKed is not yet a loss";
  EXPECT_EQ(pop().seq(), segment_at(11));

  dup.options = sack(104, segment_at(1), segment_at(4));
  deliver(ms(22), dup);
  EXPECT_TRUE(connection->in_recovery()) << "three duplicates, and 2 SMSS SACKed + IsLost";
  const SentSegment retransmission = pop();
  EXPECT_EQ(retransmission.seq(), segment_at(0));
  EXPECT_EQ(retransmission.payload.size(), mss);
  EXPECT_TRUE(sink.sent.empty()) << "pipe exceeds the halved window";
  EXPECT_EQ(connection->congestion().cwnd(), 12 * mss / 2);
  EXPECT_EQ(connection->counters().fast_recoveries, 1u);

  // More SACKs shrink pipe until new data may go: pipe = 9 - 2k + ... segments.
  std::size_t sent_during_recovery = 0;
  for (std::uint32_t k = 5; k <= 11; ++k) {
    dup.options = sack(100 + k, segment_at(1), segment_at(k));
    deliver(ms(20 + k), dup);
    sent_during_recovery += sink.sent.size();
    sink.sent.clear();
  }
  EXPECT_GT(sent_during_recovery, 0u);
  EXPECT_EQ(connection->counters().segments_retransmitted, 1u) << "only the hole was resent";

  const std::uint32_t recovery_point = segment_at(12);
  deliver(ms(40), from_peer(0, {}, recovery_point - our_iss, 120));
  EXPECT_FALSE(connection->in_recovery());
  sink.sent.clear();
}

TEST_F(ConnectionTest, WithoutSackNewRenoRetransmitsAfterEachPartialAck) {
  connection->connect(ms(0), our_iss);
  pop();
  wire::TcpOptions options = peer_syn_options(100, 0);
  options.sack_permitted = false;
  deliver(ms(1), {.seq = peer_iss, .ack = our_iss + 1, .flags = flags::syn | flags::ack, .options = options});
  pop();
  settle_window();
  ASSERT_FALSE(connection->sack_enabled());
  connection->set_nodelay(true);
  connection->send(ms(10), pattern_bytes(10 * mss));
  ASSERT_EQ(sink.sent.size(), 10u);
  sink.sent.clear();

  for (int i = 0; i < 3; ++i) deliver(ms(20 + i), from_peer(0, {}, 1, 102));
  EXPECT_TRUE(connection->in_recovery());
  EXPECT_EQ(pop().seq(), segment_at(0));
  EXPECT_TRUE(sink.sent.empty());

  // Segment 0 repaired; segment 5 was lost as well: a partial ACK.
  deliver(ms(30), from_peer(0, {}, 1 + 5 * mss, 103));
  EXPECT_TRUE(connection->in_recovery());
  const SentSegment second = pop();
  EXPECT_EQ(second.seq(), segment_at(5)) << "RFC 6582: the next hole goes at once";
  sink.sent.clear();
  deliver(ms(40), from_peer(0, {}, 1 + 10 * mss, 104));
  EXPECT_FALSE(connection->in_recovery());
  EXPECT_EQ(connection->counters().segments_retransmitted, 2u);
}

TEST_F(ConnectionTest, TimeoutRepairsOnlyUnsackedHoles) {
  open_active();
  connection->set_nodelay(true);
  connection->send(ms(10), pattern_bytes(4 * mss));
  ASSERT_EQ(sink.sent.size(), 4u);
  sink.sent.clear();
  PeerSegment ack = from_peer(0);
  ack.options = sack(102, segment_at(1), segment_at(2));
  deliver(ms(20), ack);  // one duplicate: not enough for recovery
  EXPECT_FALSE(connection->in_recovery());
  fire_timer_at(ms(210));
  EXPECT_EQ(pop().seq(), segment_at(0));
  EXPECT_TRUE(sink.sent.empty()) << "cwnd is one segment";
  deliver(ms(220), from_peer(0, {}, 1 + mss, 103));
  // cwnd 2 segments: segment 2 and 3 go; segment 1 is SACKed and skipped.
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(pop().seq(), segment_at(2));
  EXPECT_EQ(pop().seq(), segment_at(3));
}
