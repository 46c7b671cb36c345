#pragma once
// The boundary between the LibOS core (queue descriptors, qtokens, buffers, completions) and what
// actually moves bytes. The core never touches a device or a kernel socket: it asks a Provider for
// non-blocking socket calls, and learns from provider events (plus retrying UDP receives after each
// poll) when a pending operation can progress. Two providers:
//  - StackProvider (libos/stack_provider.*): the Sluice stack on xdp, dpdk, tap or sim;
//  - KernelProvider (libos/kernel_provider.*): Linux sockets through io_uring (libos/kernel/ is its
//    engine).
//
// Contract:
//  - Socket handles are the provider's own small integers >= 0; calls return -errno.
//  - Every call is non-blocking: -EAGAIN means "not now, an event will say when".
//  - Data is copied in (send) and out (receive): the core owns the application's buffers. The one
//    exception is UDP over a device that lends frames (the "frame" calls below): a datagram then
//    stays in its device frame from the wire to the application and back.
//  - Single-threaded: everything is called from the thread that owns the LibOS.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "device/device.hpp"
#include "socket/endpoint.hpp"
#include "util/time.hpp"

namespace sluice::libos {

using socket::Endpoint;

enum class ProviderEventKind : std::uint8_t {
  connected,   ///< an active open completed
  acceptable,  ///< a listener has a connection to accept
  readable,    ///< bytes or end of stream to receive
  writable,    ///< send space after a send was refused or cut short
  closed,      ///< the connection is gone (error 0: normally)
  failed,      ///< the connection ended with `error` (ECONNRESET, ECONNREFUSED, ETIMEDOUT, ...)
};

struct ProviderEvent {
  int socket = -1;
  ProviderEventKind kind = ProviderEventKind::readable;
  int error = 0;
};

enum class TcpOption : std::uint8_t { nodelay, keepalive, congestion_newreno, congestion_cubic };

class Provider {
 public:
  virtual ~Provider() = default;
  Provider() = default;
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  /// "xdp", "dpdk", "tap", "sim", "kernel".
  virtual std::string_view backend() const = 0;
  /// The provider's clock: CLOCK_MONOTONIC on devices, virtual time in a simulation.
  virtual Instant now() const = 0;

  // Progress. One iteration is begin_poll (receive up to `budget` frames), the core's work, then
  // end_poll (timers, transmit), so replies made in between leave in the same burst.
  virtual std::size_t begin_poll(Instant now, std::size_t budget) = 0;
  virtual void end_poll(Instant now) = 0;
  /// The next event, oldest first; false when there is none.
  virtual bool next_event(ProviderEvent& out) = 0;
  /// Lets time pass until work may be there or `deadline` comes: sleeps on the device (or, in a
  /// simulation, advances virtual time to the next delivery or timer). Busy-polling providers
  /// return at once.
  /// False only when nothing can ever happen again (a simulation with nothing in flight, no timer
  /// and no deadline): waiting would never end.
  virtual bool idle(Instant deadline) = 0;
  /// The earliest time end_poll has timer work, Instant::never() if none.
  virtual Instant next_deadline() const = 0;
  /// Readable when frames may be waiting; -1 if the provider has no such descriptor.
  virtual int wait_fd() const = 0;

  /// Every socket id the provider hands out is below this (the core sizes its maps once).
  virtual std::size_t socket_id_limit() const = 0;

  // UDP.
  virtual int udp_bind(Endpoint local) = 0;
  virtual int udp_connect(int socket, Endpoint remote) = 0;
  /// Sends one datagram made of `segments` concatenated. 0 or -errno (-EMSGSIZE, -ENOBUFS, ...).
  virtual int udp_send_to(int socket, Endpoint to, std::span<const std::span<const std::uint8_t>> segments) = 0;
  /// Payload bytes of the oldest queued datagram, or -EAGAIN when none is queued.
  virtual long udp_peek(int socket) = 0;
  /// Copies the oldest datagram into `segments` in order (bytes beyond them are dropped), sets
  /// `from` and returns the datagram's full size; -EAGAIN when none is queued.
  virtual long udp_receive(int socket, std::span<const std::span<std::uint8_t>> segments, Endpoint& from) = 0;
  virtual void udp_close(int socket) = 0;
  virtual Endpoint udp_local(int socket) const = 0;

  // Zero-copy UDP frames (the stack on xdp, tap, sim). Providers without them keep the defaults.
  /// True when frames can be lent to the application (the calls below work).
  virtual bool lends_frames() const { return false; }
  /// The largest UDP payload one frame carries (mtu - 28); 0 without frame lending.
  virtual std::size_t frame_payload_limit() const { return 0; }
  /// Frames in the device's pool: every frame_index() is below it.
  virtual std::size_t frame_count() const { return 0; }
  virtual std::uint32_t frame_index(const device::Frame& /*frame*/) const { return 0; }
  virtual std::span<const std::uint8_t> frame_memory() const { return {}; }
  /// An empty device frame, now the caller's; false when the pool is empty.
  virtual bool frame_allocate(device::Frame& /*out*/) { return false; }
  /// Gives a frame the caller owns back to the device's pool.
  virtual void frame_release(const device::Frame& /*frame*/) {}
  /// Takes the oldest datagram with the frame it arrived in (now the caller's): `payload` points
  /// into it. -EAGAIN when none is queued; -EOPNOTSUPP when it is not in one frame (reassembled
  /// from fragments): take that one with udp_receive.
  virtual long udp_receive_frame(int /*socket*/, device::Frame& /*frame*/, std::span<std::uint8_t>& /*payload*/,
                                 Endpoint& /*from*/) {
    return -EOPNOTSUPP;
  }
  /// Sends the datagram whose payload lies in `frame` after kHeadroom bytes, the frame itself (set
  /// Frame::kept to have it back through reclaim_frames). `taken` false: nothing was sent from the
  /// frame (refused, or copied: a datagram to our own address); the return says how it went.
  virtual int udp_send_frame(int /*socket*/, Endpoint /*to*/, const device::Frame& /*frame*/, std::size_t /*length*/,
                             bool& taken) {
    taken = false;
    return -EOPNOTSUPP;
  }
  /// Kept frames the device is done with (see device::Device::reclaim_kept).
  virtual std::size_t reclaim_frames(std::span<device::Frame> /*out*/) { return 0; }
  /// Bytes in front of a frame's UDP payload: Ethernet, IPv4 and UDP headers.
  static constexpr std::size_t kHeadroom = 42;

  // TCP.
  virtual int tcp_listen(Endpoint local, std::uint32_t backlog) = 0;
  /// A connection id and its peer, or -EAGAIN.
  virtual int tcp_accept(int listener, Endpoint& peer) = 0;
  /// A connection id at once; `connected` or `failed` follows.
  virtual int tcp_connect(Endpoint remote) = 0;
  virtual long tcp_send(int socket, std::span<const std::uint8_t> bytes) = 0;
  /// Bytes copied, 0 at end of stream, -EAGAIN, or the error that ended the connection.
  virtual long tcp_receive(int socket, std::span<std::uint8_t> out) = 0;
  /// Graceful close (`abort` false) or reset; the id is the provider's again either way.
  virtual void tcp_close(int socket, bool abort) = 0;
  /// Half-close: FIN after the bytes already sent; receiving goes on. 0 or -errno; providers
  /// without it say -EOPNOTSUPP.
  virtual int tcp_shutdown(int /*socket*/) { return -EOPNOTSUPP; }
  virtual int tcp_set_option(int socket, TcpOption option, bool on) = 0;
  /// Local and remote endpoints of a connection or listener (remote zero for a listener).
  virtual int tcp_endpoints(int socket, Endpoint& local, Endpoint& remote) const = 0;
  /// True once the handshake has completed (so a connect can be completed late).
  virtual bool tcp_established(int socket) const = 0;

  /// Per-connection buffer sizes, fixed for the provider's life (SO_SNDBUF / SO_RCVBUF report them).
  virtual std::uint32_t tcp_send_buffer() const = 0;
  virtual std::uint32_t tcp_receive_buffer() const = 0;
};

}  // namespace sluice::libos
