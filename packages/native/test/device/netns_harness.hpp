#pragma once
// Real-device tests run in a forked child inside a fresh network namespace: every interface the
// test makes dies with the namespace when the child exits, whatever happens in the test. GoogleTest
// assertions work as usual in the child (their messages print there); the parent fails the test
// when the child reports failure, crashes or times out.
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define SLUICE_TEST_LEAK_CHECK() __lsan_do_recoverable_leak_check()
#else
#define SLUICE_TEST_LEAK_CHECK() 0
#endif

namespace sluice::test {

/// While alive, this thread's allocations are not reported as leaks: only for a third-party leak
/// the test names and cannot avoid; every other allocation stays checked.
struct ThirdPartyLeaksIgnored {
#if defined(__SANITIZE_ADDRESS__)
  ThirdPartyLeaksIgnored() { __lsan_disable(); }
  ~ThirdPartyLeaksIgnored() { __lsan_enable(); }
#else
  ThirdPartyLeaksIgnored() {}  // user-provided, so a scoped instance is not an "unused variable"
#endif
  ThirdPartyLeaksIgnored(const ThirdPartyLeaksIgnored&) = delete;
  ThirdPartyLeaksIgnored& operator=(const ThirdPartyLeaksIgnored&) = delete;
};

/// Runs a shell command; a non-zero exit is a test failure that names the command.
inline bool sh(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  const bool ok = status == 0;
  EXPECT_TRUE(ok) << "command failed (" << status << "): " << command;
  return ok;
}

inline void write_sysctl(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
}

/// A veth pair `a`/`b`, both up, with the peer's checksum offload off (as a physical wire gives).
inline void make_veth(const std::string& a = "a", const std::string& b = "b") {
  // "name" spelled out: iproute2 would read a bare "a" as an abbreviation of "address".
  sh("ip link add name " + a + " type veth peer name " + b);
  sh("ethtool -K " + b + " tx off tso off gso off");
  sh("ip link set dev " + a + " up");
  sh("ip link set dev " + b + " up");
}

inline void run_in_private_netns(const std::function<void()>& body,
                                 std::chrono::seconds timeout = std::chrono::seconds(60)) {
  // The child ends with _exit(), which skips the EAL's exit handler that removes its private
  // runtime directory, so the parent provides one and removes it.
  char runtime_dir[] = "/tmp/sluice-test-dpdk-XXXXXX";
  ASSERT_NE(::mkdtemp(runtime_dir), nullptr) << "mkdtemp";
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << "fork failed";
  if (child == 0) {
    int code = 0;
    ::setenv("RUNTIME_DIRECTORY", runtime_dir, 1);
    if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
      std::perror("unshare(CLONE_NEWNET | CLONE_NEWNS) (the device tests need root)");
      code = 2;
    } else {
      // A sysfs of the new namespace, as `ip netns exec` gives, so /sys/class/net shows its interfaces.
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
      ::umount2("/sys", MNT_DETACH);
      ::mount("sysfs", "/sys", "sysfs", 0, nullptr);
      // No IPv6 chatter (router solicitations, DAD) on the test wires: every frame is the test's.
      write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
      write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
      sh("ip link set lo up");
      try {
        body();
      } catch (const std::exception& error) {
        ADD_FAILURE() << "uncaught exception: " << error.what();
      }
      code = ::testing::Test::HasFailure() ? 1 : 0;
      if (code == 0 && SLUICE_TEST_LEAK_CHECK() != 0) code = 3;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      std::error_code ignored;
      std::filesystem::remove_all(runtime_dir, ignored);
      FAIL() << "the test body timed out after " << timeout.count() << " s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::error_code ignored;
  std::filesystem::remove_all(runtime_dir, ignored);
  if (WIFSIGNALED(status)) FAIL() << "the test body died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the test body failed in its namespace (messages above; 2 = no namespace, "
                                       "3 = leaks)";
}

}  // namespace sluice::test
