// Zero-copy UDP buffers on the sim backend: sgas from sl_sga_alloc and UDP pops lie inside the
// device's frames, a push sends that frame itself (the copy counters stay 0) and completes when the
// device gives it back, the ownership checks hold for frame-backed sgas, the frame budget falls
// back to copies, and every frame returns to the device.
#include "libos/libos_fixture.hpp"
#include "libos/stack_provider.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

bool inside(std::span<const std::uint8_t> memory, const void* pointer, std::size_t length) {
  const auto* p = static_cast<const std::uint8_t*>(pointer);
  return !memory.empty() && p >= memory.data() && p + length <= memory.data() + memory.size();
}

/// Frames of `os`'s device that are neither free nor cached by the stack: lent or in flight.
std::size_t frames_out(libos::LibOS& os) {
  auto& stack = dynamic_cast<libos::StackProvider&>(os.provider()).instance();
  return stack.device().pool_capacity() - stack.device().pool_available() - stack.frame_io().frames_held();
}

struct LibosZeroCopy : SimPair {
  int server = -1;
  int client = -1;
  libos::Endpoint service;

  void open_udp(std::uint16_t port) {
    server = b->socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_EQ(b->bind(server, {{}, port}), 0);
    client = a->socket(AF_INET, SOCK_DGRAM, 0);
    service = endpoint("198.18.0.2", port);
  }

  /// a sends `size` pattern bytes from a fresh sga; returns the push's result.
  sl_qresult_t send(std::size_t size, std::uint32_t seed) {
    sl_sga_t sga{};
    EXPECT_EQ(a->sga_alloc(size, sga), 0);
    fill(sga, seed);
    const sl_qresult_t sent = wait(*a, a->push_to(client, sga, service));
    EXPECT_EQ(a->sga_free(sga), 0);
    return sent;
  }
};

TEST_F(LibosZeroCopy, EchoKeepsTheDatagramInDeviceFramesWithoutCopies) {
  open_udp(7200);
  const std::span<const std::uint8_t> a_frames = a->provider().frame_memory();
  const std::span<const std::uint8_t> b_frames = b->provider().frame_memory();
  ASSERT_GT(a->frame_budget(), 0u);

  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(1000, sga), 0);
  ASSERT_EQ(sga.numsegs, 1u);
  EXPECT_TRUE(inside(a_frames, sga.segs[0].buf, 1000)) << "sga_alloc did not lend a device frame";
  EXPECT_EQ(a->frames_held(), 1u);
  fill(sga, 5);
  const sl_qtoken_t pushed = a->push_to(client, sga, service);
  ASSERT_GT(pushed, 0);
  // The frame is the device's until it has been sent: the push is not complete yet.
  EXPECT_EQ(a->sga_free(sga), -EBUSY);
  const sl_qresult_t sent = wait(*a, pushed);
  EXPECT_EQ(sent.ret, 0);
  EXPECT_EQ(sent.value.sga.segs[0].buf, sga.segs[0].buf);  // the same sga comes back
  EXPECT_EQ(a->sga_free(sga), 0);

  const sl_qresult_t got = wait(*b, b->pop(server));
  ASSERT_EQ(got.ret, 0);
  ASSERT_EQ(got.value.sga.numsegs, 1u);
  ASSERT_EQ(got.value.sga.segs[0].len, 1000u);
  EXPECT_TRUE(inside(b_frames, got.value.sga.segs[0].buf, 1000)) << "the popped sga is not the received frame";
  for (std::uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(static_cast<std::uint8_t*>(got.value.sga.segs[0].buf)[i], pattern(5, i));

  // Echo the received frame itself.
  sl_sga_t echoed = got.value.sga;
  const libos::Endpoint sender{wire::Ipv4Address{ntohl(echoed.addr.sin_addr.s_addr)}, ntohs(echoed.addr.sin_port)};
  EXPECT_EQ(wait(*b, b->push_to(server, echoed, sender)).ret, 0);
  EXPECT_EQ(b->sga_free(echoed), 0);
  const sl_qresult_t back = wait(*a, a->pop(client));
  ASSERT_EQ(back.ret, 0);
  std::vector<std::uint8_t> bytes;
  append(bytes, back.value.sga);
  ASSERT_EQ(bytes.size(), 1000u);
  for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], pattern(5, i));
  sl_sga_t returned = back.value.sga;
  EXPECT_EQ(a->sga_free(returned), 0);

  for (auto* os : {a.get(), b.get()}) {
    EXPECT_EQ(os->counters().udp_pushes_copied, 0u);
    EXPECT_EQ(os->counters().udp_pops_copied, 0u);
    EXPECT_EQ(os->counters().udp_pushes_zero_copy, 1u);
    EXPECT_EQ(os->counters().udp_pops_zero_copy, 1u);
    EXPECT_EQ(os->frames_held(), 0u);
  }
}

TEST_F(LibosZeroCopy, FrameBackedSgasKeepTheOwnershipChecks) {
  open_udp(7201);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(200, sga), 0);
  ASSERT_TRUE(inside(a->provider().frame_memory(), sga.segs[0].buf, 200));
  const sl_qtoken_t pushed = a->push_to(client, sga, service);
  ASSERT_GT(pushed, 0);
  EXPECT_EQ(a->sga_free(sga), -EBUSY);                   // the stack's until the push completes
  EXPECT_EQ(a->push_to(client, sga, service), -EBUSY);  // pushed already
  EXPECT_EQ(wait(*a, pushed).ret, 0);
  // A segment stretched beyond its frame is refused, never read.
  sl_sga_t stretched = sga;
  stretched.segs[0].len = 4096;
  EXPECT_EQ(a->push_to(client, stretched, service), -EMSGSIZE);
  const sl_sga_t copy = sga;
  EXPECT_EQ(a->sga_free(sga), 0);
  sl_sga_t again = copy;
  EXPECT_EQ(a->sga_free(again), -EALREADY);
  EXPECT_EQ(a->push_to(client, copy, service), -EINVAL);  // use after free
  // The slot is lent again: the stale copy still cannot free the new owner's frame.
  sl_sga_t reused{};
  ASSERT_EQ(a->sga_alloc(100, reused), 0);
  again = copy;
  EXPECT_EQ(a->sga_free(again), -EALREADY);
  EXPECT_EQ(a->sga_free(reused), 0);
  EXPECT_EQ(a->frames_held(), 0u);
  EXPECT_EQ(frames_out(*a), 0u);
}

TEST_F(LibosZeroCopy, OnlyWhatFitsOneFrameIsLentAndAShiftedStartIsCopied) {
  open_udp(7202);
  sl_sga_t largest{};
  ASSERT_EQ(a->sga_alloc(1472, largest), 0);  // mtu 1500 - IPv4 - UDP headers
  EXPECT_TRUE(inside(a->provider().frame_memory(), largest.segs[0].buf, 1472));
  sl_sga_t larger{};
  ASSERT_EQ(a->sga_alloc(1473, larger), 0);
  EXPECT_FALSE(inside(a->provider().frame_memory(), larger.segs[0].buf, 1));
  EXPECT_EQ(a->sga_free(larger), 0);
  // The application moved the segment's start into the headroom: no room for the headers, so the
  // datagram is copied, and still arrives intact.
  sl_sga_t moved = largest;
  moved.segs[0].buf = static_cast<std::uint8_t*>(largest.segs[0].buf) - 10;
  moved.segs[0].len = 100;
  fill(moved, 9);
  const sl_qtoken_t popped = b->pop(server);
  EXPECT_EQ(wait(*a, a->push_to(client, moved, service)).ret, 0);
  EXPECT_EQ(a->counters().udp_pushes_copied, 1u);
  EXPECT_EQ(a->counters().udp_pushes_zero_copy, 0u);
  const sl_qresult_t got = wait(*b, popped);
  std::vector<std::uint8_t> bytes;
  append(bytes, got.value.sga);
  ASSERT_EQ(bytes.size(), 100u);
  for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], pattern(9, i));
  sl_sga_t received = got.value.sga;
  EXPECT_EQ(b->sga_free(received), 0);
  EXPECT_EQ(a->sga_free(largest), 0);
}

TEST_F(LibosZeroCopy, BeyondTheFrameBudgetPopsAreCopiedAndTheFramesGoBack) {
  libos::LibosConfig config = sim_host("198.18.0.2", ::testing::UnitTest::GetInstance()->current_test_info()->name());
  config.libos.frame_budget = 2;
  b.reset();
  b = libos::open_libos(config);
  ASSERT_EQ(b->frame_budget(), 2u);
  open_udp(7203);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(send(64, i).ret, 0);

  sl_sga_t held[3];
  for (std::uint32_t i = 0; i < 3; ++i) {
    const sl_qresult_t got = wait(*b, b->pop(server));
    ASSERT_EQ(got.ret, 0);
    held[i] = got.value.sga;
    std::vector<std::uint8_t> bytes;
    append(bytes, held[i]);
    ASSERT_EQ(bytes.size(), 64u);
    for (std::size_t j = 0; j < bytes.size(); ++j) ASSERT_EQ(bytes[j], pattern(i, j));
  }
  const std::span<const std::uint8_t> frames = b->provider().frame_memory();
  EXPECT_TRUE(inside(frames, held[0].segs[0].buf, 64));
  EXPECT_TRUE(inside(frames, held[1].segs[0].buf, 64));
  EXPECT_FALSE(inside(frames, held[2].segs[0].buf, 64)) << "the third datagram should be a copy in pool memory";
  EXPECT_EQ(b->counters().udp_pops_zero_copy, 2u);
  EXPECT_EQ(b->counters().udp_pops_copied, 1u);
  EXPECT_GE(b->counters().frame_budget_fallbacks, 1u);
  // The budget holds for sga_alloc too.
  sl_sga_t allocated{};
  ASSERT_EQ(b->sga_alloc(64, allocated), 0);
  EXPECT_FALSE(inside(frames, allocated.segs[0].buf, 64));
  EXPECT_EQ(b->frames_held(), 2u);
  EXPECT_EQ(frames_out(*b), 2u);

  for (sl_sga_t& sga : held) EXPECT_EQ(b->sga_free(sga), 0);
  EXPECT_EQ(b->sga_free(allocated), 0);
  EXPECT_EQ(b->close(server), 0);
  EXPECT_EQ(a->close(client), 0);
  // Everything is back: the device's frames, the sga pool, the operation slots.
  for (auto* os : {a.get(), b.get()}) {
    EXPECT_EQ(os->frames_held(), 0u);
    EXPECT_EQ(frames_out(*os), 0u);
    EXPECT_EQ(os->buffers().available(), os->buffers().capacity());
    EXPECT_EQ(os->operations_in_use(), 0u);
  }
}

TEST_F(LibosZeroCopy, AZeroBudgetCopiesEverything) {
  libos::LibosConfig config = sim_host("198.18.0.1", ::testing::UnitTest::GetInstance()->current_test_info()->name());
  config.libos.frame_budget = 0;
  a.reset();
  a = libos::open_libos(config);
  open_udp(7204);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(64, sga), 0);
  EXPECT_FALSE(inside(a->provider().frame_memory(), sga.segs[0].buf, 64));
  EXPECT_EQ(a->sga_free(sga), 0);
  EXPECT_EQ(send(64, 1).ret, 0);
  EXPECT_EQ(a->counters().udp_pushes_copied, 1u);
  EXPECT_EQ(a->counters().udp_pushes_zero_copy, 0u);
  EXPECT_EQ(a->frame_budget(), 0u);
}

}  // namespace
