// Feature probing reports what this kernel does, and the multishot switch forces the fallback.
#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <cstdio>

#include "engine_harness.hpp"

namespace sluice::test::uring {
namespace {

bool kernel_at_least(int major, int minor) {
  utsname name{};
  if (::uname(&name) != 0) return false;
  int running_major = 0;
  int running_minor = 0;
  if (std::sscanf(name.release, "%d.%d", &running_major, &running_minor) != 2) return false;
  return running_major > major || (running_major == major && running_minor >= minor);
}

TEST(KernelEngineFeatures, ProbesAgreeWithTheRunningKernelVersion) {
  Engine engine;
  const auto& features = engine.features();
  // Multishot accept came in Linux 5.19, multishot recv/recvmsg in 6.0: the trial must find them
  // exactly when the kernel is new enough.
  EXPECT_EQ(features.multishot_accept, kernel_at_least(5, 19));
  EXPECT_EQ(features.multishot_recv, kernel_at_least(6, 0));
  EXPECT_EQ(features.multishot_recvmsg, kernel_at_least(6, 0));
  EXPECT_EQ(features.send_zc, kernel_at_least(6, 0));
  EXPECT_EQ(engine.multishot_recv_in_use(), features.multishot_recv);
  const std::string text = features.describe();
  EXPECT_NE(text.find(features.multishot_recv ? "multishot recv: yes" : "multishot recv: no"), std::string::npos)
      << text;
  // The probes left nothing behind.
  EXPECT_EQ(engine.buffers_held(), 0u);
  EXPECT_EQ(engine.slots_in_use(), 0u);
  std::array<Completion, 4> out{};
  EXPECT_EQ(engine.poll(out), 0u) << "no stray completion from the probes";
}

TEST(KernelEngineFeatures, MultishotCanBeSwitchedOffButIsStillReported) {
  Engine engine(config_for(false));
  EXPECT_FALSE(engine.multishot_accept_in_use());
  EXPECT_FALSE(engine.multishot_recv_in_use());
  EXPECT_FALSE(engine.multishot_recvmsg_in_use());
  EXPECT_EQ(engine.features().multishot_recv, kernel_at_least(6, 0));
}

}  // namespace
}  // namespace sluice::test::uring
