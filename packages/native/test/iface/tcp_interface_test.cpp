// TCP through the interface: RSTs for closed ports, listeners and accept, active opens driven by
// the timer wheel, resource bounds, loopback connections, and the event queue.
#include <gtest/gtest.h>

#include <cerrno>
#include <numeric>

#include "iface/interface_fixture.hpp"
#include "socket/tcp/syn_cookie.hpp"
#include "wire/tcp.hpp"
#include "wire/tcp_fixtures.hpp"

using namespace sluice;
using namespace sluice::testing;
using socket::tcp::TcpEventKind;
using socket::tcp::TcpState;
namespace flags = wire::tcp_flags;

namespace {

class TcpInterfaceTest : public InterfaceTest {
 protected:
  static iface::InterfaceConfig tcp_config() {
    iface::InterfaceConfig config = default_config();
    config.static_arp = {{peer_ip, peer_mac}};
    config.tcp.send_buffer = 16 * 1024;
    config.tcp.receive_buffer = 16 * 1024;
    config.tcp_connections = 4;
    config.tcp_buffer_pairs = 4;
    return config;
  }

  void SetUp() override { make(tcp_config()); }

  /// A segment from the peer's port 40000 to our port 80 (or as given), checksummed.
  void send_from_peer(Instant now, wire::TcpHeader header, const Bytes& payload = {}) {
    if (header.source_port == 0) header.source_port = 40000;
    if (header.destination_port == 0) header.destination_port = 80;
    Bytes segment(header.header_len() + payload.size());
    header.emit(segment);
    std::copy(payload.begin(), payload.end(), segment.begin() + static_cast<std::ptrdiff_t>(header.header_len()));
    wire::fill_tcp_checksum(segment, peer_ip, host_ip);
    receive(now, ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::tcp, segment)));
  }

  /// The TCP bytes of the next transmitted frame, after checking it goes to the peer.
  Bytes sent_tcp() {
    const Bytes frame = io.pop_sent();
    if (frame.size() < 34) return {};
    EXPECT_EQ(Bytes(frame.begin(), frame.begin() + 6), Bytes(peer_mac.octets.begin(), peer_mac.octets.end()));
    const auto ip = wire::Ipv4Packet::parse(std::span(const_cast<std::uint8_t*>(frame.data()) + 14, frame.size() - 14));
    EXPECT_TRUE(ip.has_value());
    EXPECT_EQ(ip->protocol(), 6);
    EXPECT_EQ(ip->destination(), peer_ip);
    EXPECT_TRUE(ip->header_checksum_valid());
    return Bytes(frame.begin() + 34, frame.end());
  }

  static wire::TcpSegment view(Bytes& bytes) {
    const auto segment = wire::TcpSegment::parse(bytes);
    EXPECT_TRUE(segment.has_value());
    EXPECT_EQ(segment->judge_checksum(host_ip, peer_ip, wire::ChecksumPolicy::verify), wire::ChecksumVerdict::valid);
    return *segment;
  }

  std::vector<iface::TcpEvent> events() {
    std::vector<iface::TcpEvent> out;
    iface::TcpEvent event;
    while (iface->tcp_next_event(event)) out.push_back(event);
    return out;
  }

  /// Listens on 80, takes the SYN fixture, completes the handshake; returns the accepted id and
  /// our ISS.
  std::pair<int, std::uint32_t> accept_one(Instant now) {
    const int listener = iface->tcp_listen({wire::Ipv4Address{}, 80}, 4);
    EXPECT_GE(listener, 0);
    receive(now, ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::tcp, fixtures::tcp_syn)));
    Bytes syn_ack = sent_tcp();
    const std::uint32_t iss = view(syn_ack).sequence();
    wire::TcpHeader ack;
    ack.sequence = 0x01020305;
    ack.acknowledgment = iss + 1;
    ack.flags = flags::ack;
    ack.window = 1024;
    ack.options.has_timestamps = true;
    ack.options.ts_value = 0xabce;
    ack.options.ts_echo_reply = view(syn_ack).options().ts_value;
    send_from_peer(now, ack);
    const auto ready = events();
    EXPECT_EQ(ready.size(), 1u);
    if (!ready.empty()) {
      EXPECT_EQ(ready[0].socket, listener);
      EXPECT_EQ(ready[0].kind, TcpEventKind::acceptable);
    }
    const int id = iface->tcp_accept(listener);
    EXPECT_GE(id, 0);
    return {id, iss};
  }
};

}  // namespace

TEST_F(TcpInterfaceTest, SynToAClosedPortIsAnsweredWithRstAck) {
  receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::tcp, fixtures::tcp_syn)));
  EXPECT_EQ(sent_tcp(), fixtures::tcp_rst_ack) << "seq 0, ACK of the SYN, byte for byte";
  EXPECT_EQ(iface->tcp_counters().resets_sent, 1u);
  EXPECT_EQ(iface->tcp_counters().drop_no_socket, 1u);
}

TEST_F(TcpInterfaceTest, AckToAClosedPortGetsARstAtItsAckAndRstsGetNothing) {
  wire::TcpHeader ack;
  ack.sequence = 77;
  ack.acknowledgment = 0x12345678;
  ack.flags = flags::ack;
  send_from_peer(at_ms(0), ack);
  Bytes rst = sent_tcp();
  EXPECT_EQ(view(rst).flags(), flags::rst);
  EXPECT_EQ(view(rst).sequence(), 0x12345678u);
  EXPECT_EQ(view(rst).source_port(), 80);
  EXPECT_EQ(view(rst).destination_port(), 40000);

  ack.flags = flags::rst | flags::ack;
  send_from_peer(at_ms(1), ack);
  EXPECT_TRUE(io.sent.empty()) << "never a RST for a RST";
}

TEST_F(TcpInterfaceTest, ListenAcceptAndExchangeData) {
  const int listener = iface->tcp_listen({wire::Ipv4Address{}, 80}, 4);
  ASSERT_GE(listener, 0);
  receive(at_ms(5), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::tcp, fixtures::tcp_syn)));
  Bytes syn_ack_bytes = sent_tcp();
  const wire::TcpSegment syn_ack = view(syn_ack_bytes);
  EXPECT_EQ(syn_ack.flags(), flags::syn | flags::ack);
  EXPECT_EQ(syn_ack.acknowledgment(), 0x01020305u);
  const wire::TcpOptions options = syn_ack.options();
  EXPECT_EQ(options.mss, 1460) << "MTU 1500 - 40";
  EXPECT_TRUE(options.sack_permitted);
  EXPECT_TRUE(options.has_window_scale);
  EXPECT_EQ(options.ts_echo_reply, 0xabcdu);
  EXPECT_EQ(syn_ack.window(), 16384);
  EXPECT_EQ(iface->tcp_accept(listener), -EAGAIN) << "not established yet";

  wire::TcpHeader ack;
  ack.sequence = 0x01020305;
  ack.acknowledgment = syn_ack.sequence() + 1;
  ack.flags = flags::ack;
  ack.window = 1024;  // scaled by 7: 128 KiB
  ack.options.has_timestamps = true;
  ack.options.ts_value = 0xabce;
  ack.options.ts_echo_reply = options.ts_value;
  send_from_peer(at_ms(6), ack);
  auto ready = events();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].kind, TcpEventKind::acceptable);
  const int id = iface->tcp_accept(listener);
  ASSERT_GE(id, 0);
  EXPECT_EQ(iface->tcp_state(id), TcpState::established);
  EXPECT_EQ(iface->tcp_accept(listener), -EAGAIN);

  ack.flags = flags::ack | flags::psh;
  ack.options.ts_value = 0xabcf;
  send_from_peer(at_ms(7), ack, {'h', 'e', 'l', 'l', 'o'});
  Bytes quick_ack = sent_tcp();
  EXPECT_EQ(view(quick_ack).acknowledgment(), 0x0102030au);
  ready = events();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].socket, id);
  EXPECT_EQ(ready[0].kind, TcpEventKind::readable);
  Bytes out(16);
  EXPECT_EQ(iface->tcp_receive(id, out), 5);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 5), Bytes({'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(iface->tcp_receive(id, out), -EAGAIN);

  const Bytes world = {'w', 'o', 'r', 'l', 'd'};
  EXPECT_EQ(iface->tcp_send(at_ms(8), id, world), 5);
  Bytes data = sent_tcp();
  const wire::TcpSegment reply = view(data);
  EXPECT_EQ(reply.sequence(), syn_ack.sequence() + 1);
  EXPECT_EQ(Bytes(reply.payload().begin(), reply.payload().end()), world);
  EXPECT_EQ(iface->tcp_counters().passive_opens, 1u);
  EXPECT_EQ(iface->tcp_counters().accepted, 1u);
  EXPECT_EQ(iface->tcp_send(at_ms(8), listener, world), -EBADF) << "a listener carries no data";
}

TEST_F(TcpInterfaceTest, BacklogBoundsHandshakesInProgress) {
  iface::InterfaceConfig config = tcp_config();
  config.tcp.syn_cookies = false;
  make(config);
  ASSERT_GE(iface->tcp_listen({host_ip, 80}, 1), 0);
  wire::TcpHeader syn;
  syn.sequence = 1;
  syn.flags = flags::syn;
  send_from_peer(at_ms(0), syn);
  Bytes syn_ack = sent_tcp();
  EXPECT_EQ(view(syn_ack).flags(), flags::syn | flags::ack);
  syn.source_port = 40001;
  send_from_peer(at_ms(0), syn);
  EXPECT_TRUE(io.sent.empty()) << "the second SYN is dropped; its sender retries";
  EXPECT_EQ(iface->tcp_counters().drop_backlog_full, 1u);
  EXPECT_EQ(iface->tcp_counters().syns_received, 2u);
}

// SYN cookies: the listener's backlog of 1 is taken by a handshake in progress, so the next SYN
// is answered statelessly; its ACK creates the connection, forged and stale ones get a RST.
class TcpSynCookieTest : public TcpInterfaceTest {
 protected:
  /// Fills the backlog-1 listener with a handshake from port 40000 and sends a SYN from
  /// `port` with every option; returns the cookie SYN-ACK.
  Bytes cookie_syn_ack(Instant now, std::uint16_t port) {
    if (iface->tcp_counters().syns_received == 0) {
      EXPECT_GE(iface->tcp_listen({host_ip, 80}, 1), 0);
      wire::TcpHeader first;
      first.sequence = 1;
      first.flags = flags::syn;
      send_from_peer(now, first);
      sent_tcp();
    }
    wire::TcpHeader syn;
    syn.source_port = port;
    syn.sequence = 5000;
    syn.flags = flags::syn;
    syn.window = 65535;
    syn.options.has_mss = true;
    syn.options.mss = 1400;
    syn.options.has_window_scale = true;
    syn.options.window_scale = 7;
    syn.options.sack_permitted = true;
    syn.options.has_timestamps = true;
    syn.options.ts_value = 77;
    send_from_peer(now, syn);
    return io.sent.empty() ? Bytes{} : sent_tcp();
  }

  void ack_cookie(Instant now, std::uint16_t port, std::uint32_t ack_number, const Bytes& payload = {}) {
    wire::TcpHeader ack;
    ack.source_port = port;
    ack.sequence = 5001;
    ack.acknowledgment = ack_number;
    ack.flags = flags::ack;
    ack.window = 4000;
    send_from_peer(now, ack, payload);
  }
};

TEST(SynCookies, EncodeTheMssAndCheckTupleIsnAndAge) {
  const socket::tcp::SynCookies cookies(42);
  const socket::tcp::FourTuple tuple{{host_ip, 80}, {peer_ip, 40000}};
  const socket::tcp::FourTuple other{{host_ip, 80}, {peer_ip, 40001}};
  const Instant t0 = at_ms(1000);
  const std::uint32_t cookie = cookies.make(t0, tuple, 5000, 1400);
  EXPECT_EQ(cookies.check(t0, tuple, 5000, cookie), std::optional<std::uint16_t>(1360));
  EXPECT_EQ(cookies.check(t0 + Duration::seconds(64), tuple, 5000, cookie), std::optional<std::uint16_t>(1360))
      << "valid in the next tick";
  EXPECT_EQ(cookies.check(t0 + Duration::seconds(128), tuple, 5000, cookie), std::nullopt) << "stale after two";
  EXPECT_EQ(cookies.check(t0, other, 5000, cookie), std::nullopt) << "another 4-tuple";
  EXPECT_EQ(cookies.check(t0, tuple, 5001, cookie), std::nullopt) << "another peer ISN";
  for (int bit = 0; bit < 32; ++bit) {
    EXPECT_EQ(cookies.check(t0, tuple, 5000, cookie ^ (1u << bit)), std::nullopt) << "bit " << bit;
  }
  EXPECT_NE(socket::tcp::SynCookies(43).make(t0, tuple, 5000, 1400), cookie) << "keyed by the secret";
  EXPECT_EQ(socket::tcp::SynCookies::encodable_mss(1460), 1460);
  EXPECT_EQ(socket::tcp::SynCookies::encodable_mss(9000), 8960);
  EXPECT_EQ(socket::tcp::SynCookies::encodable_mss(100), 536);
}

TEST_F(TcpSynCookieTest, AFullSynQueueAnswersWithACookieCarryingOnlyMss) {
  Bytes syn_ack = cookie_syn_ack(at_ms(0), 40001);
  const wire::TcpSegment reply = view(syn_ack);
  EXPECT_EQ(reply.flags(), flags::syn | flags::ack);
  EXPECT_EQ(reply.acknowledgment(), 5001u);
  const wire::TcpOptions options = reply.options();
  EXPECT_TRUE(options.has_mss);
  EXPECT_FALSE(options.has_window_scale);
  EXPECT_FALSE(options.sack_permitted);
  EXPECT_FALSE(options.has_timestamps);
  EXPECT_EQ(iface->tcp_counters().syn_cookies_sent, 1u);
  EXPECT_EQ(iface->tcp_counters().drop_backlog_full, 0u);
  EXPECT_EQ(iface->tcp_connections_in_use(), 1u) << "no state for the cookie";
}

TEST_F(TcpSynCookieTest, AGenuineCookieAckCreatesTheConnectionWithItsData) {
  Bytes syn_ack = cookie_syn_ack(at_ms(0), 40001);
  const std::uint32_t cookie = view(syn_ack).sequence();
  ack_cookie(at_ms(30), 40001, cookie + 1, {'h', 'i'});
  EXPECT_EQ(iface->tcp_counters().syn_cookies_accepted, 1u);
  const int listener = iface->tcp_listener_id(0);
  const int id = iface->tcp_accept(listener);
  ASSERT_GE(id, 0);
  EXPECT_EQ(iface->tcp_state(id), TcpState::established);
  const socket::tcp::Connection* connection = iface->tcp_connection(id);
  EXPECT_EQ(connection->send_mss(), 1360) << "the cookie's MSS, the table entry below the peer's 1400";
  EXPECT_FALSE(connection->sack_enabled());
  EXPECT_FALSE(connection->timestamps_enabled());
  EXPECT_EQ(connection->send_window_scale(), 0);
  EXPECT_EQ(connection->send_window(), 4000u);
  Bytes out(16);
  EXPECT_EQ(iface->tcp_receive(id, out), 2);
  EXPECT_EQ(out[0], 'h');
  EXPECT_EQ(iface->tcp_send(at_ms(31), id, Bytes{'o', 'k'}), 2);
  while (!io.sent.empty()) {
    Bytes data = sent_tcp();
    const wire::TcpSegment segment = view(data);
    if (segment.payload().empty()) continue;  // the ACK of "hi"
    EXPECT_EQ(segment.sequence(), cookie + 1) << "our sequence space starts at the cookie";
    EXPECT_EQ(segment.acknowledgment(), 5003u);
  }
}

TEST_F(TcpSynCookieTest, ForgedAndStaleCookieAcksAreResetAndCounted) {
  Bytes syn_ack = cookie_syn_ack(at_ms(0), 40001);
  const std::uint32_t cookie = view(syn_ack).sequence();
  ack_cookie(at_ms(10), 40002, cookie + 1);  // the right cookie from the wrong port
  Bytes reset = sent_tcp();
  EXPECT_EQ(view(reset).flags(), flags::rst);
  EXPECT_EQ(view(reset).sequence(), cookie + 1);
  ack_cookie(at_ms(10), 40001, cookie + 2);  // a guess one off
  EXPECT_EQ(view(reset = sent_tcp()).flags(), flags::rst);
  EXPECT_EQ(iface->tcp_counters().syn_cookies_rejected, 2u);
  // Two ticks later the cookie is stale, even though a newer cookie keeps cookies in use.
  cookie_syn_ack(at_ms(130'000), 40003);
  ack_cookie(at_ms(130'000), 40001, cookie + 1);
  EXPECT_EQ(view(reset = sent_tcp()).flags(), flags::rst);
  EXPECT_EQ(iface->tcp_counters().syn_cookies_rejected, 3u);
  EXPECT_EQ(iface->tcp_counters().syn_cookies_accepted, 0u);
  EXPECT_EQ(iface->tcp_accept(iface->tcp_listener_id(0)), -EAGAIN);
}

TEST_F(TcpSynCookieTest, CookiesAreOffWhenConfiguredOff) {
  iface::InterfaceConfig config = tcp_config();
  config.tcp.syn_cookies = false;
  make(config);
  EXPECT_TRUE(cookie_syn_ack(at_ms(0), 40001).empty());
  EXPECT_EQ(iface->tcp_counters().drop_backlog_full, 1u);
  EXPECT_EQ(iface->tcp_counters().syn_cookies_sent, 0u);
}

TEST_F(TcpInterfaceTest, ActiveOpenIsRetransmittedByTheTimerWheelAndCompletes) {
  const int id = iface->tcp_connect(at_ms(0), {peer_ip, 80});
  ASSERT_GE(id, 0);
  EXPECT_EQ(iface->tcp_state(id), TcpState::syn_sent);
  Bytes syn = sent_tcp();
  EXPECT_EQ(view(syn).flags(), flags::syn);
  EXPECT_EQ(view(syn).destination_port(), 80);
  const std::uint16_t our_port = view(syn).source_port();
  EXPECT_GE(our_port, 49152);
  EXPECT_EQ(iface->next_deadline(), at_ms(1000));
  iface->poll(at_ms(999));
  EXPECT_TRUE(io.sent.empty());
  iface->poll(at_ms(1000));
  Bytes again = sent_tcp();
  EXPECT_EQ(view(again).sequence(), view(syn).sequence());

  wire::TcpHeader syn_ack;
  syn_ack.source_port = 80;
  syn_ack.destination_port = our_port;
  syn_ack.sequence = 9000;
  syn_ack.acknowledgment = view(syn).sequence() + 1;
  syn_ack.flags = flags::syn | flags::ack;
  syn_ack.window = 8192;
  send_from_peer(at_ms(1001), syn_ack);
  Bytes ack = sent_tcp();
  EXPECT_EQ(view(ack).acknowledgment(), 9001u);
  EXPECT_EQ(iface->tcp_state(id), TcpState::established);
  const auto ready = events();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].kind, TcpEventKind::connected);
  EXPECT_EQ(iface->next_deadline(), Instant::never());
  EXPECT_EQ(iface->tcp_connection(id)->send_mss(), 536) << "no MSS option: the RFC 9293 default";
}

TEST_F(TcpInterfaceTest, SlotsAndBuffersBoundConnections) {
  std::vector<int> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(iface->tcp_connect(at_ms(0), {peer_ip, 80}));
    ASSERT_GE(ids.back(), 0);
    io.pop_sent();
  }
  EXPECT_EQ(iface->tcp_connect(at_ms(0), {peer_ip, 80}), -EMFILE);
  EXPECT_EQ(iface->tcp_connections_in_use(), 4u);
  EXPECT_EQ(iface->tcp_close(at_ms(1), ids[0]), 0);
  EXPECT_EQ(iface->tcp_connections_in_use(), 3u) << "a SYN-SENT connection just ends";
  EXPECT_EQ(iface->tcp_buffers_available(), 1u);
  EXPECT_EQ(iface->tcp_close(at_ms(1), ids[0]), -EBADF);
  EXPECT_GE(iface->tcp_connect(at_ms(1), {peer_ip, 80}), 0);
  io.pop_sent();
  EXPECT_EQ(iface->tcp_connect(at_ms(1), {far_ip, 80}), -ENETUNREACH) << "no gateway";
  EXPECT_EQ(iface->tcp_connect(at_ms(1), {peer_ip, 0}), -EINVAL);
}

TEST_F(TcpInterfaceTest, ResetByThePeerIsReportedAndTheIdStaysUntilClosed) {
  const auto [id, iss] = accept_one(at_ms(0));
  wire::TcpHeader rst;
  rst.sequence = 0x01020305;
  rst.flags = flags::rst;
  send_from_peer(at_ms(1), rst);
  const auto ready = events();
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].kind, TcpEventKind::reset);
  EXPECT_EQ(ready[0].error, ECONNRESET);
  EXPECT_EQ(ready[1].kind, TcpEventKind::closed);
  EXPECT_EQ(iface->tcp_state(id), TcpState::closed);
  Bytes out(4);
  EXPECT_EQ(iface->tcp_receive(id, out), -ECONNRESET);
  EXPECT_EQ(iface->tcp_connections_in_use(), 1u) << "the id is the application's until it closes it";
  iface->tcp_close(at_ms(2), id);
  EXPECT_EQ(iface->tcp_connections_in_use(), 0u);
  EXPECT_EQ(iface->tcp_buffers_available(), 4u);
}

TEST_F(TcpInterfaceTest, ClosingAListenerResetsConnectionsNotYetAccepted) {
  const int listener = iface->tcp_listen({wire::Ipv4Address{}, 80}, 4);
  receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::tcp, fixtures::tcp_syn)));
  Bytes syn_ack = sent_tcp();
  EXPECT_EQ(iface->tcp_connections_in_use(), 1u);
  EXPECT_EQ(iface->tcp_close(at_ms(1), listener), 0);
  Bytes rst = sent_tcp();
  EXPECT_EQ(view(rst).flags(), flags::rst);
  EXPECT_EQ(view(rst).sequence(), view(syn_ack).sequence() + 1);
  EXPECT_EQ(iface->tcp_connections_in_use(), 0u);
  EXPECT_EQ(iface->tcp_accept(listener), -EBADF);
}

TEST_F(TcpInterfaceTest, ClosedConnectionFinishesOnItsOwnThroughTimeWait) {
  const auto [id, iss] = accept_one(at_ms(0));
  EXPECT_EQ(iface->tcp_close(at_ms(10), id), 0);
  Bytes fin = sent_tcp();
  EXPECT_EQ(view(fin).flags(), flags::fin | flags::ack);
  wire::TcpHeader fin_ack;
  fin_ack.sequence = 0x01020305;
  fin_ack.acknowledgment = iss + 2;
  fin_ack.flags = flags::fin | flags::ack;
  fin_ack.window = 1024;
  send_from_peer(at_ms(11), fin_ack);
  Bytes last_ack = sent_tcp();
  EXPECT_EQ(view(last_ack).acknowledgment(), 0x01020306u);
  EXPECT_EQ(iface->tcp_connections_in_use(), 1u) << "TIME-WAIT keeps the slot";
  EXPECT_EQ(iface->tcp_buffers_available(), 4u) << "but not the buffers";
  EXPECT_TRUE(events().empty()) << "a closed id gets no events";
  EXPECT_EQ(iface->tcp_counters().connections_open, 0u) << "TIME-WAIT is not open";
  iface->poll(at_ms(11) + Duration::seconds(60));
  EXPECT_EQ(iface->tcp_connections_in_use(), 0u);
}

TEST_F(TcpInterfaceTest, ConnectionToOurOwnAddressRunsOverLoopback) {
  const int listener = iface->tcp_listen({wire::Ipv4Address{}, 7000}, 4);
  const int client = iface->tcp_connect(at_ms(0), {host_ip, 7000});
  ASSERT_GE(client, 0);
  EXPECT_TRUE(io.sent.empty()) << "nothing goes to the wire";
  EXPECT_EQ(iface->tcp_state(client), TcpState::established);
  const int server = iface->tcp_accept(listener);
  ASSERT_GE(server, 0);
  const Bytes message = pattern(3000, 1);
  EXPECT_EQ(iface->tcp_send(at_ms(1), client, message), 3000);
  Bytes out(4000);
  long got = 0;
  for (int i = 0; i < 4 && got < 3000; ++i) {
    iface->poll(at_ms(2 + i));
    const long n = iface->tcp_receive(server, std::span(out).subspan(static_cast<std::size_t>(got)));
    if (n > 0) got += n;
  }
  EXPECT_EQ(got, 3000);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 3000), message);
  EXPECT_TRUE(io.sent.empty());
}

TEST_F(TcpInterfaceTest, CorruptSegmentsAreDroppedByChecksum) {
  Bytes syn = fixtures::tcp_syn;
  syn[5] ^= 0x40;
  receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::tcp, syn)));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(iface->tcp_counters().drop_bad_checksum, 1u);
  receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::tcp, Bytes(19, 0))));
  EXPECT_EQ(iface->tcp_counters().drop_bad_header, 1u);
}

TEST_F(TcpInterfaceTest, NewerSynReplacesATimeWaitConnection) {
  const auto [id, iss] = accept_one(at_ms(0));
  iface->tcp_close(at_ms(10), id);
  io.pop_sent();  // our FIN
  wire::TcpHeader fin_ack;
  fin_ack.sequence = 0x01020305;
  fin_ack.acknowledgment = iss + 2;
  fin_ack.flags = flags::fin | flags::ack;
  fin_ack.window = 1024;
  fin_ack.options.has_timestamps = true;
  fin_ack.options.ts_value = 0xabd0;
  send_from_peer(at_ms(11), fin_ack);
  io.pop_sent();  // our ACK of the peer's FIN
  ASSERT_EQ(iface->tcp_connections_in_use(), 1u) << "TIME-WAIT";

  wire::TcpHeader stale;
  stale.sequence = 0x01020305 + 100000;
  stale.flags = flags::syn;
  stale.options.has_timestamps = true;
  stale.options.ts_value = 0xabcf;  // older than what the old connection saw
  send_from_peer(at_ms(20), stale);
  Bytes answer = sent_tcp();
  EXPECT_EQ(view(answer).flags(), flags::ack) << "an old SYN gets TIME-WAIT's ACK, not a new connection";
  EXPECT_EQ(iface->tcp_counters().time_wait_reused, 0u);

  wire::TcpHeader fresh = stale;
  fresh.options.ts_value = 0xac00;
  send_from_peer(at_ms(30), fresh);
  Bytes syn_ack = sent_tcp();
  EXPECT_EQ(view(syn_ack).flags(), flags::syn | flags::ack);
  EXPECT_EQ(view(syn_ack).acknowledgment(), 0x01020305u + 100001);
  EXPECT_EQ(iface->tcp_counters().time_wait_reused, 1u);
  EXPECT_EQ(iface->tcp_connections_in_use(), 1u) << "the new incarnation";
}

TEST_F(TcpInterfaceTest, FullTableReclaimsTheOldestTimeWaitNobodyHolds) {
  iface::InterfaceConfig config = tcp_config();
  config.tcp_connections = 1;
  make(config);
  const auto [id, iss] = accept_one(at_ms(0));
  iface->tcp_close(at_ms(10), id);
  io.pop_sent();
  wire::TcpHeader fin_ack;
  fin_ack.sequence = 0x01020305;
  fin_ack.acknowledgment = iss + 2;
  fin_ack.flags = flags::fin | flags::ack;
  fin_ack.window = 1024;
  send_from_peer(at_ms(11), fin_ack);
  io.pop_sent();
  ASSERT_EQ(iface->tcp_connections_in_use(), 1u);
  const int next = iface->tcp_connect(at_ms(12), {peer_ip, 443});
  EXPECT_GE(next, 0) << "the TIME-WAIT slot was reclaimed";
  io.pop_sent();
}

TEST_F(TcpInterfaceTest, StackCountsOpenConnectionsRetransmissionsAndRoundTrips) {
  const auto [id, iss] = accept_one(at_ms(0));
  EXPECT_EQ(iface->tcp_counters().connections_open, 1u);
  const auto& rtt = iface->tcp_rtt_histogram().counts;
  const auto samples = [&] { return std::accumulate(rtt.begin(), rtt.end(), std::uint64_t{0}); };
  const std::uint64_t samples_before = samples();
  const std::uint64_t sum_before = iface->tcp_rtt_histogram().sum_us;

  const Bytes hello = {'h', 'e', 'l', 'l', 'o'};
  ASSERT_EQ(iface->tcp_send(at_ms(10), id, hello), 5);
  Bytes data = sent_tcp();
  wire::TcpHeader ack;
  ack.sequence = 0x01020305;
  ack.acknowledgment = iss + 1 + 5;
  ack.flags = flags::ack;
  ack.window = 1024;
  ack.options.has_timestamps = true;
  ack.options.ts_value = 0xabcf;
  ack.options.ts_echo_reply = view(data).options().ts_value;
  send_from_peer(at_ms(11), ack);
  EXPECT_EQ(samples(), samples_before + 1) << "one round trip timed";
  EXPECT_EQ(rtt[7], 1u) << "1 ms lies in (512 us, 1024 us]";
  EXPECT_EQ(iface::TcpRttHistogram::upper_bound_us(7), 1024u);
  EXPECT_EQ(iface->tcp_rtt_histogram().sum_us - sum_before, 1000u);

  ASSERT_EQ(iface->tcp_send(at_ms(20), id, hello), 5);
  Bytes first = sent_tcp();
  Instant now = at_ms(20);
  while (io.sent.empty() && now < at_ms(5000)) iface->poll(now = now + Duration::millis(10));
  Bytes again = sent_tcp();
  EXPECT_EQ(view(again).sequence(), view(first).sequence()) << "the RTO resent the same data";
  EXPECT_EQ(iface->tcp_counters().segments_retransmitted, 1u);
  EXPECT_EQ(iface->tcp_counters().bytes_retransmitted, 5u);

  wire::TcpHeader rst;
  rst.sequence = 0x01020305;
  rst.flags = flags::rst;
  send_from_peer(now, rst);
  EXPECT_EQ(iface->tcp_counters().connections_open, 0u) << "a reset connection is no longer open";
}
