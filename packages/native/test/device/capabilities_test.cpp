#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include "device/capabilities.hpp"

using sluice::device::probe_all_backends;

TEST(Capabilities, EveryBackendIsReportedWithAReasonWhenUnusable) {
  const auto backends = probe_all_backends();
  ASSERT_EQ(backends.size(), 3u);
  for (const auto& b : backends) {
    EXPECT_FALSE(b.backend.empty());
    EXPECT_EQ(b.usable, b.reason.empty()) << b.backend << ": " << b.reason;
  }
}

TEST(Capabilities, TapProbeAgreesWithTheDeviceNode) {
  const int fd = ::open("/dev/net/tun", O_RDWR);
  const bool openable = fd >= 0;
  if (fd >= 0) ::close(fd);
  EXPECT_EQ(sluice::device::probe_tap().usable, openable);
}

TEST(Capabilities, LinkedLibrariesReportVersions) {
  const auto versions = sluice::device::linked_library_versions();
  EXPECT_NE(versions.libbpf.find('.'), std::string::npos);
  EXPECT_NE(versions.libxdp.find('.'), std::string::npos);
  EXPECT_NE(versions.liburing.find('.'), std::string::npos);
}
