#pragma once
// The Sluice stack behind the LibOS: one runtime::StackInstance on an xdp, dpdk or tap device, or
// on an endpoint of a SimWorld. Maps the Provider calls onto iface::Interface one to one; the
// only state of its own is the datagram a udp_peek took off a socket's queue.
#include <memory>
#include <vector>

#include "libos/config.hpp"
#include "libos/provider.hpp"
#include "libos/sim_world.hpp"
#include "runtime/stack_instance.hpp"

namespace sluice::libos {

class StackProvider final : public Provider {
 public:
  /// Opens the device `config` names (backend xdp, dpdk, tap or sim). Throws sluice::Error.
  explicit StackProvider(const LibosConfig& config);
  ~StackProvider() override;

  std::string_view backend() const override { return backend_; }
  Instant now() const override;
  std::size_t begin_poll(Instant now, std::size_t budget) override;
  void end_poll(Instant now) override;
  bool next_event(ProviderEvent& out) override;
  bool idle(Instant deadline) override;
  Instant next_deadline() const override { return instance_->next_deadline(); }
  int wait_fd() const override { return instance_->device().wait_fd(); }
  std::size_t socket_id_limit() const override;

  int udp_bind(Endpoint local) override;
  int udp_connect(int socket, Endpoint remote) override;
  int udp_send_to(int socket, Endpoint to, std::span<const std::span<const std::uint8_t>> segments) override;
  long udp_peek(int socket) override;
  long udp_receive(int socket, std::span<const std::span<std::uint8_t>> segments, Endpoint& from) override;
  void udp_close(int socket) override;
  Endpoint udp_local(int socket) const override;

  bool lends_frames() const override { return instance_->device().lends_frames(); }
  std::size_t frame_payload_limit() const override;
  std::size_t frame_count() const override { return instance_->device().pool_capacity(); }
  std::uint32_t frame_index(const device::Frame& frame) const override { return instance_->device().frame_index(frame); }
  std::span<const std::uint8_t> frame_memory() const override { return instance_->device().frame_memory(); }
  bool frame_allocate(device::Frame& out) override { return instance_->frame_io().allocate(out); }
  void frame_release(const device::Frame& frame) override;
  long udp_receive_frame(int socket, device::Frame& frame, std::span<std::uint8_t>& payload, Endpoint& from) override;
  int udp_send_frame(int socket, Endpoint to, const device::Frame& frame, std::size_t length, bool& taken) override;
  std::size_t reclaim_frames(std::span<device::Frame> out) override { return instance_->device().reclaim_kept(out); }

  int tcp_listen(Endpoint local, std::uint32_t backlog) override;
  int tcp_accept(int listener, Endpoint& peer) override;
  int tcp_connect(Endpoint remote) override;
  long tcp_send(int socket, std::span<const std::uint8_t> bytes) override;
  long tcp_receive(int socket, std::span<std::uint8_t> out) override;
  void tcp_close(int socket, bool abort) override;
  int tcp_shutdown(int socket) override;
  int tcp_set_option(int socket, TcpOption option, bool on) override;
  int tcp_endpoints(int socket, Endpoint& local, Endpoint& remote) const override;
  bool tcp_established(int socket) const override;
  std::uint32_t tcp_send_buffer() const override { return instance_->interface().config().tcp.send_buffer; }
  std::uint32_t tcp_receive_buffer() const override { return instance_->interface().config().tcp.receive_buffer; }

  runtime::StackInstance& instance() { return *instance_; }

 private:
  bool hold(int socket);

  std::string backend_;
  bool busy_poll_ = true;
  std::shared_ptr<SimWorld> world_;  ///< sim only
  std::unique_ptr<runtime::StackInstance> instance_;
  std::vector<socket::UdpDatagram> held_;  ///< by UDP socket id: the datagram udp_peek took
  std::vector<std::uint8_t> gather_;       ///< a multi-segment datagram, assembled
};

}  // namespace sluice::libos
