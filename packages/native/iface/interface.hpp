#pragma once
// One Ethernet interface with one IPv4 address: ARP, IPv4 (with reassembly), ICMP echo and port
// unreachable, UDP sockets, and TCP connections and listeners. Frames come in through receive()
// and go out through FrameIo; time comes in as arguments. Nothing here allocates after
// construction (bind excepted).
//
// Frame ownership: every frame handed to receive() ends up released, transmitted (replies reuse
// the received frame in place where they can), queued on a socket (until release()), or queued
// waiting for ARP. The destructor releases everything still held except datagrams the caller took
// with udp_receive(): release those first.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "device/device.hpp"
#include "iface/arp_cache.hpp"
#include "iface/config.hpp"
#include "iface/counters.hpp"
#include "iface/frame_io.hpp"
#include "iface/reassembler.hpp"
#include "iface/router.hpp"
#include "iface/tcp_counters.hpp"
#include "socket/tcp/syn_cookie.hpp"
#include "iface/timer_wheel.hpp"
#include "iface/token_bucket.hpp"
#include "socket/tcp/connection_table.hpp"
#include "socket/tcp/isn.hpp"
#include "socket/udp_socket.hpp"
#include "util/time.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"

namespace sluice::iface {

/// Something a TCP socket (connection or listener) has to report; the runtime drains these and
/// completes the operations waiting on the socket.
struct TcpEvent {
  int socket = -1;
  socket::tcp::TcpEventKind kind = socket::tcp::TcpEventKind::readable;
  int error = 0;  ///< errno for reset and error events
};

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
  /// udp_send_to without the copy: the payload already lies in `frame` at layout::udp_payload
  /// (the caller's frame, e.g. lent to an application); the headers are written in front of it and
  /// the frame itself is sent. `taken` says whether the frame was taken (then it is transmitted or
  /// released like any other: set Frame::kept to get it back). Not taken: a refusal before
  /// anything was sent (-EBADF, -EINVAL, -EMSGSIZE), or a datagram to our own address, which is
  /// copied (as udp_send_to) because looping the frame back would queue it on a socket.
  int udp_send_frame(Instant now, int id, socket::Endpoint to, const device::Frame& frame, std::size_t payload_len,
                     bool& taken);
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

  // TCP. Connections and listeners share one id space (listeners after the connection slots);
  // calls with an id that is closed or of the wrong kind fail with -EBADF (-EINVAL for a
  // listener passed where a connection is expected). Bytes are copied in and out.

  /// Listener id, or -EADDRINUSE, -EMFILE, -EADDRNOTAVAIL, -EINVAL (port or backlog 0).
  int tcp_listen(socket::Endpoint local, std::uint32_t backlog);
  /// The oldest established connection waiting on the listener, now the application's; -EAGAIN.
  int tcp_accept(int listener);
  /// Starts an active open from an ephemeral port; the id at once, `connected` (or `reset`,
  /// `error`) later. -EINVAL, -ENETUNREACH (no route), -EMFILE, -ENOBUFS, -EADDRNOTAVAIL.
  int tcp_connect(Instant now, socket::Endpoint remote);
  /// Bytes accepted into the send buffer, or -EAGAIN (full), -EPIPE, -ENOTCONN, -ECONNRESET, ...
  long tcp_send(Instant now, int id, std::span<const std::uint8_t> bytes);
  /// Bytes copied out, 0 at end of stream, -EAGAIN when nothing is there yet, or the error that
  /// ended the connection. A window update it makes due leaves at the next poll().
  long tcp_receive(int id, std::span<std::uint8_t> out);
  /// Half-close (FIN after the queued bytes). 0, or -EBADF, -ENOTCONN.
  int tcp_shutdown(Instant now, int id);
  /// Gives the id back: a connection closes gracefully (RST if received bytes were left unread)
  /// and finishes on its own; a listener stops and resets connections not yet accepted.
  int tcp_close(Instant now, int id);
  /// Resets the connection and gives the id back.
  int tcp_abort(Instant now, int id);
  /// The next event, oldest socket first; false when there is none.
  bool tcp_next_event(TcpEvent& out);
  int tcp_set_nodelay(int id, bool nodelay);
  int tcp_set_keepalive(int id, bool keepalive);
  /// Only before the handshake completes (right after tcp_connect, or for listeners' children via
  /// the config).
  int tcp_set_congestion(int id, socket::tcp::CongestionAlgorithm algorithm);
  /// The connection behind an id the application holds (state, counters, windows), or nullptr.
  const socket::tcp::Connection* tcp_connection(int id) const;
  socket::tcp::TcpState tcp_state(int id) const;
  const TcpStackCounters& tcp_counters() const { return tcp_counters_; }
  const TcpRttHistogram& tcp_rtt_histogram() const { return tcp_rtt_; }
  /// Connection slots in use (TIME-WAIT included) and buffer pairs free, for leak checks.
  std::size_t tcp_connections_in_use() const { return tcp_.in_use(); }
  std::size_t tcp_buffers_available() const { return tcp_.buffers().available(); }
  int tcp_listener_id(int index) const { return static_cast<int>(tcp_.capacity()) + index; }

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
  void learn_from_ipv4(Instant now, wire::Ipv4Address source, const wire::MacAddress& mac);
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
  /// Writes Ethernet (source, type), IPv4 and UDP headers in front of the payload at
  /// layout::udp_payload and sends the frame on; takes it in every case.
  int output_udp(Instant now, const socket::UdpSocket& socket, socket::Endpoint to, device::Frame frame,
                 std::size_t payload_len, const TxOwner& owner);
  void count_udp_sent(const TxOwner& owner);
  void count_udp_error(const TxOwner& owner, bool unresolved);

  // interface_tcp.cpp: input, output and timers of TCP.
  class TcpSink final : public socket::tcp::SegmentSink {
   public:
    explicit TcpSink(Interface& owner) : owner_(owner) {}
    bool send_segment(Instant now, const socket::tcp::Connection& connection,
                      const socket::tcp::SegmentOut& segment) override;
    void on_event(socket::tcp::Connection& connection, socket::tcp::TcpEventKind kind, int error) override;
    void on_state_change(socket::tcp::Connection& connection, socket::tcp::TcpState from) override;
    void on_retransmission(const socket::tcp::Connection& connection, std::size_t bytes) override;
    void on_rtt_sample(const socket::tcp::Connection& connection, Duration rtt) override;

   private:
    Interface& owner_;
  };
  void handle_tcp(Instant now, Inbound& inbound);
  void tcp_listener_input(Instant now, int listener, const socket::tcp::FourTuple& tuple,
                          const wire::TcpSegment& segment, const wire::TcpOptions& options);
  /// RFC 9293 3.10.7.1: the RST answering a segment no connection wants (never a RST itself).
  void reset_unwanted(Instant now, const socket::tcp::FourTuple& tuple, const wire::TcpSegment& segment);
  // interface_tcp_cookies.cpp
  bool send_syn_cookie(Instant now, const socket::tcp::FourTuple& tuple, const wire::TcpSegment& syn,
                       const wire::TcpOptions& options);
  /// True when the ACK was a cookie's (a connection was created, or there was no room for it).
  bool accept_syn_cookie(Instant now, int listener, const socket::tcp::FourTuple& tuple,
                         const wire::TcpSegment& ack, const wire::TcpOptions& options);
  bool transmit_tcp(Instant now, const socket::tcp::FourTuple& tuple, const wire::TcpHeader& header,
                    std::span<const std::uint8_t> first, std::span<const std::uint8_t> second);
  /// After any call into connection `id`: frees or trims finished connections, files its timer.
  void tcp_settle(int id);
  void poll_tcp(Instant now);
  void queue_tcp_event(int socket, socket::tcp::TcpEventKind kind);
  void drain_tcp_loopback(Instant now);
  socket::tcp::Connection* app_connection(int id);

  // interface_tcp_api.cpp
  void close_tcp_listener(Instant now, int index);

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

  socket::tcp::TcpConfig tcp_config_;
  TcpSink tcp_sink_;
  socket::tcp::ConnectionTable tcp_;
  socket::tcp::IsnGenerator tcp_isn_;
  socket::tcp::SynCookies tcp_cookies_;
  Instant tcp_last_cookie_sent_ = Instant::never();  ///< cookie ACKs are checked only shortly after
  TimerWheel tcp_timers_;
  socket::tcp::IdQueue tcp_events_;   ///< socket ids with events pending, each at most once
  socket::tcp::IdQueue tcp_flushes_;  ///< connection ids with a window update waiting for a time
  TokenBucket tcp_resets_;
  TcpStackCounters tcp_counters_;
  TcpRttHistogram tcp_rtt_;
  /// Segments to our own address wait here, so a connection never re-enters itself.
  std::vector<device::Frame> tcp_loopback_;
  std::size_t tcp_loopback_head_ = 0;
  std::size_t tcp_loopback_size_ = 0;
  bool draining_tcp_loopback_ = false;
};

}  // namespace sluice::iface
