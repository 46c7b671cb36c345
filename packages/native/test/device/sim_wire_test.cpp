#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "device/sim/sim_wire.hpp"
#include "sim_test_helpers.hpp"
#include "util/error.hpp"

using sluice::Duration;
using sluice::Instant;
using sluice::device::Frame;
using sluice::device::sim::LinkConfig;
using sluice::device::sim::SimDevice;
using sluice::device::sim::SimEndpointConfig;
using sluice::device::sim::SimWire;
using sluice::device::sim::SimWireConfig;
using sluice::test::drain;
using sluice::test::frame_id;
using sluice::test::mac;
using sluice::test::send_frame;

namespace {

SimEndpointConfig endpoint(const char* name, std::uint8_t last, std::uint32_t pool_frames = 64) {
  SimEndpointConfig c;
  c.name = name;
  c.mac = mac(last);
  c.pool_frames = pool_frames;
  return c;
}

std::vector<std::uint32_t> received_ids(SimDevice& device) {
  std::vector<std::uint32_t> ids;
  drain(device, [&](const Frame& f) { ids.push_back(frame_id(f)); });
  return ids;
}

}  // namespace

TEST(SimWire, TwoEndpointsExchangeFramesByteExact) {
  SimWire wire;
  auto a = wire.attach(endpoint("a", 1));
  auto b = wire.attach(endpoint("b", 2));
  EXPECT_EQ(a->info().backend, "sim");
  EXPECT_EQ(a->info().name, "a");
  EXPECT_EQ(a->info().mac, mac(1));

  const std::vector<std::uint8_t> fixture = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5, 0xde, 0xad, 0xbe, 0xef};
  Frame frame;
  ASSERT_EQ(a->allocate({&frame, 1}), 1u);
  EXPECT_EQ(frame.len, 0u);
  EXPECT_EQ(frame.capacity, 2048u);
  std::copy(fixture.begin(), fixture.end(), frame.data);
  frame.len = static_cast<std::uint32_t>(fixture.size());
  ASSERT_EQ(a->transmit({&frame, 1}), 1u);
  EXPECT_EQ(a->pool_available(), 64u) << "the sender's frame returns to its pool at transmit time";
  EXPECT_EQ(wire.in_flight(), 1u);
  EXPECT_EQ(b->rx_queued(), 0u) << "nothing arrives before the wire is advanced";

  EXPECT_EQ(wire.advance(Instant{}), 1u);
  std::vector<std::vector<std::uint8_t>> got;
  drain(*b, [&](const Frame& f) { got.emplace_back(f.data, f.data + f.len); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], fixture);
  EXPECT_EQ(a->counters().tx_packets, 1u);
  EXPECT_EQ(a->counters().tx_bytes, 18u);
  EXPECT_EQ(b->counters().rx_packets, 1u);
  EXPECT_EQ(b->counters().rx_bytes, 18u);
  EXPECT_EQ(wire.link_counters(*a, *b).offered, 1u);
  EXPECT_EQ(wire.link_counters(*a, *b).delivered, 1u);
  EXPECT_EQ(wire.link_counters(*a, *b).delivered_bytes, 18u);
  EXPECT_EQ(wire.link_counters(*b, *a).offered, 0u);
  EXPECT_EQ(b->pool_available(), 64u);

  // And back, in the other direction.
  ASSERT_TRUE(send_frame(*b, mac(1), 77, 100));
  wire.advance(Instant{});
  std::vector<std::uint32_t> back;
  drain(*a, [&](const Frame& f) {
    back.push_back(frame_id(f));
    EXPECT_EQ(f.len, 100u);
    for (std::size_t i = 18; i < f.len; ++i) ASSERT_EQ(f.data[i], sluice::test::pattern_byte(77, i));
  });
  EXPECT_EQ(back, std::vector<std::uint32_t>{77});
}

TEST(SimWire, FrameSentAtTArrivesNotBeforeTPlusDelayAndJitterNeverReorders) {
  SimWire wire;
  auto a = wire.attach(endpoint("a", 1));
  auto b = wire.attach(endpoint("b", 2));
  LinkConfig slow;
  slow.delay = Duration::millis(5);
  slow.jitter = Duration::millis(2);
  wire.configure_link(*a, *b, slow);

  std::vector<Instant> sent_at;
  std::vector<std::uint32_t> order;
  const auto record_arrivals = [&] {
    drain(*b, [&](const Frame& f) {
      const std::uint32_t id = frame_id(f);
      order.push_back(id);
      EXPECT_GE(wire.now(), sent_at[id] + Duration::millis(5)) << "frame " << id;
      // FIFO may hold a frame behind an earlier one with more jitter, never past that one's bound.
      EXPECT_LE(wire.now(), sent_at[id] + Duration::millis(7)) << "frame " << id;
    });
  };
  for (std::uint32_t i = 0; i < 200; ++i) {
    wire.advance(Instant::from_micros(100 * i));
    record_arrivals();
    sent_at.push_back(wire.now());
    ASSERT_TRUE(send_frame(*a, mac(2), i));
  }
  while (!wire.next_delivery().is_never()) {
    wire.advance(wire.next_delivery());
    record_arrivals();
  }
  ASSERT_EQ(order.size(), 200u);
  for (std::uint32_t i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(wire.link_counters(*a, *b).reordered, 0u);
}

TEST(SimWire, AdvanceDeliversOnlyWhatIsDueAndTimeNeverGoesBack) {
  SimWire wire;
  auto a = wire.attach(endpoint("a", 1));
  auto b = wire.attach(endpoint("b", 2));
  LinkConfig c;
  c.delay = Duration::millis(1);
  wire.configure_link(*a, *b, c);
  ASSERT_TRUE(send_frame(*a, mac(2), 1));
  EXPECT_EQ(wire.next_delivery(), Instant::from_millis(1));
  EXPECT_EQ(wire.advance(Instant{999'999}), 0u);
  EXPECT_EQ(wire.advance(Instant::from_millis(1)), 1u);
  EXPECT_TRUE(wire.next_delivery().is_never());
  EXPECT_EQ(wire.advance(Instant::from_micros(10)), 0u);
  EXPECT_EQ(wire.now(), Instant::from_millis(1));
}

TEST(SimWire, BroadcastReachesBothOthersAndUnicastOnlyItsOwner) {
  SimWire wire;
  auto a = wire.attach(endpoint("a", 1));
  auto b = wire.attach(endpoint("b", 2));
  auto c = wire.attach(endpoint("c", 3));
  ASSERT_TRUE(send_frame(*a, sluice::wire::MacAddress::broadcast(), 10));
  ASSERT_TRUE(send_frame(*a, mac(3), 11));
  ASSERT_TRUE(send_frame(*a, {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}}, 12));  // IPv4 multicast
  ASSERT_TRUE(send_frame(*a, mac(9), 13));                                   // nobody has it
  ASSERT_TRUE(send_frame(*c, sluice::wire::MacAddress::broadcast(), 14));
  wire.advance(Instant{});
  EXPECT_EQ(received_ids(*a), (std::vector<std::uint32_t>{14}));
  EXPECT_EQ(received_ids(*b), (std::vector<std::uint32_t>{10, 12, 14}));
  EXPECT_EQ(received_ids(*c), (std::vector<std::uint32_t>{10, 11, 12}));
  EXPECT_EQ(a->sim_counters().unknown_destination, 1u);
  EXPECT_EQ(wire.link_counters(*a, *b).delivered, 2u);
  EXPECT_EQ(wire.link_counters(*a, *c).delivered, 3u);
  EXPECT_EQ(wire.total_counters().delivered, 7u);  // 2 + 3 from a, 2 from c
}

TEST(SimWire, DeliveryToAnEmptyPoolIsDroppedAndCounted) {
  SimWire wire;
  auto a = wire.attach(endpoint("a", 1));
  auto b = wire.attach(endpoint("b", 2, 4));
  for (std::uint32_t i = 0; i < 10; ++i) ASSERT_TRUE(send_frame(*a, mac(2), i));
  EXPECT_EQ(wire.advance(Instant{}), 4u);
  EXPECT_EQ(b->pool_available(), 0u);
  EXPECT_EQ(b->counters().rx_dropped, 6u);
  EXPECT_EQ(wire.link_counters(*a, *b).receiver_pool_empty, 6u);
  EXPECT_EQ(received_ids(*b), (std::vector<std::uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(b->pool_available(), 4u);

  Frame held[4];
  ASSERT_EQ(b->allocate(held), 4u);
  Frame none;
  EXPECT_EQ(b->allocate({&none, 1}), 0u);
  EXPECT_EQ(b->counters().alloc_failures, 1u);
  b->release(held);
  EXPECT_EQ(b->pool_available(), 4u);
}

TEST(SimWire, ForeignAndInvalidFramesAreCountedNotSent) {
  SimWire wire;
  auto a = wire.attach(endpoint("a", 1));
  auto b = wire.attach(endpoint("b", 2));
  Frame from_b;
  ASSERT_EQ(b->allocate({&from_b, 1}), 1u);
  a->release({&from_b, 1});
  EXPECT_EQ(a->sim_counters().foreign_frames, 1u);
  EXPECT_EQ(a->pool_available(), 64u);
  b->release({&from_b, 1});
  b->release({&from_b, 1});  // released twice
  EXPECT_EQ(b->sim_counters().foreign_frames, 1u);
  EXPECT_EQ(b->pool_available(), 64u);

  Frame runt;
  ASSERT_EQ(a->allocate({&runt, 1}), 1u);
  runt.len = 13;
  Frame jumbo;
  ASSERT_EQ(a->allocate({&jumbo, 1}), 1u);
  jumbo.len = 1515;
  const Frame both[] = {runt, jumbo};
  EXPECT_EQ(a->transmit(both), 2u);
  EXPECT_EQ(a->sim_counters().tx_invalid, 2u);
  EXPECT_EQ(a->counters().tx_packets, 0u);
  EXPECT_EQ(wire.in_flight(), 0u);
  EXPECT_EQ(a->pool_available(), 64u);
}

TEST(SimWire, EndpointsAndWireMayDieInEitherOrder) {
  auto wire = std::make_unique<SimWire>();
  auto a = wire->attach(endpoint("a", 1));
  auto b = wire->attach(endpoint("b", 2));
  auto a_id = a.get();
  ASSERT_TRUE(send_frame(*a, mac(2), 1));
  const auto& counters = wire->link_counters(*a_id, *b);
  b.reset();
  EXPECT_EQ(wire->advance(Instant{}), 0u);
  EXPECT_EQ(counters.receiver_gone, 1u);
  ASSERT_TRUE(send_frame(*a, mac(2), 2));
  EXPECT_EQ(a->sim_counters().unknown_destination, 1u) << "a destroyed endpoint no longer owns its MAC";

  auto b2 = wire->attach(endpoint("b2", 2));  // its MAC is free again
  wire.reset();
  ASSERT_TRUE(send_frame(*a, mac(2), 3));
  EXPECT_EQ(a->sim_counters().tx_unattached, 1u);
  EXPECT_EQ(a->pool_available(), 64u);
}

TEST(SimWire, AttachRejectsBadEndpointsWithTheCause) {
  SimWire wire;
  auto a = wire.attach(endpoint("a", 1));
  auto expect_error = [&](const SimEndpointConfig& c, const std::string& message) {
    try {
      wire.attach(c);
      FAIL() << "expected an error: " << message;
    } catch (const sluice::Error& e) {
      EXPECT_EQ(e.code(), EINVAL);
      EXPECT_EQ(std::string(e.what()), message);
    }
  };
  expect_error(endpoint("dup", 1), "sim endpoint \"dup\": MAC 02:00:00:00:00:01 is already used by \"a\" on this wire");
  SimEndpointConfig multicast = endpoint("m", 1);
  multicast.mac = {{0x01, 0, 0, 0, 0, 1}};
  expect_error(multicast, "sim endpoint \"m\": MAC 01:00:00:00:00:01 is a multicast address; use a unicast one");
  SimEndpointConfig jumbo = endpoint("j", 5);
  jumbo.mtu = 9000;
  expect_error(jumbo, "sim endpoint \"j\": mtu 9000 + 14 does not fit its frame_size 2048; raise frame_size or lower mtu");
  jumbo.frame_size = 9216;
  expect_error(jumbo, "sim endpoint \"j\": mtu 9000 + 14 exceeds the wire's max_frame_len 2048; raise SimWireConfig::max_frame_len");

  SimWireConfig big;
  big.max_frame_len = 9216;
  big.in_flight_frames = 8;
  SimWire jumbo_wire(big);
  EXPECT_NO_THROW(jumbo_wire.attach(jumbo));

  LinkConfig bad;
  bad.drop = 1.5;
  auto b = wire.attach(endpoint("b", 2));
  try {
    wire.configure_link(*a, *b, bad);
    FAIL();
  } catch (const sluice::Error& e) {
    EXPECT_EQ(std::string(e.what()), "sim link a -> b: drop probability 1.500000 is outside [0, 1]");
  }
}
