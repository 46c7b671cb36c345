#pragma once
// One Ethernet interface with one IPv4 address: ARP, IPv4 (with reassembly), ICMP echo and port
// unreachable, and UDP sockets. Frames come in through receive() and go out through FrameIo;
// time comes in as arguments. Nothing here allocates after construction (bind excepted).
//
// Frame ownership: every frame handed to receive() ends up released, transmitted (replies reuse
// the received frame in place where they can), queued on a socket (until release()), or queued
// waiting for ARP. The destructor releases everything still held except datagrams the caller took
// with udp_receive(): release those first.
#include <cstdint>
#include <optional>
#include <span>

#include "device/device.hpp"
#include "iface/arp_cache.hpp"
#include "iface/config.hpp"
#include "iface/counters.hpp"
#include "iface/frame_io.hpp"
#include "iface/reassembler.hpp"
#include "iface/router.hpp"
#include "iface/token_bucket.hpp"
#include "socket/udp_socket.hpp"
#include "util/time.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"

namespace sluice::iface {

class Interface {
 public:
  /// Validates `config` (throws sluice::Error(EINVAL) naming the field) and sizes every table.
  Interface(InterfaceConfig config, FrameIo& io);
  ~Interface();
  Interface(const Interface&) = delete;
  Interface& operator=(const Interface&) = delete;

  /// Takes ownership of `frame` (see the header comment).
  void receive(Instant now, const device::Frame& frame);
  /// Runs due timers: ARP retransmissions and failures, reassembly timeouts.
  void poll(Instant now);
  /// The earliest time poll() has work, Instant::never() if none.
  Instant next_deadline() const;

  const InterfaceCounters& counters() const { return counters_; }
  const InterfaceConfig& config() const { return config_; }
  /// The resolved MAC for `ip` if the cache has a usable entry at `now` (static entries always).
  std::optional<wire::MacAddress> arp_lookup(Instant now, wire::Ipv4Address ip) const;
  /// Reassembly slots assembling or holding a delivered datagram.
  std::size_t reassembly_slots_in_use() const { return reassembler_.slots_in_use(); }

  // UDP. Socket ids are small integers >= 0; calls with a closed id fail with -EBADF / false.

  /// Socket id, or -EADDRINUSE / -EMFILE / -EADDRNOTAVAIL. Address 0 = any; port 0 = ephemeral.
  int udp_bind(socket::Endpoint local);
  /// Accept datagrams only from `remote` and make it the default for udp_send; port 0 disconnects.
  int udp_connect(int id, socket::Endpoint remote);
  /// Oldest queued datagram; the caller owns it and must hand it back with release() or
  /// udp_reply_in_place().
  bool udp_receive(int id, socket::UdpDatagram& out);
  void release(socket::UdpDatagram& datagram);
  /// 0 when sent or queued for ARP; -EBADF, -EINVAL (port or address 0), -EMSGSIZE (above
  /// mtu - 28), -ENOBUFS (no frame, or the ARP queue is full), -EHOSTUNREACH (no route).
  int udp_send_to(Instant now, int id, socket::Endpoint to, std::span<const std::uint8_t> payload);
  /// udp_send_to the connected remote; -EDESTADDRREQ when not connected.
  int udp_send(Instant now, int id, std::span<const std::uint8_t> payload);
  /// Zero-copy echo: turns the datagram into a reply to its sender with the first `payload_len`
  /// payload bytes (the caller may have rewritten them) and transmits it in the same frame.
  /// Consumes the datagram in every case. Reassembled datagrams are answered from their slot,
  /// fragmented if larger than the MTU. 0, or -EINVAL (empty datagram), -EMSGSIZE (does not fit
  /// the frame or the MTU), -ENOBUFS (no frame for a fragment).
  int udp_reply_in_place(Instant now, socket::UdpDatagram&& datagram, std::size_t payload_len);
  /// Closes the socket and releases its queued datagrams.
  void udp_close(int id);
  /// The bound endpoint (with the chosen port); {0, 0} for a closed id.
  socket::Endpoint udp_local(int id) const;
  /// Counters of an open socket; all zero for a closed id.
  const socket::UdpSocketCounters& udp_counters(int id) const;
  std::size_t udp_queued(int id) const;

 private:
  /// An IPv4 datagram on its way up: either still in its frame, or reassembled in a slot.
  struct Inbound {
    device::Frame frame;  ///< empty when reassembled
    int slot = -1;
    wire::MacAddress peer_mac;
    wire::Ipv4Address source;
    wire::Ipv4Address destination;
    std::uint8_t protocol = 0;
    bool quiet = false;  ///< sent to a broadcast, or looped back: never answered with ICMP
    std::span<std::uint8_t> ip_header;
    std::span<std::uint8_t> payload;
  };

  /// Who sent an outgoing frame, so its fate can be charged to the socket even if decided later.
  struct TxOwner {
    int socket_id = -1;
    std::uint32_t generation = 0;
    std::uint32_t payload_bytes = 0;
  };

  // interface.cpp: frames and transmission.
  void transmit(const device::Frame& frame);
  bool allocate_frame(std::size_t min_len, device::Frame& out);
  void discard(const Inbound& inbound);
  std::uint16_t next_ip_identification() { return next_ip_id_++; }
  /// Sends a built frame (Ethernet source/type, IP and payload in place) towards `destination`,
  /// resolving the link address; takes the frame in every case.
  int output_ipv4(Instant now, const device::Frame& frame, wire::Ipv4Address destination, const TxOwner& owner);
  /// Sends `ip_payload` as one or more IPv4 fragments straight to `peer_mac`.
  int transmit_fragmented(const wire::MacAddress& peer_mac, wire::Ipv4Address destination, wire::IpProtocol protocol,
                          std::span<const std::uint8_t> ip_payload);

  // interface_arp.cpp
  void handle_arp(Instant now, const device::Frame& frame, std::span<std::uint8_t> arp_bytes);
  void send_arp_request(wire::Ipv4Address target);
  void resolve(Instant now, ArpEntry& entry, const wire::MacAddress& mac);
  void fail_resolution(ArpEntry& entry);
  void poll_arp(Instant now);
  /// Frame with the destination MAC written, queued behind an ARP request, or dropped.
  int send_to_neighbor(Instant now, const device::Frame& frame, wire::Ipv4Address next_hop, const TxOwner& owner);

  // interface_ipv4.cpp
  void handle_ipv4(Instant now, const device::Frame& frame, const wire::EthernetFrame& ethernet);
  void handle_fragment(Instant now, const device::Frame& frame, const wire::Ipv4Packet& ip,
                       const wire::MacAddress& peer_mac);
  void deliver(Instant now, Inbound& inbound);

  // interface_icmp.cpp
  void handle_icmp(Instant now, Inbound& inbound);
  void reply_to_echo(Inbound& inbound);
  void send_port_unreachable(Instant now, Inbound& inbound);

  // interface_udp.cpp
  void handle_udp(Instant now, Inbound& inbound);
  void count_udp_sent(const TxOwner& owner);
  void count_udp_error(const TxOwner& owner, bool unresolved);

  InterfaceConfig config_;
  FrameIo& io_;
  Router router_;
  ArpCache arp_;
  PendingFrames pending_;
  Reassembler reassembler_;
  TokenBucket icmp_errors_;
  socket::UdpSocketTable sockets_;
  InterfaceCounters counters_;
  std::uint16_t next_ip_id_;
  bool in_loopback_ = false;  ///< receive() is handling a frame we sent to our own address
};

}  // namespace sluice::iface
