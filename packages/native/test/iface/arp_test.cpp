#include <gtest/gtest.h>

#include "iface/interface_fixture.hpp"
#include "wire/fixtures.hpp"

using namespace sluice;
using namespace sluice::testing;
using wire::ArpOperation;

namespace {
const Bytes arp_request_from_host_for_peer = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,  // ethernet
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,                                      // request
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01,                          // sender: host
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02};                         // target: peer

Bytes arp_reply_from_peer() {
  return arp(ArpOperation::reply, peer_mac, peer_ip, host_mac, host_ip, host_mac);
}
}  // namespace

class InterfaceArp : public InterfaceTest {};

TEST_F(InterfaceArp, AnswersRequestForOurAddressInPlace) {
  const Bytes request = fixtures::arp_request_for_host;
  receive(at_ms(0), request);
  const Bytes expected = {
      0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,  // to the asker
      0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,                                      // reply
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01,                          // sender: us
      0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x02};                         // target: asker
  EXPECT_EQ(io.pop_sent(), expected);
  EXPECT_EQ(counters().arp_requests_received, 1u);
  EXPECT_EQ(counters().arp_replies_sent, 1u);
  EXPECT_EQ(io.released_count, 0u) << "the request frame itself carried the reply";
  EXPECT_EQ(iface->arp_lookup(at_ms(0), peer_ip), peer_mac) << "a request aimed at us teaches us the sender";
}

TEST_F(InterfaceArp, AnswersPaddedRequestWithA42ByteReply) {
  Bytes request = fixtures::arp_request_for_host;
  request.resize(60, 0);
  receive(at_ms(0), request);
  EXPECT_EQ(io.pop_sent().size(), 42u);
}

TEST_F(InterfaceArp, IgnoresRequestsForOtherHostsAndDoesNotLearnFromThem) {
  receive(at_ms(0), arp(ArpOperation::request, peer_mac, peer_ip, {}, wire::Ipv4Address::from_octets(198, 18, 0, 9)));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(counters().arp_not_for_us, 1u);
  EXPECT_FALSE(iface->arp_lookup(at_ms(0), peer_ip).has_value());
}

TEST_F(InterfaceArp, GratuitousArpUpdatesOnlyExistingEntries) {
  const wire::MacAddress moved{{0x02, 0, 0, 0, 0, 0x22}};
  receive(at_ms(0), arp(ArpOperation::request, peer_mac, peer_ip, {}, peer_ip));  // gratuitous, unknown sender
  EXPECT_FALSE(iface->arp_lookup(at_ms(0), peer_ip).has_value());
  receive(at_ms(1), fixtures::arp_request_for_host);  // learn the peer
  io.pop_sent();
  receive(at_ms(2), arp(ArpOperation::reply, moved, peer_ip, wire::MacAddress::broadcast(), peer_ip));
  EXPECT_EQ(iface->arp_lookup(at_ms(2), peer_ip), moved) << "RFC 826 merge: a known sender's MAC is updated";
  EXPECT_EQ(counters().arp_not_for_us, 2u);
}

TEST_F(InterfaceArp, StaticEntriesAreNeverOverwrittenNorExpire) {
  auto config = default_config();
  config.static_arp = {{peer_ip, peer_mac}};
  make(config);
  receive(at_ms(0), arp(ArpOperation::reply, {{0x02, 0, 0, 0, 0, 0x66}}, peer_ip, host_mac, host_ip, host_mac));
  EXPECT_EQ(iface->arp_lookup(at_ms(0), peer_ip), peer_mac);
  EXPECT_EQ(iface->arp_lookup(at_ms(10'000'000), peer_ip), peer_mac);
}

TEST_F(InterfaceArp, CountsConflictsAndDoesNotAnswerThem) {
  receive(at_ms(0), arp(ArpOperation::request, peer_mac, host_ip, {}, host_ip));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(counters().arp_address_conflicts, 1u);
}

TEST_F(InterfaceArp, DropsMalformedArp) {
  Bytes bad = fixtures::arp_request_for_host;
  bad[14 + 5] = 16;  // protocol address length
  receive(at_ms(0), bad);
  Bytes truncated = fixtures::arp_request_for_host;
  truncated.resize(14 + 27);
  receive(at_ms(0), truncated);
  EXPECT_EQ(counters().drop_bad_arp, 2u);
  EXPECT_TRUE(io.sent.empty());
}

TEST_F(InterfaceArp, ResolutionRetriesOnScheduleThenSendsQueuedPacketOnReply) {
  const int sock = iface->udp_bind({{}, 5000});
  ASSERT_GE(sock, 0);
  const Bytes payload = {'h', 'i'};
  ASSERT_EQ(iface->udp_send_to(at_ms(1000), sock, {peer_ip, 9}, payload), 0) << "queued behind ARP";
  EXPECT_EQ(io.pop_sent(), arp_request_from_host_for_peer);
  EXPECT_EQ(iface->next_deadline(), at_ms(2000));

  iface->poll(at_ms(1999));
  EXPECT_TRUE(io.sent.empty());
  iface->poll(at_ms(2000));
  EXPECT_EQ(io.pop_sent(), arp_request_from_host_for_peer);
  EXPECT_EQ(iface->next_deadline(), at_ms(3000));

  receive(at_ms(2500), arp_reply_from_peer());
  const Bytes expected = ethernet(peer_mac, host_mac, wire::EtherType::ipv4,
                                  ipv4({host_ip, peer_ip, first_ip_id}, wire::IpProtocol::udp,
                                       udp(host_ip, peer_ip, 5000, 9, payload)));
  EXPECT_EQ(io.pop_sent(), expected);
  EXPECT_EQ(iface->next_deadline(), Instant::never());
  EXPECT_EQ(counters().arp_requests_sent, 2u);
  EXPECT_EQ(counters().arp_replies_received, 1u);
  EXPECT_EQ(iface->udp_counters(sock).tx_datagrams, 1u);
  EXPECT_EQ(iface->udp_counters(sock).tx_bytes, 2u);

  ASSERT_EQ(iface->udp_send_to(at_ms(2600), sock, {peer_ip, 9}, payload), 0);
  EXPECT_EQ(io.pop_sent()[0], 0x02) << "resolved: sent at once, no new request";
  EXPECT_EQ(counters().arp_requests_sent, 2u);
}

TEST_F(InterfaceArp, ResolutionFailureDropsQueuedPacketsAndChargesTheSocket) {
  const int sock = iface->udp_bind({{}, 5000});
  const Bytes payload = {1, 2, 3};
  ASSERT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, payload), 0);
  ASSERT_EQ(iface->udp_send_to(at_ms(10), sock, {peer_ip, 9}, payload), 0);
  for (std::uint64_t t : {1000, 2000}) {
    iface->poll(at_ms(t));
  }
  EXPECT_EQ(io.sent.size(), 3u) << "one request and arp_retry_count = 2 retries";
  io.sent.clear();
  EXPECT_EQ(io.available(), io.capacity() - 2) << "the two datagrams are held while resolving";
  EXPECT_EQ(iface->next_deadline(), at_ms(3000));
  iface->poll(at_ms(3000));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_TRUE(io.pool_full());
  EXPECT_EQ(counters().drop_arp_failed, 2u);
  EXPECT_EQ(iface->udp_counters(sock).tx_errors, 2u);
  EXPECT_EQ(iface->udp_counters(sock).tx_unresolved, 2u);
  EXPECT_EQ(iface->udp_counters(sock).tx_datagrams, 0u);
  EXPECT_EQ(iface->next_deadline(), Instant::never());

  ASSERT_EQ(iface->udp_send_to(at_ms(4000), sock, {peer_ip, 9}, payload), 0);
  EXPECT_EQ(io.pop_sent(), arp_request_from_host_for_peer) << "a failed entry is forgotten: next send asks again";
}

TEST_F(InterfaceArp, PendingQueueIsBoundedPerAddressAndInTotal) {
  auto config = default_config();
  config.arp_pending_per_address = 2;
  config.arp_pending_total = 3;
  make(config);
  const int sock = iface->udp_bind({{}, 5000});
  const Bytes payload = {7};
  const auto other = wire::Ipv4Address::from_octets(198, 18, 0, 3);
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, payload), 0);
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, payload), 0);
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, payload), -ENOBUFS) << "per-address bound";
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {other, 9}, payload), 0);
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {other, 9}, payload), -ENOBUFS) << "total bound";
  EXPECT_EQ(counters().drop_arp_pending_full, 2u);
  EXPECT_EQ(iface->udp_counters(sock).tx_errors, 2u);
  EXPECT_EQ(counters().arp_requests_sent, 2u);
  io.sent.clear();
}

TEST_F(InterfaceArp, EntriesExpireAndAreRefreshedBeforeTheyLapse) {
  auto config = default_config();
  config.arp_entry_lifetime = Duration::seconds(60);
  make(config);
  const int sock = iface->udp_bind({{}, 5000});
  receive(at_ms(0), fixtures::arp_request_for_host);  // learned at t=0, valid until t=60 s
  io.pop_sent();
  const Bytes payload = {1};
  ASSERT_EQ(iface->udp_send_to(at_ms(58'000), sock, {peer_ip, 9}, payload), 0);
  EXPECT_EQ(io.pop_sent()[0], 0x02) << "still valid: sent directly";
  ASSERT_EQ(iface->udp_send_to(at_ms(59'000), sock, {peer_ip, 9}, payload), 0);
  EXPECT_EQ(io.pop_sent(), arp_request_from_host_for_peer) << "within a retry interval of expiry: refresh";
  EXPECT_EQ(io.pop_sent()[0], 0x02) << "and the datagram still goes out with the known MAC";
  ASSERT_EQ(iface->udp_send_to(at_ms(59'500), sock, {peer_ip, 9}, payload), 0);
  EXPECT_EQ(io.pop_sent()[0], 0x02) << "one refresh per lifetime";
  EXPECT_FALSE(iface->arp_lookup(at_ms(60'000), peer_ip).has_value()) << "no answer: expired";
  ASSERT_EQ(iface->udp_send_to(at_ms(60'000), sock, {peer_ip, 9}, payload), 0);
  EXPECT_EQ(io.pop_sent(), arp_request_from_host_for_peer) << "an expired entry resolves again";
  receive(at_ms(60'001), arp_reply_from_peer());
  EXPECT_EQ(io.pop_sent()[0], 0x02);
  EXPECT_EQ(iface->arp_lookup(at_ms(120'000), peer_ip), peer_mac) << "the reply restarted the lifetime";
}

TEST_F(InterfaceArp, FullCacheEvictsTheEntryClosestToExpiry) {
  auto config = default_config();
  config.arp_cache_size = 2;
  make(config);
  for (std::uint8_t last : {2, 3, 4}) {
    const wire::MacAddress mac{{0x02, 0, 0, 0, 0, last}};
    receive(at_ms(last), arp(ArpOperation::request, mac, wire::Ipv4Address::from_octets(198, 18, 0, last), {}, host_ip));
    io.pop_sent();
  }
  EXPECT_FALSE(iface->arp_lookup(at_ms(10), peer_ip).has_value()) << "the oldest (198.18.0.2) went";
  EXPECT_TRUE(iface->arp_lookup(at_ms(10), wire::Ipv4Address::from_octets(198, 18, 0, 3)).has_value());
  EXPECT_TRUE(iface->arp_lookup(at_ms(10), wire::Ipv4Address::from_octets(198, 18, 0, 4)).has_value());
}

// Multi-queue instances: a peer's ARP answers reach one queue, its own frames reach every instance
// it talks to, so learning from IPv4 frames is what lets each instance answer (off by default).
class InterfaceArpLearning : public InterfaceTest {
 protected:
  Bytes udp_from_peer(std::uint16_t to_port) {
    return ethernet(host_mac, peer_mac, wire::EtherType::ipv4,
                    ipv4({peer_ip, host_ip, 7}, wire::IpProtocol::udp, udp(peer_ip, host_ip, 9, to_port, {'h', 'i'})));
  }
};

TEST_F(InterfaceArpLearning, LearnsTheSenderOfAnIpv4FrameOnlyWhenAsked) {
  ASSERT_GE(iface->udp_bind({{}, 5000}), 0);
  receive(at_ms(0), udp_from_peer(5000));
  EXPECT_FALSE(iface->arp_lookup(at_ms(0), peer_ip).has_value()) << "off by default: ARP alone teaches";

  iface::InterfaceConfig config = default_config();
  config.learn_neighbours_from_ipv4 = true;
  make(config);
  ASSERT_GE(iface->udp_bind({{}, 5000}), 0);
  receive(at_ms(0), udp_from_peer(5000));
  EXPECT_EQ(iface->arp_lookup(at_ms(0), peer_ip), peer_mac);
  EXPECT_EQ(counters().arp_learned_from_ipv4, 1u);
  receive(at_ms(1), udp_from_peer(5000));
  EXPECT_EQ(counters().arp_learned_from_ipv4, 1u) << "a usable entry is left alone";
}

TEST_F(InterfaceArpLearning, AnIpv4FrameCompletesAPendingResolution) {
  iface::InterfaceConfig config = default_config();
  config.learn_neighbours_from_ipv4 = true;
  make(config);
  const int sock = iface->udp_bind({{}, 5000});
  ASSERT_GE(sock, 0);
  const Bytes payload = {'h', 'i'};
  ASSERT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, payload), 0) << "queued behind ARP";
  EXPECT_EQ(io.pop_sent(), arp_request_from_host_for_peer);
  receive(at_ms(10), udp_from_peer(5000));  // the ARP reply went to another queue; this frame did not
  const Bytes expected = ethernet(peer_mac, host_mac, wire::EtherType::ipv4,
                                  ipv4({host_ip, peer_ip, first_ip_id}, wire::IpProtocol::udp,
                                       udp(host_ip, peer_ip, 5000, 9, payload)));
  EXPECT_EQ(io.pop_sent(), expected);
  EXPECT_EQ(iface->next_deadline(), Instant::never()) << "no ARP retry left pending";
}

TEST_F(InterfaceArpLearning, NeverOverwritesAStaticEntryNorLearnsOffLinkSenders) {
  const wire::MacAddress configured{{0x02, 0, 0, 0, 0, 0x33}};
  iface::InterfaceConfig config = default_config();
  config.learn_neighbours_from_ipv4 = true;
  config.static_arp = {{peer_ip, configured}};
  make(config);
  ASSERT_GE(iface->udp_bind({{}, 5000}), 0);
  receive(at_ms(0), udp_from_peer(5000));
  EXPECT_EQ(iface->arp_lookup(at_ms(0), peer_ip), configured);
  const auto remote = wire::Ipv4Address::from_octets(203, 0, 113, 5);
  receive(at_ms(1), ethernet(host_mac, peer_mac, wire::EtherType::ipv4,
                             ipv4({remote, host_ip, 8}, wire::IpProtocol::udp, udp(remote, host_ip, 9, 5000, {'x'}))));
  EXPECT_FALSE(iface->arp_lookup(at_ms(1), remote).has_value()) << "its frames carry a router's MAC";
  EXPECT_EQ(counters().arp_learned_from_ipv4, 0u);
}
