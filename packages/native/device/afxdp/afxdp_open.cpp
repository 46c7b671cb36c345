// Binding an AF_XDP socket: validate against the interface, then try the XDP attach modes the
// configuration allows (native first in "auto"), retrying while the queue is still held by a socket
// that is closing. Every failure names the interface, the step and what to do about it.
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "device/afxdp/afxdp_device.hpp"
#include "device/libbpf_messages.hpp"
#include "device/netdev.hpp"
#include "util/error.hpp"

namespace sluice::device::afxdp {

namespace {

// A queue stays busy for 1-2 s after its previous socket closed; this covers about 3 s.
constexpr int busy_retry_attempts = 10;
constexpr int first_backoff_ms = 10;
constexpr int max_backoff_ms = 500;

struct AttachMode {
  std::uint32_t xdp_flags;
  const char* name;
};
constexpr AttachMode native_mode{XDP_FLAGS_DRV_MODE, "xdp-drv"};
constexpr AttachMode generic_mode{XDP_FLAGS_SKB_MODE, "xdp-skb"};

struct Target {
  std::string owner;  // "xdp eth0 queue 0", the prefix of every message
  const DeviceConfig& config;
  netdev::InterfaceFacts facts;
  std::uint32_t frame_size;
};

std::vector<AttachMode> modes_to_try(const std::string& xdp_mode) {
  if (xdp_mode == "drv") return {native_mode};
  if (xdp_mode == "skb") return {generic_mode};
  return {native_mode, generic_mode};
}

bool socket_is_zero_copy(int fd) {
  xdp_options options{};
  socklen_t len = sizeof options;
  return ::getsockopt(fd, SOL_XDP, XDP_OPTIONS, &options, &len) == 0 && (options.flags & XDP_OPTIONS_ZEROCOPY) != 0;
}

struct Attempt {
  std::unique_ptr<BoundSocket> bound = std::make_unique<BoundSocket>();
  int error = 0;  // positive errno when binding failed
  std::string kernel_says;
};

// The id of the XDP program attached to the interface in `mode`, 0 for none.
std::uint32_t attached_program(const Target& target, AttachMode mode) {
  std::uint32_t id = 0;
  if (::bpf_xdp_query_id(static_cast<int>(target.facts.ifindex), static_cast<int>(mode.xdp_flags), &id) != 0) return 0;
  return id;
}

// libxdp can attach its program and then fail the bind; a program left behind in native mode would make the
// generic-mode retry fail with "native and generic XDP can't be active at the same time" and hide the cause.
void detach_left_behind(const Target& target, AttachMode mode, std::uint32_t before) {
  const std::uint32_t after = attached_program(target, mode);
  if (after == 0 || after == before) return;
  ::bpf_xdp_detach(static_cast<int>(target.facts.ifindex), static_cast<int>(mode.xdp_flags), nullptr);
}

Attempt try_bind(const Target& target, AttachMode mode, LibbpfMessageCapture& messages) {
  Attempt attempt;
  const std::uint32_t program_before = attached_program(target, mode);
  attempt.bound->umem = std::make_unique<Umem>(target.config.frame_count, target.frame_size, target.config.ring_size,
                                              target.owner);
  attempt.bound->need_wakeup = !target.config.busy_poll;

  xsk_socket_config config{};
  config.rx_size = target.config.ring_size;
  config.tx_size = target.config.ring_size;
  config.xdp_flags = mode.xdp_flags;
  config.bind_flags = attempt.bound->need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
  messages.clear();
  const int rc = xsk_socket__create(&attempt.bound->socket, target.config.iface.c_str(), target.config.queue,
                                    attempt.bound->umem->handle(), &attempt.bound->rx, &attempt.bound->tx, &config);
  if (rc != 0) {
    attempt.error = -rc;
    attempt.kernel_says = messages.last_warning();
    attempt.bound->socket = nullptr;
    detach_left_behind(target, mode, program_before);
    return attempt;
  }
  attempt.bound->zero_copy = socket_is_zero_copy(xsk_socket__fd(attempt.bound->socket));
  return attempt;
}

std::string because(const Attempt& attempt) {
  std::string text = std::strerror(attempt.error);
  if (!attempt.kernel_says.empty()) text += " (" + attempt.kernel_says + ")";
  return text;
}

[[noreturn]] void throw_bind_failure(const Target& target, AttachMode mode, const Attempt& attempt, int attempts,
                                     int waited_ms) {
  const std::string& iface = target.config.iface;
  const std::string step = target.owner + ": binding in " + mode.name + " mode";
  switch (attempt.error) {
    case EBUSY:
      throw Error(EBUSY, step + " still failed with EBUSY after " + std::to_string(attempts) + " attempts over " +
                             std::to_string(waited_ms) + " ms: another AF_XDP socket holds this queue (or one is "
                             "still closing); stop the other user or retry later");
    case EEXIST:
      throw Error(EBUSY, step + ": " + iface + " already has a different XDP program attached (" + because(attempt) +
                             "); see `ip link show " + iface + "`, detach it with `ip link set dev " + iface +
                             " xdp off`");
    case EPERM:
    case EACCES:
      throw Error(EPERM, step + ": " + because(attempt) + "; AF_XDP needs root or CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN (libxdp's "
                           "dispatcher needs CAP_SYS_ADMIN on this kernel; CAP_BPF is not enough)");
    case ENOBUFS:
    case ENOMEM:
      throw Error(ENOBUFS, step + ": mapping the rings failed (" + because(attempt) + "); locked memory is limited "
                               "(RLIMIT_MEMLOCK): run as root / with CAP_IPC_LOCK or lower ring_size and frame_count");
    default:
      if (mode.xdp_flags == XDP_FLAGS_DRV_MODE) {
        throw Error(EOPNOTSUPP, step + ": " + iface + " refused native XDP: " + because(attempt) +
                                    "; use xdp_mode=skb (or auto), or lower the MTU of " + iface + "'s peer");
      }
      throw Error(attempt.error == 0 ? EIO : attempt.error, step + ": " + because(attempt));
  }
}

struct BindOutcome {
  Attempt last;
  int attempts = 0;
  int waited_ms = 0;
};

BindOutcome bind_with_retries(const Target& target, AttachMode mode, LibbpfMessageCapture& messages) {
  BindOutcome outcome;
  int backoff_ms = first_backoff_ms;
  for (;;) {
    outcome.last = try_bind(target, mode, messages);
    ++outcome.attempts;
    if (outcome.last.error != EBUSY || outcome.attempts == busy_retry_attempts) return outcome;
    outcome.last.bound.reset();  // the failed UMEM goes before we sleep
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    outcome.waited_ms += backoff_ms;
    backoff_ms = std::min(backoff_ms * 2, max_backoff_ms);
  }
}

// Failures that another attach mode cannot fix.
bool mode_independent(int error) {
  return error == EBUSY || error == EPERM || error == EACCES || error == ENOBUFS || error == ENOMEM ||
         error == ENODEV;
}

}  // namespace

std::unique_ptr<Device> open_af_xdp(const DeviceConfig& config) {
  netdev::InterfaceFacts facts = netdev::query_interface(config.iface, "xdp");
  const std::string owner = "xdp " + config.iface + " queue " + std::to_string(config.queue);
  if (facts.rx_queues != 0 && config.queue >= facts.rx_queues) {
    throw Error(EINVAL, owner + ": " + config.iface + " has " + std::to_string(facts.rx_queues) +
                            " receive queue(s) (0.." + std::to_string(facts.rx_queues - 1) +
                            "); see `ethtool -l " + config.iface + "`");
  }
  if (config.mtu > facts.mtu) {
    throw Error(EINVAL, owner + ": mtu " + std::to_string(config.mtu) + " is above " + config.iface + "'s MTU " +
                            std::to_string(facts.mtu));
  }
  const std::uint32_t mtu = config.mtu != 0 ? config.mtu : facts.mtu;
  const std::uint32_t frame_size = frame_size_for_mtu(mtu);
  if (frame_size == 0) {
    throw Error(EINVAL, owner + ": MTU " + std::to_string(mtu) + " does not fit a 4096-byte UMEM frame (max " +
                            std::to_string(4096 - 14 - kernel_rx_headroom) + "); set mtu lower or lower " +
                            config.iface + "'s MTU");
  }

  const Target target{owner, config, facts, frame_size};
  LibbpfMessageCapture messages;
  const std::vector<AttachMode> modes = modes_to_try(config.xdp_mode);
  for (std::size_t i = 0; i < modes.size(); ++i) {
    BindOutcome outcome = bind_with_retries(target, modes[i], messages);
    if (outcome.last.error != 0) {
      if (i + 1 < modes.size() && !mode_independent(outcome.last.error)) continue;
      throw_bind_failure(target, modes[i], outcome.last, outcome.attempts, outcome.waited_ms);
    }
    DeviceInfo info;
    info.backend = "xdp";
    info.name = config.iface;
    info.queue = config.queue;
    info.mtu = mtu;
    info.mac = facts.mac;
    info.mode = std::string(modes[i].name) + (outcome.last.bound->zero_copy ? "/zerocopy" : "/copy");
    return std::make_unique<AfXdpDevice>(std::move(outcome.last.bound), std::move(info));
  }
  throw Error(EINVAL, owner + ": no XDP attach mode to try");
}

}  // namespace sluice::device::afxdp
