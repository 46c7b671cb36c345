// Opening: active, passive and simultaneous; option negotiation; SYN retransmission and its limit;
// the SYN-SENT checks of RFC 9293 3.10.7.3 and RFC 5961 3.2.
#include <cerrno>

#include "socket/tcp/connection_fixture.hpp"

using namespace sluice;
using namespace sluice::testing;

TEST_F(ConnectionTest, ActiveOpenSendsSynWithOptionsAndAcknowledgesTheSynAck) {
  connection->connect(ms(0), our_iss);
  EXPECT_EQ(connection->state(), TcpState::syn_sent);
  const SentSegment syn = pop();
  EXPECT_EQ(syn.seq(), our_iss);
  EXPECT_EQ(syn.flags(), flags::syn);
  EXPECT_EQ(syn.header.source_port, 80);
  EXPECT_EQ(syn.header.destination_port, 40000);
  EXPECT_EQ(syn.header.window, 32768) << "the whole receive buffer, unscaled";
  EXPECT_TRUE(syn.header.options.has_mss);
  EXPECT_EQ(syn.header.options.mss, 1460);
  EXPECT_TRUE(syn.header.options.sack_permitted);
  EXPECT_TRUE(syn.header.options.has_window_scale);
  EXPECT_EQ(syn.header.options.window_scale, 0) << "32 KiB needs no scaling";
  EXPECT_TRUE(syn.header.options.has_timestamps);
  EXPECT_EQ(syn.header.options.ts_echo_reply, 0u);
  EXPECT_EQ(connection->next_deadline(), ms(1000)) << "initial RTO 1 s";

  deliver(ms(3), {.seq = peer_iss, .ack = our_iss + 1, .flags = flags::syn | flags::ack, .window = 65535,
                  .options = peer_syn_options(100, 0)});
  EXPECT_EQ(connection->state(), TcpState::established);
  const SentSegment ack = pop();
  EXPECT_EQ(ack.seq(), our_iss + 1);
  EXPECT_EQ(ack.ack(), peer_iss + 1);
  EXPECT_EQ(ack.flags(), flags::ack);
  EXPECT_EQ(ack.header.window, 32768);
  EXPECT_EQ(ack.header.options.ts_value, 3u);
  EXPECT_EQ(ack.header.options.ts_echo_reply, 100u);
  EXPECT_FALSE(ack.header.options.has_mss) << "MSS only in SYNs";
  EXPECT_EQ(connection->send_mss(), 1460);
  EXPECT_EQ(connection->send_window_scale(), 7);
  EXPECT_EQ(connection->receive_window_scale(), 0);
  EXPECT_TRUE(connection->sack_enabled());
  EXPECT_TRUE(connection->timestamps_enabled());
  EXPECT_EQ(connection->send_window(), 65535u) << "a SYN-ACK's window is never scaled";
  EXPECT_EQ(connection->rtt().srtt(), Duration::millis(3)) << "the SYN was timed";
  EXPECT_EQ(connection->congestion().cwnd(), 10u * 1448) << "IW10 of the effective MSS (1460 - 12 for timestamps)";
  EXPECT_EQ(connection->next_deadline(), Instant::never()) << "nothing outstanding";
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].first, TcpEventKind::connected);
  EXPECT_EQ(sink.states, (std::vector<TcpState>{TcpState::syn_sent, TcpState::established}));
}

TEST_F(ConnectionTest, PassiveOpenAnswersOnlyTheOptionsOffered) {
  wire::TcpOptions offered;
  offered.has_mss = true;
  offered.mss = 1200;
  PeerSegment syn{.seq = peer_iss, .ack = 0, .flags = flags::syn, .window = 8192, .options = offered};
  wire::TcpHeader header;
  header.source_port = 40000;
  header.destination_port = 80;
  header.sequence = syn.seq;
  header.flags = syn.flags;
  header.window = syn.window;
  header.options = syn.options;
  Bytes bytes(header.header_len());
  header.emit(bytes);
  const auto segment = wire::TcpSegment::parse(bytes);
  connection->accept_syn(ms(0), our_iss, *segment, segment->options());
  EXPECT_EQ(connection->state(), TcpState::syn_received);
  EXPECT_TRUE(connection->passive());

  const SentSegment syn_ack = pop();
  EXPECT_EQ(syn_ack.seq(), our_iss);
  EXPECT_EQ(syn_ack.ack(), peer_iss + 1);
  EXPECT_EQ(syn_ack.flags(), flags::syn | flags::ack);
  EXPECT_EQ(syn_ack.header.options.mss, 1460);
  EXPECT_FALSE(syn_ack.header.options.has_window_scale);
  EXPECT_FALSE(syn_ack.header.options.sack_permitted);
  EXPECT_FALSE(syn_ack.header.options.has_timestamps);
  EXPECT_EQ(connection->send_mss(), 1200);
  EXPECT_FALSE(connection->sack_enabled());

  deliver(ms(2), {.seq = peer_iss + 1, .ack = our_iss + 1, .flags = flags::ack, .window = 4000});
  EXPECT_EQ(connection->state(), TcpState::established);
  EXPECT_EQ(connection->send_window(), 4000u) << "no scaling negotiated";
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].first, TcpEventKind::connected);
  EXPECT_EQ(connection->rtt().srtt(), Duration::millis(2));
}

TEST_F(ConnectionTest, RetransmittedSynInSynReceivedGetsTheSynAckAgain) {
  PeerSegment syn{.seq = peer_iss, .ack = 0, .flags = flags::syn, .window = 8192};
  wire::TcpHeader header;
  header.source_port = 40000;
  header.destination_port = 80;
  header.sequence = syn.seq;
  header.flags = flags::syn;
  Bytes bytes(20);
  header.emit(bytes);
  const auto segment = wire::TcpSegment::parse(bytes);
  connection->accept_syn(ms(0), our_iss, *segment, segment->options());
  pop();
  deliver(ms(500), syn);
  const SentSegment again = pop();
  EXPECT_EQ(again.flags(), flags::syn | flags::ack);
  EXPECT_EQ(again.seq(), our_iss);
  deliver(ms(600), {.seq = peer_iss + 1, .ack = our_iss + 2, .flags = flags::ack});
  const SentSegment rst = pop();
  EXPECT_EQ(rst.flags(), flags::rst) << "an ACK of something never sent in SYN-RECEIVED";
  EXPECT_EQ(rst.seq(), our_iss + 2);
  EXPECT_EQ(connection->state(), TcpState::syn_received);
}

TEST_F(ConnectionTest, SynIsRetransmittedWithBackoffThenGivesUp) {
  connection->connect(ms(0), our_iss);
  pop();
  const std::uint64_t expected_at[] = {1000, 3000, 7000, 15000, 31000, 63000};
  for (const std::uint64_t at : expected_at) {
    fire_timer_at(ms(at));
    const SentSegment syn = pop();
    EXPECT_EQ(syn.flags(), flags::syn);
    EXPECT_EQ(syn.seq(), our_iss);
  }
  fire_timer_at(ms(127000));
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(connection->error(), ETIMEDOUT);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0], std::make_pair(TcpEventKind::error, ETIMEDOUT));
  EXPECT_EQ(sink.events[1], std::make_pair(TcpEventKind::closed, ETIMEDOUT));
  EXPECT_EQ(connection->counters().timeouts, 6u);
}

TEST_F(ConnectionTest, SynTimeoutRaisesTheRtoToThreeSecondsWhenNoSampleExists) {
  connection->connect(ms(0), our_iss);
  pop();
  fire_timer_at(ms(1000));
  pop();
  // The SYN-ACK echoes no timestamp and the SYN was retransmitted: no RTT sample (Karn).
  wire::TcpOptions options = peer_syn_options(100, 0);
  deliver(ms(1100), {.seq = peer_iss, .ack = our_iss + 1, .flags = flags::syn | flags::ack, .options = options});
  pop();
  EXPECT_FALSE(connection->rtt().has_sample());
  EXPECT_EQ(connection->rtt().timeout(), Duration::seconds(3)) << "RFC 6298 5.7";
}

TEST_F(ConnectionTest, SynSentRejectsBadAcksAndAcceptsOnlyAcknowledgingResets) {
  connection->connect(ms(0), our_iss);
  pop();
  deliver(ms(1), {.seq = peer_iss, .ack = our_iss, .flags = flags::syn | flags::ack});
  const SentSegment rst = pop();
  EXPECT_EQ(rst.flags(), flags::rst) << "ACK of our ISS itself: unacceptable";
  EXPECT_EQ(rst.seq(), our_iss);
  EXPECT_EQ(connection->state(), TcpState::syn_sent);

  deliver(ms(2), {.seq = 0, .ack = 0, .flags = flags::rst});
  EXPECT_EQ(connection->state(), TcpState::syn_sent) << "a RST without an ACK is ignored";
  deliver(ms(3), {.seq = 0, .ack = our_iss + 5, .flags = flags::rst | flags::ack});
  EXPECT_EQ(connection->state(), TcpState::syn_sent) << "a RST acknowledging something else is ignored";
  deliver(ms(4), {.seq = 0, .ack = our_iss + 1, .flags = flags::rst | flags::ack});
  EXPECT_EQ(connection->state(), TcpState::closed);
  EXPECT_EQ(connection->error(), ECONNREFUSED);
  EXPECT_EQ(sink.events[0], std::make_pair(TcpEventKind::reset, ECONNREFUSED));
}

TEST_F(ConnectionTest, SimultaneousOpenGoesThroughSynReceived) {
  connection->connect(ms(0), our_iss);
  pop();
  deliver(ms(1), {.seq = peer_iss, .ack = 0, .flags = flags::syn, .options = peer_syn_options(100, 0)});
  EXPECT_EQ(connection->state(), TcpState::syn_received);
  const SentSegment syn_ack = pop();
  EXPECT_EQ(syn_ack.flags(), flags::syn | flags::ack);
  EXPECT_EQ(syn_ack.seq(), our_iss) << "the same ISS again";
  EXPECT_EQ(syn_ack.ack(), peer_iss + 1);
  EXPECT_TRUE(syn_ack.header.options.has_timestamps);
  EXPECT_EQ(syn_ack.header.options.ts_echo_reply, 100u);

  deliver(ms(2), {.seq = peer_iss + 1, .ack = our_iss + 1, .flags = flags::ack, .window = 512,
                  .options = timestamps(101, 1)});
  EXPECT_EQ(connection->state(), TcpState::established);
  EXPECT_EQ(connection->send_window(), 512u << 7);
  EXPECT_FALSE(connection->passive());
}

TEST_F(ConnectionTest, WindowScaleFollowsTheReceiveBuffer) {
  TcpConfig config = small_config();
  config.receive_buffer = 1024 * 1024;  // 2^20: a shift of 5 brings it under 65536
  make(config);
  connection->connect(ms(0), our_iss);
  const SentSegment syn = pop();
  EXPECT_EQ(syn.header.options.window_scale, 5);
  EXPECT_EQ(syn.header.window, 65535) << "SYN windows are capped, not scaled";
  deliver(ms(1), {.seq = peer_iss, .ack = our_iss + 1, .flags = flags::syn | flags::ack,
                  .options = peer_syn_options(100, 0)});
  const SentSegment ack = pop();
  EXPECT_EQ(ack.header.window, (1024 * 1024) >> 5);
}
