#pragma once
// The smoltcp-style harness: one Interface over a TestFrameIo, exact frames in with explicit
// timestamps, exact frames out, and a leak check after every test.
#include <gtest/gtest.h>

#include <memory>

#include "iface/frames.hpp"
#include "iface/interface.hpp"
#include "iface/test_frame_io.hpp"

namespace sluice::testing {

/// The IP identification of the first datagram an interface with seed 1 sends.
constexpr std::uint16_t first_ip_id = 0x9e37;

inline Instant at_ms(std::uint64_t ms) { return Instant::from_millis(ms); }

class InterfaceTest : public ::testing::Test {
 protected:
  static iface::InterfaceConfig default_config() {
    iface::InterfaceConfig config;
    config.mac = host_mac;
    config.address = host_ip;
    config.prefix_length = 24;
    config.seed = 1;
    return config;
  }

  void SetUp() override { make(default_config()); }

  void make(const iface::InterfaceConfig& config) {
    iface.reset();
    iface = std::make_unique<iface::Interface>(config, io);
  }

  void TearDown() override {
    iface.reset();
    EXPECT_TRUE(io.pool_full()) << "leaked " << io.capacity() - io.available() << " frames";
    EXPECT_TRUE(io.sent.empty()) << io.sent.size() << " transmitted frames were not checked";
  }

  void receive(Instant now, const Bytes& bytes) { iface->receive(now, io.frame_with(bytes)); }

  const iface::InterfaceCounters& counters() const { return iface->counters(); }

  TestFrameIo io;
  std::unique_ptr<iface::Interface> iface;
};

}  // namespace sluice::testing
