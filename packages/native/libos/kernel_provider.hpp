#pragma once
// The LibOS `kernel` backend: the Provider calls on Linux sockets, driven through the io_uring
// engine in libos/kernel/. Socket ids are the sockets' fds. The engine is completion-based and
// zero-copy; the Provider boundary is readiness-based and copies, so this adapter keeps, per
// socket, what the engine delivered and turns it into provider events:
//  - receive: one multishot recv/recvfrom stream per socket; each completion's provided buffer is
//    queued under the socket until tcp_receive/udp_receive copies it out (copy 1 of 1 on the way
//    in, as the stack provider copies out of its receive buffer), then released to the kernel.
//  - TCP send: tcp_send copies into the connection's send ring (tcp.send_buffer bytes, the same
//    budget the stack provider has), so the application's sga is its own again at once, as with
//    the stack provider. At most one engine send per connection is in flight; its completion
//    starts the next span and, after a refused or short tcp_send, raises `writable`.
//  - UDP send: the datagram is gathered into a staging slot and sent with sendto through the ring;
//    when every slot is in flight it is sent with a plain sendmsg (no copy) instead.
//  - accept: one multishot accept per listener; accepted fds wait in a per-listener FIFO.
// Errors are the kernel's errno. Operations started during a poll (replies to what it harvested)
// go out in end_poll's single submit (batched); those the application starts between polls go out
// before the call returns, so an application that then sleeps elsewhere has not stalled its peer.
#include <cstdint>
#include <vector>

#include "libos/config.hpp"
#include "libos/kernel/engine.hpp"
#include "libos/provider.hpp"

namespace sluice::libos {

struct KernelProviderStats {
  std::uint64_t udp_sent_direct = 0;    ///< datagrams sent with sendmsg because no staging slot was free
  std::uint64_t udp_send_errors = 0;    ///< ring sendto completions with an error (reported nowhere else)
  std::uint64_t accepts_dropped = 0;    ///< accepted fds at or above the fd limit, closed at once
};

class KernelProvider final : public Provider {
 public:
  /// Sets up the engine (throws sluice::Error: ENOSYS without the io_uring features it needs).
  explicit KernelProvider(const LibosConfig& config);
  ~KernelProvider() override;

  std::string_view backend() const override { return "kernel"; }
  Instant now() const override;
  std::size_t begin_poll(Instant now, std::size_t budget) override;
  void end_poll(Instant now) override;
  bool next_event(ProviderEvent& out) override;
  bool idle(Instant deadline) override;
  Instant next_deadline() const override { return Instant::never(); }  // the kernel keeps TCP timers
  int wait_fd() const override { return engine_.wait_fd(); }
  std::size_t socket_id_limit() const override { return kMaxFd; }

  int udp_bind(Endpoint local) override;
  int udp_connect(int socket, Endpoint remote) override;
  int udp_send_to(int socket, Endpoint to, std::span<const std::span<const std::uint8_t>> segments) override;
  long udp_peek(int socket) override;
  long udp_receive(int socket, std::span<const std::span<std::uint8_t>> segments, Endpoint& from) override;
  void udp_close(int socket) override;
  Endpoint udp_local(int socket) const override;

  int tcp_listen(Endpoint local, std::uint32_t backlog) override;
  int tcp_accept(int listener, Endpoint& peer) override;
  int tcp_connect(Endpoint remote) override;
  long tcp_send(int socket, std::span<const std::uint8_t> bytes) override;
  long tcp_receive(int socket, std::span<std::uint8_t> out) override;
  void tcp_close(int socket, bool abort) override;
  int tcp_set_option(int socket, TcpOption option, bool on) override;
  int tcp_endpoints(int socket, Endpoint& local, Endpoint& remote) const override;
  bool tcp_established(int socket) const override;
  std::uint32_t tcp_send_buffer() const override { return send_ring_size_; }
  std::uint32_t tcp_receive_buffer() const override { return receive_buffer_; }

  const kernel::Engine& engine() const { return engine_; }
  const KernelProviderStats& stats() const { return stats_; }

  /// Socket ids (fds) are below this; a socket the kernel numbers higher is refused with EMFILE.
  static constexpr std::uint32_t kMaxFd = 16384;

 private:
  enum class Kind : std::uint8_t { free, udp, listener, accepted, connection };
  /// What an engine token names: (generation << 40) | (id << 8) | TokenKind, id being the fd or a
  /// UDP staging slot. The generation tells a stale completion (of a socket whose fd number the
  /// kernel has since handed out again) from one of the current socket.
  enum class TokenKind : std::uint8_t { accept, connect, recv, send, udp_send, close };

  struct Socket {
    std::uint32_t generation = 0;  ///< bumped each time the fd is adopted; kept across resets
    Kind kind = Kind::free;
    bool closing = false;        ///< the core let go of it; close once the send ring drained
    bool close_started = false;  ///< engine close issued; the fd is free again at its completion
    bool established = false;
    bool end_of_stream = false;
    bool want_writable = false;  ///< tcp_send refused or cut short: say `writable` on space
    int error = 0;               ///< errno that ended the connection
    std::int32_t rx_head = -1;   ///< queued receive completions, by buffer id
    std::int32_t rx_tail = -1;
    std::int32_t accept_head = -1;  ///< listener: accepted fds not yet taken, linked by next_accepted
    std::int32_t accept_tail = -1;
    std::int32_t next_accepted = -1;
    Endpoint peer;                  ///< accepted: the peer the kernel reported
    std::int32_t ring = -1;         ///< connection: its send ring, -1 none
    std::uint32_t ring_head = 0;    ///< first unsent byte
    std::uint32_t ring_used = 0;    ///< bytes copied in and not yet confirmed sent
    std::uint32_t in_flight = 0;    ///< bytes of the engine send in flight (0: none)
  };

  /// One received buffer waiting for the core, indexed by its provided buffer id.
  struct Received {
    std::span<std::byte> data;
    std::uint32_t offset = 0;
    std::int32_t next = -1;
    Endpoint from;
  };

  std::uint64_t token(int fd, TokenKind kind) const;
  static std::uint64_t slot_token(std::int32_t slot) { return (static_cast<std::uint64_t>(slot) << 8) | static_cast<std::uint8_t>(TokenKind::udp_send); }
  /// True when `c` belongs to the socket now at `fd` (not to an earlier one closed meanwhile).
  bool current(const kernel::Completion& c, int fd) const;
  Socket* socket_at(int fd);
  const Socket* socket_at(int fd) const;
  int adopt(int fd, Kind kind);
  /// Closes a socket that never reached the ring, at once.
  void discard(int fd);
  void reset(int fd);
  void push_event(int fd, ProviderEventKind kind, int error = 0);
  void handle(const kernel::Completion& c);
  void handle_accept(const kernel::Completion& c);
  void handle_receive(const kernel::Completion& c);
  void handle_send(const kernel::Completion& c);
  void queue_received(Socket& s, const kernel::Completion& c);
  void drop_received(Socket& s);
  int arm_receive(int fd, bool datagrams);
  void start_send(int fd, Socket& s);
  void start_close(int fd, Socket& s);
  /// Submits now unless a poll is running (its end_poll submits everything at once).
  void flush() {
    if (!in_poll_) engine_.submit();
  }
  std::uint8_t* ring_bytes(const Socket& s) { return send_rings_ + static_cast<std::size_t>(s.ring) * send_ring_size_; }

  kernel::Engine engine_;
  bool busy_poll_;
  bool in_poll_ = false;
  bool newreno_ = false;  ///< config tcp.congestion newreno: new connections use the kernel's reno
  wire::Ipv4Address address_;  ///< what an unspecified local address binds to
  std::uint32_t send_ring_size_;
  std::uint32_t receive_buffer_;
  std::vector<Socket> sockets_;     ///< by fd
  std::uint32_t closes_pending_ = 0;
  std::vector<Received> received_;  ///< by provided buffer id
  std::vector<kernel::Completion> completions_;
  std::vector<ProviderEvent> events_;  ///< a FIFO ring of capacity completions_.size() * 2
  std::size_t event_head_ = 0;
  std::size_t event_count_ = 0;
  // Send rings: tcp.max_connections of them in one lazily committed mapping, so only the pages
  // connections actually use cost memory.
  std::uint8_t* send_rings_ = nullptr;
  std::size_t send_rings_bytes_ = 0;
  std::vector<std::int32_t> free_rings_;
  // UDP staging slots for ring sendto: bytes in flight must outlive the call.
  std::vector<std::uint8_t> staging_;
  std::vector<std::int32_t> free_staging_;
  KernelProviderStats stats_;
};

}  // namespace sluice::libos
