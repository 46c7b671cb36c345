// Replaces the global allocation functions (every form, so new and delete always pair up, also
// under ASan) to count allocations made while a region of data-path work runs.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "allocation_counter.hpp"
#include "device/sim/sim_wire.hpp"
#include "sim_test_helpers.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<std::uint64_t> allocations{0};

void* allocate_counted(std::size_t size, std::size_t alignment) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (posix_memalign(&p, alignment, size) != 0) {
    p = nullptr;
  }
  return p;
}

void* allocate_or_throw(std::size_t size, std::size_t alignment) {
  if (void* p = allocate_counted(size, alignment)) return p;
  throw std::bad_alloc();
}
}  // namespace

void sluice::test::AllocationCounter::start() {
  allocations = 0;
  counting = true;
}

std::uint64_t sluice::test::AllocationCounter::stop() {
  counting = false;
  return allocations.load();
}

void* operator new(std::size_t n) { return allocate_or_throw(n, 0); }
void* operator new[](std::size_t n) { return allocate_or_throw(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate_counted(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate_counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_counted(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_counted(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

using sluice::Duration;
using sluice::Instant;
using sluice::device::Frame;
using sluice::device::sim::LinkConfig;
using sluice::device::sim::SimWire;
using sluice::test::AllocationCounter;
using sluice::test::mac;

TEST(SimAllocation, TheCounterSeesAnAllocation) {
  AllocationCounter::start();
  int* volatile p = new int(5);  // volatile: the compiler may not elide this allocation
  const std::uint64_t n = AllocationCounter::stop();
  delete p;
  EXPECT_EQ(n, 1u);
}

TEST(SimAllocation, TenThousandFramesThroughAFaultyWireAllocateNothing) {
  SimWire wire;
  auto a = wire.attach({"a", mac(1)});
  auto b = wire.attach({"b", mac(2)});
  LinkConfig c;
  c.drop = 0.05;
  c.duplicate = 0.05;
  c.reorder = 0.05;
  c.corrupt = 0.05;
  c.delay = Duration::micros(20);
  c.jitter = Duration::micros(5);
  c.bits_per_second = 10'000'000'000;
  wire.configure_all_links(c);

  std::uint64_t received = 0;
  Instant now{};
  const auto exchange = [&](std::uint32_t frames) {
    for (std::uint32_t i = 0; i < frames; ++i) {
      now = now + Duration::micros(2);
      wire.advance(now);
      received += sluice::test::drain(*a, [](const Frame&) {});
      received += sluice::test::drain(*b, [](const Frame&) {});
      sluice::test::send_frame(i % 2 == 0 ? *a : *b, i % 2 == 0 ? mac(2) : mac(1), i, 300);
    }
  };
  exchange(200);  // warm up
  AllocationCounter::start();
  exchange(10'000);
  const std::uint64_t allocations = AllocationCounter::stop();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(received, 9'000u);
  EXPECT_GT(wire.total_counters().duplicated, 0u);
}
