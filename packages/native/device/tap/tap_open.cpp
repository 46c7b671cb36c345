// Attaching to (or creating) a TAP interface through /dev/net/tun.
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "device/netdev.hpp"
#include "device/tap/tap_device.hpp"
#include "util/error.hpp"

namespace sluice::device::tap {

namespace {

// Room for a VLAN tag on top of the MTU and the Ethernet header, rounded to whole cache lines.
std::uint32_t frame_size_for_mtu(std::uint32_t mtu) { return (mtu + 14 + 4 + 63) / 64 * 64; }

class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void throw_attach_failure(int error, const std::string& iface, bool existed) {
  const std::string step = "tap " + iface + ": TUNSETIFF";
  switch (error) {
    case EINVAL:
      if (existed) throw Error(EINVAL, step + ": " + iface + " exists and is not a TAP interface; pick another name");
      throw Error(EINVAL, step + ": the kernel rejected the TAP request for " + iface + ": " + std::strerror(error));
    case EBUSY:
      throw Error(EBUSY, step + ": " + iface + " is already attached to another file descriptor (another process "
                             "has it open); stop it or use another interface");
    case EPERM:
    case EACCES:
      throw Error(EPERM, step + ": " + std::strerror(error) + "; creating or attaching a TAP needs CAP_NET_ADMIN "
                             "(or a persistent TAP owned by this user: `ip tuntap add " + iface + " mode tap user ...`)");
    default:
      throw_errno(error, step);
  }
}

}  // namespace

wire::MacAddress generated_mac(const std::string& iface) {
  std::uint64_t hash = 0xcbf29ce484222325u;  // FNV-1a
  for (const char c : iface) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= 0x100000001b3u;
  }
  wire::MacAddress mac;
  for (std::size_t i = 0; i < mac.octets.size(); ++i) mac.octets[i] = static_cast<std::uint8_t>(hash >> (8 * i));
  mac.octets[0] = static_cast<std::uint8_t>((mac.octets[0] & 0xfc) | 0x02);  // locally administered, unicast
  return mac;
}

std::unique_ptr<Device> open_tap(const DeviceConfig& config) {
  const std::string& iface = config.iface;
  netdev::check_interface_name(iface, "tap");
  if (config.mac && (config.mac->is_multicast() || *config.mac == wire::MacAddress{})) {
    throw Error(EINVAL, "tap " + iface + ": mac " + config.mac->to_string() + " is not a unicast address");
  }
  OwnedFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    const int error = errno;
    if (error == ENOENT) throw Error(ENOENT, "tap " + iface + ": /dev/net/tun does not exist; load the tun module");
    if (error == EACCES || error == EPERM) {
      throw Error(EPERM, "tap " + iface + ": cannot open /dev/net/tun: " + std::strerror(error) + "; needs CAP_NET_ADMIN");
    }
    throw_errno(error, "tap " + iface + ": open(/dev/net/tun)");
  }
  const bool existed = netdev::interface_exists(iface);
  ifreq request{};
  std::memcpy(request.ifr_name, iface.c_str(), iface.size());
  request.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (::ioctl(fd.get(), TUNSETIFF, &request) != 0) throw_attach_failure(errno, iface, existed);

  const netdev::InterfaceFacts facts = netdev::query_interface(iface, "tap");
  if (config.mtu > facts.mtu) {
    throw Error(EINVAL, "tap " + iface + ": mtu " + std::to_string(config.mtu) + " is above the interface's MTU " +
                            std::to_string(facts.mtu) + "; raise it with `ip link set " + iface + " mtu ...`");
  }
  DeviceInfo info;
  info.backend = "tap";
  info.name = iface;
  info.queue = 0;
  info.mtu = config.mtu != 0 ? config.mtu : facts.mtu;
  info.mac = config.mac.value_or(generated_mac(iface));
  if (!config.mac && info.mac == facts.mac) info.mac.octets[5] ^= 1;  // we are the kernel's peer, not its twin
  info.mode = existed ? "attached" : "created";
  return std::make_unique<TapDevice>(fd.release(), std::move(info), config.frame_count, frame_size_for_mtu(facts.mtu));
}

}  // namespace sluice::device::tap
