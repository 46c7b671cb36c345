// Feeds arbitrary bytes to an Interface as received frames and checks that every frame comes back
// exactly once. Input layout (so one input can carry the fragments of one datagram):
//   byte 0:   bits 0-1 receive checksum policy (verify, accept_partial, skip); bit 2 sends a UDP
//             datagram to an unresolved neighbour first, so ARP input meets a pending queue
//   then up to 6 records of [2-byte big-endian length][that many bytes], each one received frame.
// Datagrams to port 7 are echoed with udp_reply_in_place; others are released; TCP port 80 listens.
// Afterwards time
// jumps far ahead so every timer fires, the interface is destroyed, and the pool must be full.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "device/frame_pool.hpp"
#include "iface/interface.hpp"

namespace {

constexpr std::uint32_t frame_count = 24;
constexpr std::uint32_t frame_size = 2048;

[[noreturn]] void fail(const char* what, std::uint64_t detail) {
  std::fprintf(stderr, "fuzz_receive_frame: %s (%llu)\n", what, static_cast<unsigned long long>(detail));
  std::abort();
}

class CheckedFrameIo : public sluice::iface::FrameIo {
 public:
  CheckedFrameIo() : memory_(std::size_t{frame_count} * frame_size), pool_(memory_.data(), frame_count, frame_size) {}

  bool allocate(sluice::device::Frame& out) override {
    std::uint32_t index = 0;
    if (!pool_.take(index)) return false;
    if (owned_[index]) fail("pool handed out a frame twice", index);
    owned_[index] = true;
    out = {pool_.address(index), 0, frame_size, index};
    return true;
  }

  void transmit(const sluice::device::Frame& frame) override {
    if (frame.len > frame.capacity || frame.len < 14) fail("transmitted frame with bad length", frame.len);
    give_back(frame);
  }

  void release(const sluice::device::Frame& frame) override { give_back(frame); }

  bool all_returned() const { return pool_.available() == pool_.capacity(); }

 private:
  void give_back(const sluice::device::Frame& frame) {
    if (frame.handle >= frame_count || !owned_[frame.handle]) fail("frame returned twice or unknown", frame.handle);
    if (frame.data != pool_.address(static_cast<std::uint32_t>(frame.handle))) fail("frame data moved", frame.handle);
    owned_[frame.handle] = false;
    pool_.give(static_cast<std::uint32_t>(frame.handle));
  }

  std::vector<std::uint8_t> memory_;
  sluice::device::FramePool pool_;
  bool owned_[frame_count] = {};
};

sluice::iface::InterfaceConfig fuzz_config(std::uint8_t flags) {
  using sluice::wire::Ipv4Address;
  sluice::iface::InterfaceConfig config;
  config.mac = {{0x02, 0, 0, 0, 0, 0x01}};
  config.address = Ipv4Address::from_octets(198, 18, 0, 1);
  config.prefix_length = 24;
  config.gateway = Ipv4Address::from_octets(198, 18, 0, 254);
  config.static_arp = {{Ipv4Address::from_octets(198, 18, 0, 254), {{0x02, 0, 0, 0, 0, 0xfe}}}};
  config.rx_checksum = static_cast<sluice::wire::ChecksumPolicy>((flags & 3) % 3);
  config.arp_cache_size = 4;
  config.arp_pending_per_address = 2;
  config.arp_pending_total = 3;
  config.reassembly_slots = 2;
  config.reassembly_max_datagram = 4096;
  config.udp_socket_count = 4;
  config.udp_receive_queue_depth = 2;
  config.icmp_error_burst = 4;
  config.mtu = 1500;
  config.tcp_connections = 4;
  config.tcp_listeners = 2;
  config.tcp_buffer_pairs = 2;
  config.tcp_max_backlog = 4;
  config.tcp.send_buffer = 4096;
  config.tcp.receive_buffer = 4096;
  config.tcp_timer_slots = 64;
  // Few retries, so every TCP timer runs out within the harness's final 240 s of polling.
  config.tcp.max_syn_retransmissions = 2;
  config.tcp.max_retransmissions = 2;
  return config;
}

void drain(sluice::iface::Interface& interface, int socket_id, sluice::Instant now, bool echo) {
  sluice::socket::UdpDatagram datagram;
  while (interface.udp_receive(socket_id, datagram)) {
    if (echo && !datagram.payload.empty()) datagram.payload[0] ^= 0xff;
    if (echo) {
      interface.udp_reply_in_place(now, std::move(datagram), datagram.payload.size());
    } else {
      interface.release(datagram);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  CheckedFrameIo io;
  {
    sluice::iface::Interface interface(fuzz_config(flags), io);
    const int echo = interface.udp_bind({{}, 7});
    const int sink = interface.udp_bind({{}, 9});
    const int client = interface.udp_bind({{}, 0});
    interface.tcp_listen({{}, 80}, 2);  // SYNs to port 80 open connections; other ports get RSTs
    sluice::Instant now = sluice::Instant::from_millis(1000);
    if (flags & 4) {
      const std::uint8_t hello[] = {'h', 'i'};
      interface.udp_send_to(now, client, {sluice::wire::Ipv4Address::from_octets(198, 18, 0, 2), 7}, hello);
    }
    std::size_t at = 1;
    for (int record = 0; record < 6 && at + 2 <= size; ++record) {
      std::size_t len = (std::size_t{data[at]} << 8) | data[at + 1];
      at += 2;
      len = std::min({len, size - at, std::size_t{frame_size}});
      sluice::device::Frame frame;
      if (!io.allocate(frame)) fail("pool empty before a receive", record);
      std::memcpy(frame.data, data + at, len);
      frame.len = static_cast<std::uint32_t>(len);
      at += len;
      interface.receive(now, frame);
      drain(interface, echo, now, true);
      drain(interface, sink, now, false);
      drain(interface, client, now, false);
      now = now + sluice::Duration::millis(1);
      interface.poll(now);
    }
    const sluice::Instant deadline = interface.next_deadline();
    if (!deadline.is_never() && deadline < now) fail("deadline in the past after poll", deadline.nanos);
    for (int step = 0; step < 8; ++step) {
      now = now + sluice::Duration::seconds(30);
      interface.poll(now);
    }
    if (!interface.next_deadline().is_never()) fail("timers left after every deadline passed", 0);
    if (interface.reassembly_slots_in_use() != 0) fail("reassembly slot leaked", interface.reassembly_slots_in_use());
  }
  if (!io.all_returned()) fail("frames leaked", 0);
  return 0;
}
