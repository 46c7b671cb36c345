#pragma once
// Helpers shared by the real-device tests: the errno an open fails with, and the XDP program (if
// any) attached to an interface.
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <cstdint>
#include <string>

#include "device/open.hpp"
#include "util/error.hpp"

namespace sluice::test {

/// The errno code open_device() fails with (0 when it succeeds); the message goes to `message`.
inline int error_code_of(const device::DeviceConfig& config, std::string* message = nullptr) {
  try {
    device::open_device(config);
  } catch (const Error& error) {
    if (message != nullptr) *message = error.what();
    return error.code();
  }
  return 0;
}

/// The id of the XDP program attached to `iface` in native or generic mode, 0 when none.
inline std::uint32_t xdp_program_on(const std::string& iface) {
  const int ifindex = static_cast<int>(::if_nametoindex(iface.c_str()));
  std::uint32_t id = 0;
  for (const int mode : {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE}) {
    std::uint32_t mode_id = 0;
    if (bpf_xdp_query_id(ifindex, mode, &mode_id) == 0 && mode_id != 0) id = mode_id;
  }
  return id;
}

}  // namespace sluice::test
