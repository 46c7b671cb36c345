#include <gtest/gtest.h>

#include "iface/interface_fixture.hpp"
#include "wire/fixtures.hpp"

using namespace sluice;
using namespace sluice::testing;

class InterfaceReassembly : public InterfaceTest {
 protected:
  void SetUp() override {
    InterfaceTest::SetUp();
    sock = iface->udp_bind({{}, 7});
  }

  /// UDP datagram 40000 -> 7 with `payload_len` bytes, as the full IP payload (UDP header first).
  static Bytes datagram(std::size_t payload_len, std::uint8_t seed = 0) {
    return udp(peer_ip, host_ip, 40000, 7, pattern(payload_len, seed));
  }

  void send_fragment(Instant now, const Bytes& ip_payload, std::size_t offset, std::size_t len, bool more,
                     std::uint16_t id = 0x77) {
    IpFields ip;
    ip.identification = id;
    ip.fragment_offset = static_cast<std::uint32_t>(offset);
    ip.more_fragments = more;
    receive(now, ethernet(host_mac, peer_mac, wire::EtherType::ipv4,
                          ipv4(ip, wire::IpProtocol::udp, slice(ip_payload, offset, len))));
  }

  Bytes take_payload() {
    socket::UdpDatagram received;
    if (!iface->udp_receive(sock, received)) return {};
    Bytes payload(received.payload.begin(), received.payload.end());
    iface->release(received);
    return payload;
  }

  int sock = -1;
};

TEST_F(InterfaceReassembly, OutOfOrderFragmentsAreReassembledIntoASlot) {
  const Bytes whole = datagram(3000);  // 3008 bytes: 1480 + 1480 + 48
  send_fragment(at_ms(0), whole, 2960, 48, false);
  send_fragment(at_ms(1), whole, 0, 1480, true);
  EXPECT_EQ(iface->udp_queued(sock), 0u);
  EXPECT_EQ(io.available(), io.capacity()) << "fragment frames are released once copied";
  send_fragment(at_ms(2), whole, 1480, 1480, true);
  EXPECT_EQ(counters().rx_fragments, 3u);
  EXPECT_EQ(counters().reassembled, 1u);

  socket::UdpDatagram received;
  ASSERT_TRUE(iface->udp_receive(sock, received));
  EXPECT_GE(received.reassembly_slot, 0);
  EXPECT_EQ(received.frame.data, nullptr);
  EXPECT_EQ(Bytes(received.payload.begin(), received.payload.end()), pattern(3000));
  EXPECT_EQ(received.from, (socket::Endpoint{peer_ip, 40000}));
  EXPECT_EQ(iface->reassembly_slots_in_use(), 1u) << "the slot is held until the datagram is released";
  iface->release(received);
  EXPECT_EQ(iface->reassembly_slots_in_use(), 0u);
  EXPECT_EQ(iface->next_deadline(), Instant::never());
}

TEST_F(InterfaceReassembly, ExactDuplicateIsIgnoredButConflictingOverlapDropsTheDatagram) {
  const Bytes whole = datagram(2000);
  send_fragment(at_ms(0), whole, 0, 1000, true);
  send_fragment(at_ms(0), whole, 0, 1000, true);
  EXPECT_EQ(counters().drop_fragment_duplicate, 1u);
  send_fragment(at_ms(0), whole, 1000, 1008, false);
  EXPECT_EQ(take_payload(), pattern(2000)) << "a duplicate does not spoil the datagram";

  const Bytes other = datagram(2000, 99);
  send_fragment(at_ms(1), whole, 0, 1000, true, 0x78);
  send_fragment(at_ms(1), other, 504, 496, true, 0x78);  // overlaps with different bytes
  EXPECT_EQ(counters().drop_fragment_overlap, 1u);
  EXPECT_EQ(iface->reassembly_slots_in_use(), 0u) << "the whole datagram went";
  send_fragment(at_ms(1), whole, 1000, 1008, false, 0x78);
  EXPECT_EQ(iface->udp_queued(sock), 0u) << "the rest alone never completes";
  EXPECT_EQ(iface->reassembly_slots_in_use(), 1u);

  send_fragment(at_ms(2), whole, 0, 1000, true, 0x79);
  send_fragment(at_ms(2), whole, 496, 1000, true, 0x79);  // same bytes, but partly new: still an overlap
  EXPECT_EQ(counters().drop_fragment_overlap, 2u);
}

TEST_F(InterfaceReassembly, TimeoutFreesTheSlot) {
  const Bytes whole = datagram(2000);
  send_fragment(at_ms(1000), whole, 0, 1000, true);
  EXPECT_EQ(iface->next_deadline(), at_ms(16'000)) << "15 s after the first fragment";
  send_fragment(at_ms(5000), whole, 0, 1000, true, 0x88);
  EXPECT_EQ(iface->next_deadline(), at_ms(16'000));
  iface->poll(at_ms(15'999));
  EXPECT_EQ(iface->reassembly_slots_in_use(), 2u);
  iface->poll(at_ms(16'000));
  EXPECT_EQ(iface->reassembly_slots_in_use(), 1u);
  EXPECT_EQ(counters().drop_fragment_timeout, 1u);
  EXPECT_EQ(iface->next_deadline(), at_ms(20'000));
  send_fragment(at_ms(16'001), whole, 1000, 1008, false);
  EXPECT_EQ(iface->udp_queued(sock), 0u) << "the late tail starts a new datagram";
  iface->poll(at_ms(40'000));
  EXPECT_EQ(iface->reassembly_slots_in_use(), 0u);
  EXPECT_EQ(counters().drop_fragment_timeout, 3u);
}

TEST_F(InterfaceReassembly, ExhaustedSlotsAreCounted) {
  auto config = default_config();
  config.reassembly_slots = 2;
  make(config);
  sock = iface->udp_bind({{}, 7});
  const Bytes whole = datagram(2000);
  send_fragment(at_ms(0), whole, 0, 1000, true, 1);
  send_fragment(at_ms(0), whole, 0, 1000, true, 2);
  send_fragment(at_ms(0), whole, 0, 1000, true, 3);
  EXPECT_EQ(counters().drop_reassembly_full, 1u);
  send_fragment(at_ms(0), whole, 1000, 1008, false, 2);
  EXPECT_EQ(take_payload(), pattern(2000)) << "datagrams already in slots still complete";
  send_fragment(at_ms(0), whole, 0, 1000, true, 3);
  send_fragment(at_ms(0), whole, 1000, 1008, false, 3);
  EXPECT_EQ(take_payload(), pattern(2000)) << "a freed slot is reused";
}

TEST_F(InterfaceReassembly, RejectsOversizeAndMalformedFragments) {
  auto config = default_config();
  config.reassembly_max_datagram = 1500;
  make(config);
  sock = iface->udp_bind({{}, 7});
  const Bytes whole = datagram(2000);
  send_fragment(at_ms(0), whole, 0, 1000, true);
  send_fragment(at_ms(0), whole, 1000, 1008, false);
  EXPECT_EQ(counters().drop_fragment_too_big, 1u);
  EXPECT_EQ(iface->reassembly_slots_in_use(), 0u);

  send_fragment(at_ms(0), whole, 0, 1001, true, 5);  // a middle fragment must be a multiple of 8
  EXPECT_EQ(counters().drop_fragment_malformed, 1u);

  send_fragment(at_ms(0), whole, 800, 200, false, 6);
  send_fragment(at_ms(0), whole, 800, 208, false, 6);  // a second, different end
  EXPECT_EQ(counters().drop_fragment_malformed, 2u);

  send_fragment(at_ms(0), whole, 0, 800, true, 7);
  send_fragment(at_ms(0), whole, 400, 8, false, 7);  // ends before data already held
  EXPECT_EQ(counters().drop_fragment_malformed, 3u);
  EXPECT_EQ(iface->reassembly_slots_in_use(), 0u);
}

TEST_F(InterfaceReassembly, ReassembledDatagramToClosedPortGetsPortUnreachable) {
  const Bytes whole = udp(peer_ip, host_ip, 40000, 9, pattern(2000));
  send_fragment(at_ms(0), whole, 0, 1000, true);
  send_fragment(at_ms(0), whole, 1000, 1008, false);
  const Bytes sent = io.pop_sent();
  ASSERT_EQ(sent.size(), 14u + 20 + 8 + 20 + 8);
  EXPECT_EQ(sent[34], 3);
  EXPECT_EQ(sent[35], 3);
  const Bytes quoted_header = slice(sent, 42, 20);
  EXPECT_EQ(wire::load_be16(quoted_header.data() + 2), 20 + 2008) << "the quote describes the whole datagram";
  EXPECT_EQ(fixtures::reference_checksum(quoted_header), 0);
  EXPECT_EQ(slice(sent, 62, 8), slice(whole, 0, 8));
  EXPECT_EQ(iface->reassembly_slots_in_use(), 0u);
}
