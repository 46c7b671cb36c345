#include "libos/stack_provider.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "iface/layout.hpp"
#include "runtime/instance_config.hpp"
#include "util/error.hpp"

namespace sluice::libos {

using socket::tcp::TcpEventKind;

namespace {
/// A sim endpoint's MAC when none is configured: locally administered, from the IPv4 address, so
/// hosts on one wire differ without configuration.
wire::MacAddress sim_mac(wire::Ipv4Address address) {
  return {{0x02, 0x00, static_cast<std::uint8_t>(address.value >> 24), static_cast<std::uint8_t>(address.value >> 16),
           static_cast<std::uint8_t>(address.value >> 8), static_cast<std::uint8_t>(address.value)}};
}
}  // namespace

StackProvider::StackProvider(const LibosConfig& config)
    : backend_(config.backend), busy_poll_(config.instance.busy_poll) {
  iface::InterfaceConfig interface = runtime::interface_config(config.instance);
  std::unique_ptr<device::Device> device;
  if (config.backend == "sim") {
    world_ = SimWorld::named(config.sim);
    // A simulation replays exactly: its TCP secret and counters derive from the seed.
    interface.tcp_secret = 0;
    interface.seed = static_cast<std::uint32_t>(config.sim.seed) ^ config.instance.address.value;
    const std::uint32_t mtu = config.instance.device.mtu != 0 ? config.instance.device.mtu : 1500;
    device = world_->attach("sim-" + config.instance.address.to_string(), config.instance.mac.value_or(sim_mac(config.instance.address)), mtu);
  } else {
    runtime::InstanceConfig instance = config.instance;
    instance.device.backend = config.backend;
    device = device::open_device(instance.device);
  }
  instance_ = runtime::build_instance(std::move(device), config.instance, std::move(interface));
  if (world_) world_->add(instance_.get());
  held_.resize(instance_->interface().config().udp_socket_count);
  gather_.resize(65535);
}

StackProvider::~StackProvider() {
  for (std::size_t id = 0; id < held_.size(); ++id) {
    if (!held_[id].empty()) instance_->interface().release(held_[id]);
  }
  if (world_) world_->remove(instance_.get());
}

Instant StackProvider::now() const { return world_ ? world_->now() : monotonic_now(); }

std::size_t StackProvider::begin_poll(Instant now, std::size_t budget) {
  if (world_) return world_->receive_all(now);
  // One burst by default; a larger budget takes bursts until it is used up or the queue is empty.
  std::size_t received = 0;
  do {
    const std::size_t burst = instance_->receive(now);
    received += burst;
    if (burst < runtime::StackInstance::kRxBurst) break;
  } while (received < budget);
  return received;
}

void StackProvider::end_poll(Instant now) {
  if (world_) {
    world_->finish_all(now);
  } else {
    instance_->finish(now);
  }
}

bool StackProvider::next_event(ProviderEvent& out) {
  iface::TcpEvent event;
  if (!instance_->interface().tcp_next_event(event)) return false;
  out.socket = event.socket;
  out.error = event.error;
  switch (event.kind) {
    case TcpEventKind::connected: out.kind = ProviderEventKind::connected; break;
    case TcpEventKind::acceptable: out.kind = ProviderEventKind::acceptable; break;
    case TcpEventKind::readable: out.kind = ProviderEventKind::readable; break;
    case TcpEventKind::writable: out.kind = ProviderEventKind::writable; break;
    case TcpEventKind::closed:
      out.kind = event.error != 0 ? ProviderEventKind::failed : ProviderEventKind::closed;
      break;
    case TcpEventKind::reset:
    case TcpEventKind::error: out.kind = ProviderEventKind::failed; break;
  }
  return true;
}

bool StackProvider::idle(Instant deadline) {
  if (world_) return world_->idle(deadline);
  const int fd = wait_fd();
  if (busy_poll_ || fd < 0) return true;
  // Sleep on the device until frames come, the next timer, or the caller's deadline (capped, so
  // a device that misses a wakeup costs at most 50 ms).
  const Instant now = monotonic_now();
  const Instant until = std::min(deadline, next_deadline());
  std::uint64_t ms = 50;
  if (!until.is_never()) ms = std::min<std::uint64_t>(ms, (until - now).nanos / 1'000'000);
  pollfd waiter{fd, POLLIN, 0};
  ::poll(&waiter, 1, static_cast<int>(ms));
  return true;
}

std::size_t StackProvider::socket_id_limit() const {
  const iface::InterfaceConfig& config = instance_->interface().config();
  return std::size_t{config.tcp_connections} + config.tcp_listeners;
}

int StackProvider::udp_bind(Endpoint local) { return instance_->interface().udp_bind(local); }

int StackProvider::udp_connect(int socket, Endpoint remote) { return instance_->interface().udp_connect(socket, remote); }

int StackProvider::udp_send_to(int socket, Endpoint to, std::span<const std::span<const std::uint8_t>> segments) {
  iface::Interface& stack = instance_->interface();
  const Instant at = now();
  if (segments.size() == 1) return stack.udp_send_to(at, socket, to, segments[0]);
  std::size_t total = 0;
  for (const auto& segment : segments) {
    if (total + segment.size() > gather_.size()) return -EMSGSIZE;
    std::memcpy(gather_.data() + total, segment.data(), segment.size());
    total += segment.size();
  }
  return stack.udp_send_to(at, socket, to, {gather_.data(), total});
}

bool StackProvider::hold(int socket) {
  if (socket < 0 || static_cast<std::size_t>(socket) >= held_.size()) return false;
  socket::UdpDatagram& held = held_[static_cast<std::size_t>(socket)];
  return !held.empty() || instance_->interface().udp_receive(socket, held);
}

long StackProvider::udp_peek(int socket) {
  if (!hold(socket)) return instance_->interface().udp_local(socket).port == 0 ? -EBADF : -EAGAIN;
  return static_cast<long>(held_[static_cast<std::size_t>(socket)].payload.size());
}

long StackProvider::udp_receive(int socket, std::span<const std::span<std::uint8_t>> segments, Endpoint& from) {
  if (!hold(socket)) return instance_->interface().udp_local(socket).port == 0 ? -EBADF : -EAGAIN;
  socket::UdpDatagram& held = held_[static_cast<std::size_t>(socket)];
  std::size_t offset = 0;
  for (const auto& segment : segments) {
    const std::size_t n = std::min(segment.size(), held.payload.size() - offset);
    std::memcpy(segment.data(), held.payload.data() + offset, n);
    offset += n;
  }
  from = held.from;
  const auto size = static_cast<long>(held.payload.size());
  instance_->interface().release(held);
  held = {};
  return size;
}

static_assert(Provider::kHeadroom == iface::layout::udp_payload);

std::size_t StackProvider::frame_payload_limit() const {
  return instance_->interface().config().mtu - wire::Ipv4Packet::min_header_len - wire::UdpPacket::header_len;
}

void StackProvider::frame_release(const device::Frame& frame) {
  device::Frame plain = frame;
  plain.kept = false;
  instance_->frame_io().release(plain);
}

long StackProvider::udp_receive_frame(int socket, device::Frame& frame, std::span<std::uint8_t>& payload, Endpoint& from) {
  if (!hold(socket)) return instance_->interface().udp_local(socket).port == 0 ? -EBADF : -EAGAIN;
  socket::UdpDatagram& held = held_[static_cast<std::size_t>(socket)];
  if (held.frame.data == nullptr) return -EOPNOTSUPP;  // reassembled: its bytes are in a slot, not a frame
  frame = held.frame;
  payload = held.payload;
  from = held.from;
  held = {};  // the frame is the caller's now: not released here
  return static_cast<long>(payload.size());
}

int StackProvider::udp_send_frame(int socket, Endpoint to, const device::Frame& frame, std::size_t length, bool& taken) {
  return instance_->interface().udp_send_frame(now(), socket, to, frame, length, taken);
}

void StackProvider::udp_close(int socket) {
  if (socket >= 0 && static_cast<std::size_t>(socket) < held_.size() && !held_[static_cast<std::size_t>(socket)].empty()) {
    instance_->interface().release(held_[static_cast<std::size_t>(socket)]);
    held_[static_cast<std::size_t>(socket)] = {};
  }
  instance_->interface().udp_close(socket);
}

Endpoint StackProvider::udp_local(int socket) const { return instance_->interface().udp_local(socket); }

int StackProvider::tcp_listen(Endpoint local, std::uint32_t backlog) {
  return instance_->interface().tcp_listen(local, backlog);
}

int StackProvider::tcp_accept(int listener, Endpoint& peer) {
  const int id = instance_->interface().tcp_accept(listener);
  if (id >= 0) peer = instance_->interface().tcp_connection(id)->tuple().remote;
  return id;
}

int StackProvider::tcp_connect(Endpoint remote) { return instance_->interface().tcp_connect(now(), remote); }

long StackProvider::tcp_send(int socket, std::span<const std::uint8_t> bytes) {
  return instance_->interface().tcp_send(now(), socket, bytes);
}

long StackProvider::tcp_receive(int socket, std::span<std::uint8_t> out) {
  return instance_->interface().tcp_receive(socket, out);
}

void StackProvider::tcp_close(int socket, bool abort) {
  if (abort) {
    instance_->interface().tcp_abort(now(), socket);
  } else {
    instance_->interface().tcp_close(now(), socket);
  }
}

int StackProvider::tcp_shutdown(int socket) { return instance_->interface().tcp_shutdown(now(), socket); }

int StackProvider::tcp_set_option(int socket, TcpOption option, bool on) {
  iface::Interface& stack = instance_->interface();
  switch (option) {
    case TcpOption::nodelay: return stack.tcp_set_nodelay(socket, on);
    case TcpOption::keepalive: return stack.tcp_set_keepalive(socket, on);
    case TcpOption::congestion_newreno: return stack.tcp_set_congestion(socket, socket::tcp::CongestionAlgorithm::newreno);
    case TcpOption::congestion_cubic: return stack.tcp_set_congestion(socket, socket::tcp::CongestionAlgorithm::cubic);
  }
  return -EINVAL;
}

int StackProvider::tcp_endpoints(int socket, Endpoint& local, Endpoint& remote) const {
  const socket::tcp::Connection* connection = instance_->interface().tcp_connection(socket);
  if (connection == nullptr) return -EBADF;
  local = connection->tuple().local;
  remote = connection->tuple().remote;
  return 0;
}

bool StackProvider::tcp_established(int socket) const {
  return socket::tcp::is_synchronized(instance_->interface().tcp_state(socket));
}

}  // namespace sluice::libos
