#include <gtest/gtest.h>

#include <map>
#include <random>

#include "iface/arp_cache.hpp"
#include "iface/pending_frames.hpp"

using namespace sluice;
using iface::ArpCache;
using iface::ArpState;

TEST(ArpCache, FindInsertEraseAgreeWithAReferenceMapUnderChurn) {
  // Addresses from a small range so probe chains collide and backward-shift deletion is exercised.
  ArpCache cache(16);
  std::map<std::uint32_t, std::uint8_t> reference;
  std::mt19937 rng(7);
  for (int step = 0; step < 20'000; ++step) {
    const wire::Ipv4Address ip{static_cast<std::uint32_t>(0xc6120000u + rng() % 40)};
    iface::ArpEntry* entry = cache.find(ip);
    ASSERT_EQ(entry != nullptr, reference.count(ip.value) == 1) << "step " << step;
    if (entry != nullptr && rng() % 2 == 0) {
      ASSERT_EQ(entry->mac.octets[5], reference[ip.value]);
      cache.erase(*entry);
      reference.erase(ip.value);
    } else if (entry == nullptr && reference.size() < 16) {
      entry = cache.insert(ip, ArpState::permanent);
      ASSERT_NE(entry, nullptr);
      entry->mac.octets[5] = static_cast<std::uint8_t>(step);
      reference[ip.value] = static_cast<std::uint8_t>(step);
    }
  }
  for (const auto& [ip, mac_byte] : reference) {
    ASSERT_NE(cache.find({ip}), nullptr);
    EXPECT_EQ(cache.find({ip})->mac.octets[5], mac_byte);
  }
}

TEST(ArpCache, FullOfPermanentAndIncompleteEntriesRefusesNewOnes) {
  ArpCache cache(2);
  ASSERT_NE(cache.insert({1}, ArpState::permanent), nullptr);
  ASSERT_NE(cache.insert({2}, ArpState::incomplete), nullptr);
  EXPECT_EQ(cache.incomplete_count(), 1u);
  EXPECT_EQ(cache.insert({3}, ArpState::reachable), nullptr);
  cache.erase(*cache.find({2}));
  EXPECT_EQ(cache.incomplete_count(), 0u);
  EXPECT_NE(cache.insert({3}, ArpState::reachable), nullptr);
}

TEST(PendingFrames, ListsShareOneBoundedPoolInFifoOrder) {
  iface::PendingFrames pool(3);
  iface::PendingList a;
  iface::PendingList b;
  auto frame = [](std::uint64_t handle) { return iface::PendingFrame{{nullptr, 0, 0, handle}}; };
  EXPECT_TRUE(pool.push(a, frame(1)));
  EXPECT_TRUE(pool.push(b, frame(2)));
  EXPECT_TRUE(pool.push(a, frame(3)));
  EXPECT_FALSE(pool.push(b, frame(4)));
  iface::PendingFrame out;
  ASSERT_TRUE(pool.pop(a, out));
  EXPECT_EQ(out.frame.handle, 1u);
  EXPECT_TRUE(pool.push(b, frame(5)));
  ASSERT_TRUE(pool.pop(a, out));
  EXPECT_EQ(out.frame.handle, 3u);
  EXPECT_FALSE(pool.pop(a, out));
  ASSERT_TRUE(pool.pop(b, out));
  EXPECT_EQ(out.frame.handle, 2u);
  ASSERT_TRUE(pool.pop(b, out));
  EXPECT_EQ(out.frame.handle, 5u);
  EXPECT_EQ(pool.available(), 3u);
}
