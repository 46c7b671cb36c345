// The LibOS core over the kernel backend (io_uring sockets) on loopback: what only the kernel
// does. The scenarios every backend shares (TCP and UDP byte-exact, timeouts, refused connects,
// resets, EBADF paths) run on it from libos_pair_test.cpp.
#include <netinet/in.h>
#include <sys/socket.h>

#include "libos/kernel_provider.hpp"
#include "libos/libos_fixture.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

using LibosKernel = KernelPair;

TEST_F(LibosKernel, TheBackendIsTheKernelsAndSleepsOnTheRing) {
  EXPECT_EQ(a->provider().backend(), "kernel");
  EXPECT_GE(a->wait_fd(), 0);
  EXPECT_NE(a->wait_fd(), b->wait_fd());
}

TEST_F(LibosKernel, UdpBoundWithoutAPortGetsTheKernelsPortAndTheConfiguredAddress) {
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(server, {{}, 0}), 0);  // the kernel picks the port
  libos::Endpoint service;
  ASSERT_EQ(b->local_endpoint(server, service), 0);
  ASSERT_NE(service.port, 0);
  EXPECT_EQ(service.address, endpoint("127.0.0.1", 0).address);  // unspecified binds to config ipv4
  const int client = a->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(a->bind(client, {{}, 0}), 0);
  libos::Endpoint client_local;
  ASSERT_EQ(a->local_endpoint(client, client_local), 0);
  const sl_qtoken_t popped = b->pop(server);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(100, sga), 0);
  EXPECT_EQ(wait(*a, a->push_to(client, sga, service)).ret, 0);
  EXPECT_EQ(a->sga_free(sga), 0);
  sl_qresult_t got = wait(*b, popped);
  ASSERT_EQ(got.ret, 0);
  EXPECT_EQ(ntohs(got.value.sga.addr.sin_port), client_local.port);
  EXPECT_EQ(b->sga_free(got.value.sga), 0);
}

TEST_F(LibosKernel, BindingAnAddressThisHostDoesNotHaveIsTheKernelsError) {
  const int udp = a->socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_EQ(a->bind(udp, endpoint("192.0.2.1", 0)), -EADDRNOTAVAIL);
  const int tcp = a->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(a->bind(tcp, endpoint("192.0.2.1", 0)), 0);  // TCP binds when it listens
  EXPECT_EQ(a->listen(tcp, 4), -EADDRNOTAVAIL);
}

}  // namespace
