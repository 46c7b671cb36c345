// The C ABI itself (one LibOS per process): lifecycle errors, configuration errors with their
// exact text, the environment override of the backend, and a TCP and UDP exchange with the
// instance's own address over the sim backend, all through sl_* calls only.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "sluice/libos.h"

namespace {

const char* const kSimConfig = R"({"backend": "sim", "ipv4": "198.18.0.1/24", "sim": {"wire": "capi"},
  "tcp": {"max_connections": 8, "send_buffer": 65536},
  "libos": {"max_queues": 32, "max_operations": 64, "buffer_count": 64, "buffer_size": 2048}})";

sockaddr_in address(const char* ip, std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  in.sin_addr.s_addr = inet_addr(ip);
  return in;
}

const timespec kLong{30, 0};

TEST(CApi, CallsBeforeInitAndBadConfigurationsSayWhy) {
  sl_qresult_t result{};
  EXPECT_EQ(sl_socket(AF_INET, SOCK_STREAM, 0), -ENXIO);
  EXPECT_EQ(sl_wait(1, &result, nullptr), -ENXIO);
  EXPECT_EQ(sl_fini(), -ENXIO);

  EXPECT_EQ(sl_init(R"({"backend": "sim", "ipv4": "198.18.0.1/24", "tcp": {"congestion": "vegas"}})"), -EINVAL);
  EXPECT_STREQ(sl_last_error(), R"(config.tcp.congestion: expected "cubic" or "newreno", got "vegas")");
  EXPECT_EQ(sl_init("{\"backend\": "), -EINVAL);
  EXPECT_STREQ(sl_last_error(), "invalid JSON at line 1 column 13: unexpected end of input");
  EXPECT_EQ(sl_init("/nonexistent/sluice.json"), -ENOENT);
  EXPECT_STREQ(sl_last_error(), "cannot read the configuration file /nonexistent/sluice.json: No such file or directory");
  EXPECT_EQ(sl_init(nullptr), -EINVAL);

  // The environment overrides the file's backend: the wait fd is then the kernel backend's ring.
  ASSERT_EQ(setenv("SLUICE_BACKEND", "kernel", 1), 0);
  ASSERT_EQ(sl_init(kSimConfig), 0) << sl_last_error();
  char target[64] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(sl_wait_fd());
  ASSERT_GT(readlink(link.c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "anon_inode:[io_uring]");
  EXPECT_EQ(sl_fini(), 0);
  unsetenv("SLUICE_BACKEND");
}

TEST(CApi, ConfigurationFromAFile) {
  const std::string path = ::testing::TempDir() + "/capi-config.json";
  std::ofstream(path) << kSimConfig;
  ASSERT_EQ(sl_init(path.c_str()), 0) << sl_last_error();
  EXPECT_EQ(sl_init(path.c_str()), -EEXIST);
  EXPECT_EQ(sl_fini(), 0);
  std::ofstream(path) << R"({"backend": "sim", "ipv4": "198.18.0.1/24", "mtu": -1})";
  EXPECT_EQ(sl_init(path.c_str()), -EINVAL);
  EXPECT_EQ(std::string(sl_last_error()), path + ": config.mtu: expected an integer in 0..65535, got -1");
}

TEST(CApi, TcpAndUdpWithTheInstancesOwnAddress) {
  ASSERT_EQ(sl_init(kSimConfig), 0) << sl_last_error();
  EXPECT_GE(sl_wait_fd(), 0);

  const sockaddr_in service = address("198.18.0.1", 8080);
  const int listener = sl_socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  ASSERT_EQ(sl_bind(listener, reinterpret_cast<const sockaddr*>(&service), sizeof service), 0);
  ASSERT_EQ(sl_listen(listener, 4), 0);
  const sl_qtoken_t accept = sl_accept(listener);
  ASSERT_GT(accept, 0);
  const int client = sl_socket(AF_INET, SOCK_STREAM, 0);
  const sl_qtoken_t connect = sl_connect(client, reinterpret_cast<const sockaddr*>(&service), sizeof service);
  ASSERT_GT(connect, 0);
  const sl_qtoken_t both[2] = {accept, connect};
  sl_qresult_t results[2];
  int collected = 0;
  while (collected < 2) {
    const int n = sl_wait_next_n(results + collected, 2 - collected, &kLong);
    ASSERT_GT(n, 0);
    collected += n;
  }
  int server = -1;
  for (const sl_qresult_t& r : results) {
    EXPECT_EQ(r.ret, 0);
    EXPECT_TRUE(r.qt == both[0] || r.qt == both[1]);
    if (r.opcode == SL_OPC_ACCEPT) server = r.value.accepted.qd;
  }
  ASSERT_GE(server, 0);

  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  ASSERT_EQ(sl_getpeername(client, reinterpret_cast<sockaddr*>(&peer), &len), 0);
  EXPECT_EQ(ntohs(peer.sin_port), 8080);
  EXPECT_EQ(len, sizeof peer);

  sl_sga_t sga{};
  ASSERT_EQ(sl_sga_alloc(5000, &sga), 0);
  ASSERT_EQ(sga.numsegs, 3u);
  for (std::uint32_t i = 0; i < sga.numsegs; ++i) std::memset(sga.segs[i].buf, 'a' + static_cast<int>(i), sga.segs[i].len);
  sl_qresult_t r{};
  ASSERT_EQ(sl_wait(sl_push(client, &sga), &r, &kLong), 0);
  EXPECT_EQ(r.ret, 0);
  EXPECT_EQ(sl_sga_free(&sga), 0);
  EXPECT_EQ(sl_sga_free(&r.value.sga), -EALREADY);  // the completion's copy names the freed buffer

  std::string got;
  while (got.size() < 5000) {
    ASSERT_EQ(sl_wait(sl_pop(server), &r, &kLong), 0);
    ASSERT_EQ(r.ret, 0);
    ASSERT_GT(r.value.sga.numsegs, 0u);
    for (std::uint32_t i = 0; i < r.value.sga.numsegs; ++i) {
      got.append(static_cast<const char*>(r.value.sga.segs[i].buf), r.value.sga.segs[i].len);
    }
    EXPECT_EQ(sl_sga_free(&r.value.sga), 0);
  }
  EXPECT_EQ(got, std::string(2048, 'a') + std::string(2048, 'b') + std::string(904, 'c'));

  // UDP to ourselves.
  const sockaddr_in udp_service = address("198.18.0.1", 5353);
  const int udp = sl_socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(sl_bind(udp, reinterpret_cast<const sockaddr*>(&udp_service), sizeof udp_service), 0);
  const sl_qtoken_t pop = sl_pop(udp);
  ASSERT_EQ(sl_sga_alloc(3, &sga), 0);
  std::memcpy(sga.segs[0].buf, "hey", 3);
  const int sender = sl_socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(sl_wait(sl_pushto(sender, &sga, reinterpret_cast<const sockaddr*>(&udp_service), sizeof udp_service), &r, &kLong), 0);
  EXPECT_EQ(r.ret, 0);
  EXPECT_EQ(r.opcode, SL_OPC_PUSHTO);
  ASSERT_EQ(sl_wait(pop, &r, &kLong), 0);
  ASSERT_EQ(r.value.sga.numsegs, 1u);
  EXPECT_EQ(std::string(static_cast<const char*>(r.value.sga.segs[0].buf), r.value.sga.segs[0].len), "hey");
  EXPECT_EQ(sl_sga_free(&r.value.sga), 0);
  EXPECT_EQ(sl_sga_free(&sga), 0);

  // Completions can also be harvested without blocking, as a host event loop does.
  const sl_qtoken_t idle_pop = sl_pop(udp);
  EXPECT_GE(sl_poll(0), 0);
  const timespec zero{0, 0};
  EXPECT_EQ(sl_wait_next_n(&r, 1, &zero), -ETIMEDOUT);
  EXPECT_EQ(sl_wait(idle_pop, &r, &zero), -ETIMEDOUT);
  EXPECT_EQ(sl_close(udp), 0);
  EXPECT_EQ(sl_wait(idle_pop, &r, &zero), 0);
  EXPECT_EQ(r.ret, -ECANCELED);

  EXPECT_EQ(sl_close(client), 0);
  EXPECT_EQ(sl_close(server), 0);
  EXPECT_EQ(sl_close(listener), 0);
  EXPECT_EQ(sl_fini(), 0);
}

}  // namespace
