#include "device/netdev.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace sluice::device::netdev {

namespace {

// An ioctl needs some socket; a datagram socket exists in every namespace and needs no privilege.
class IoctlSocket {
 public:
  IoctlSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw_errno(errno, "socket(AF_INET) for interface queries");
  }
  ~IoctlSocket() { ::close(fd_); }
  IoctlSocket(const IoctlSocket&) = delete;
  IoctlSocket& operator=(const IoctlSocket&) = delete;

  void ask(unsigned long request, ifreq& request_data, const std::string& what) const {
    if (!try_ask(request, request_data)) throw_errno(errno, what);
  }
  bool try_ask(unsigned long request, ifreq& request_data) const { return ::ioctl(fd_, request, &request_data) == 0; }

 private:
  int fd_;
};

ifreq request_for(const std::string& name) {
  ifreq request{};
  std::memcpy(request.ifr_name, name.c_str(), name.size());
  return request;
}

// ETHTOOL_GCHANNELS rather than /sys/class/net: sysfs shows the namespace it was mounted in, which
// is not ours after a plain unshare(CLONE_NEWNET).
std::uint32_t count_rx_queues(const IoctlSocket& socket, const std::string& name) {
  ethtool_channels channels{};
  channels.cmd = ETHTOOL_GCHANNELS;
  ifreq request = request_for(name);
  request.ifr_data = reinterpret_cast<char*>(&channels);
  if (!socket.try_ask(SIOCETHTOOL, request)) return 0;
  return channels.rx_count + channels.combined_count;
}

}  // namespace

void check_interface_name(const std::string& name, const char* backend) {
  if (name.empty()) throw Error(EINVAL, std::string(backend) + ": no interface given (set iface)");
  if (name.size() >= IFNAMSIZ || name.find('/') != std::string::npos) {
    throw Error(EINVAL, std::string(backend) + ": \"" + name + "\" is not a valid interface name (at most " +
                            std::to_string(IFNAMSIZ - 1) + " characters, no '/')");
  }
}

bool interface_exists(const std::string& name) {
  return name.size() < IFNAMSIZ && ::if_nametoindex(name.c_str()) != 0;
}

InterfaceFacts query_interface(const std::string& name, const char* backend) {
  check_interface_name(name, backend);
  InterfaceFacts facts;
  facts.ifindex = ::if_nametoindex(name.c_str());
  if (facts.ifindex == 0) {
    throw Error(ENODEV, std::string(backend) + ": no interface " + name +
                            " in this network namespace (check `ip link`)");
  }
  const std::string where = std::string(backend) + ": reading ";
  IoctlSocket socket;
  ifreq request = request_for(name);
  socket.ask(SIOCGIFMTU, request, where + "the MTU of " + name);
  facts.mtu = static_cast<std::uint32_t>(request.ifr_mtu);
  request = request_for(name);
  socket.ask(SIOCGIFHWADDR, request, where + "the MAC address of " + name);
  std::memcpy(facts.mac.octets.data(), request.ifr_hwaddr.sa_data, facts.mac.octets.size());
  facts.rx_queues = count_rx_queues(socket, name);
  return facts;
}

}  // namespace sluice::device::netdev
