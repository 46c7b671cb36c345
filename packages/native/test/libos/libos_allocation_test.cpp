// Steady state allocates nothing: TCP and UDP round trips through push, pop, wait and the buffer
// pool, after a warm-up, with operator new counted (test/support/allocation_counter); on the sim
// backend and on the kernel backend (io_uring) over loopback.
#include "libos/libos_fixture.hpp"
#include "support/allocation_counter.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

/// TCP and UDP round trips between the pair's hosts, the second 200 of them counted.
void expect_round_trips_allocate_nothing(LibosPair& pair, std::uint16_t tcp_port, std::uint16_t udp_port) {
  auto& a = pair.a;
  auto& b = pair.b;
  auto [client, server] = pair.connect_tcp(tcp_port);
  const int udp_server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(udp_server, {{}, udp_port}), 0);
  libos::Endpoint udp_service;
  ASSERT_EQ(b->local_endpoint(udp_server, udp_service), 0);
  if (udp_service.address.is_unspecified()) udp_service.address = endpoint(pair.b_address.c_str(), 0).address;
  const int udp_client = a->socket(AF_INET, SOCK_DGRAM, 0);

  std::uint64_t failures = 0;
  auto round_trip = [&](std::uint32_t round) {
    sl_qresult_t r{};
    // TCP: a pushes 64 bytes, b echoes the popped buffer itself, a pops it.
    sl_sga_t sga{};
    if (a->sga_alloc(64, sga) != 0) ++failures;
    static_cast<std::uint8_t*>(sga.segs[0].buf)[0] = static_cast<std::uint8_t>(round);
    if (a->wait(a->push(client, sga), r, kLong) != 0 || r.ret != 0) ++failures;
    a->sga_free(sga);
    if (b->wait(b->pop(server), r, kLong) != 0 || r.value.sga.segs[0].len != 64) ++failures;
    sl_sga_t echoed = r.value.sga;
    if (b->wait(b->push(server, echoed), r, kLong) != 0 || r.ret != 0) ++failures;
    b->sga_free(echoed);
    if (a->wait(a->pop(client), r, kLong) != 0 || static_cast<std::uint8_t*>(r.value.sga.segs[0].buf)[0] != static_cast<std::uint8_t>(round)) {
      ++failures;
    }
    a->sga_free(r.value.sga);
    // UDP: a datagram there and back.
    const sl_qtoken_t pop = b->pop(udp_server);
    if (a->sga_alloc(32, sga) != 0) ++failures;
    if (a->wait(a->push_to(udp_client, sga, udp_service), r, kLong) != 0) ++failures;
    a->sga_free(sga);
    if (b->wait(pop, r, kLong) != 0 || r.ret != 0) ++failures;
    b->sga_free(r.value.sga);
  };

  for (std::uint32_t i = 0; i < 50; ++i) round_trip(i);  // warm-up: ARP, TCP windows, tables
  AllocationCounter::start();
  for (std::uint32_t i = 0; i < 200; ++i) round_trip(i);
  const std::uint64_t allocations = AllocationCounter::stop();
  EXPECT_EQ(failures, 0u);
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(a->operations_in_use(), 0u);
  EXPECT_EQ(b->operations_in_use(), 0u);
  EXPECT_EQ(a->buffers().available(), a->buffers().capacity());
  EXPECT_EQ(b->buffers().available(), b->buffers().capacity());
  if (a->frame_budget() > 0) {  // the sim backend: UDP went zero-copy, frames all given back
    EXPECT_GT(a->counters().udp_pushes_zero_copy, 0u);
    EXPECT_GT(b->counters().udp_pops_zero_copy, 0u);
    EXPECT_EQ(a->counters().udp_pushes_copied + b->counters().udp_pops_copied, 0u);
    EXPECT_EQ(a->frames_held() + b->frames_held(), 0u);
  }
}

using LibosAllocation = SimPair;

TEST_F(LibosAllocation, TcpAndUdpRoundTripsAllocateNothing) { expect_round_trips_allocate_nothing(*this, 5100, 7100); }

using LibosKernelAllocation = KernelPair;

TEST_F(LibosKernelAllocation, TcpAndUdpRoundTripsAllocateNothing) {
  expect_round_trips_allocate_nothing(*this, loopback_port(5), 0);  // UDP: the kernel picks the port
}

}  // namespace
