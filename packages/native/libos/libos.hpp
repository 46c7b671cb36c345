#pragma once
// The LibOS core: queue descriptors, qtokens, buffers and completions over one Provider. The C API
// (capi/libos.cpp) is a thin layer over one instance of this class; tests may build several (two
// simulated hosts in one process). Single-threaded; everything is allocated in the constructor.
//
// Progress: poll() runs one provider iteration, turns provider events into ready queues, and
// advances the pending operations of ready queues (and of UDP queues waiting for a datagram,
// retried after every receive). Completed operations wait in a FIFO until a wait call collects
// them by token or in order.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "libos/config.hpp"
#include "libos/operation_table.hpp"
#include "libos/provider.hpp"
#include "libos/sga_pool.hpp"
#include "sluice/libos.h"

namespace sluice::libos {

struct LibosCounters {
  std::uint64_t polls = 0;
  std::uint64_t completions = 0;
  std::uint64_t pops_empty = 0;  ///< pop attempts that found nothing yet
  // UDP payload copies (TCP always copies once each way: see docs/libos-api.md).
  std::uint64_t udp_pushes_zero_copy = 0;  ///< datagrams sent in the application's frame itself
  std::uint64_t udp_pushes_copied = 0;     ///< datagrams copied into a device frame (or a kernel socket)
  std::uint64_t udp_pops_zero_copy = 0;    ///< datagrams handed over in the frame they arrived in
  std::uint64_t udp_pops_copied = 0;       ///< datagrams copied into pool buffers
  /// Pops and sga_allocs that used pool memory because the application held frame_budget frames.
  std::uint64_t frame_budget_fallbacks = 0;
};

class LibOS {
 public:
  LibOS(std::unique_ptr<Provider> provider, const LibosConfig& config);
  ~LibOS();
  LibOS(const LibOS&) = delete;
  LibOS& operator=(const LibOS&) = delete;

  // Synchronous calls: see sluice/libos.h for the contract of each.
  int socket(int domain, int type, int protocol);
  int bind(int qd, Endpoint local);
  int listen(int qd, int backlog);
  int close(int qd);
  /// Half-close of a TCP connection (shutdown(SHUT_WR)): FIN follows what was pushed. Not in the C
  /// API; used by the preload library. 0, or -EBADF, -ENOTCONN, -EBUSY (pushes still in flight:
  /// call again once they completed), -EOPNOTSUPP (the provider has no half-close).
  int shutdown_write(int qd);
  int set_option(int qd, int level, int name, const void* value, std::uint32_t length);
  int get_option(int qd, int level, int name, void* value, std::uint32_t* length);
  int local_endpoint(int qd, Endpoint& out);
  int peer_endpoint(int qd, Endpoint& out);

  // Asynchronous calls.
  sl_qtoken_t accept(int qd);
  sl_qtoken_t connect(int qd, Endpoint remote);
  sl_qtoken_t push(int qd, const sl_sga_t& sga);
  sl_qtoken_t push_to(int qd, const sl_sga_t& sga, Endpoint to);
  sl_qtoken_t pop(int qd);

  // Completions. `timeout` is relative; Duration{~0} (kForever) waits forever.
  static constexpr Duration kForever{~std::uint64_t{0}};
  int wait(sl_qtoken_t token, sl_qresult_t& result, Duration timeout);
  int wait_any(std::span<const sl_qtoken_t> tokens, sl_qresult_t& result, int& index, Duration timeout);
  int wait_next_n(std::span<sl_qresult_t> results, Duration timeout);

  // Buffers. An sga that fits one frame's UDP payload is a device frame where the provider lends
  // them and the frame budget allows (zero-copy), else pool buffers.
  int sga_alloc(std::size_t size, sl_sga_t& out);
  int sga_free(sl_sga_t& sga);
  /// Device frames the application holds (or has pushed) right now; at most frame_budget().
  std::size_t frames_held() const { return buffers_.frames_held(); }
  std::size_t frame_budget() const { return buffers_.frame_slots(); }

  // Event-loop integration.
  /// One provider iteration; returns the operations that completed during it.
  int poll(std::size_t budget);
  int wait_fd() const;
  int next_timeout_ms() const;

  Provider& provider() { return *provider_; }
  const SgaPool& buffers() const { return buffers_; }
  const LibosCounters& counters() const { return counters_; }
  std::uint32_t operations_in_use() const { return operations_.in_use(); }
  std::uint32_t queues_in_use() const { return queues_in_use_; }

 private:
  struct Queue {
    enum class Kind : std::uint8_t { free, udp, tcp, tcp_listener, tcp_connection };
    Kind kind = Kind::free;
    std::uint16_t generation = 1;
    int socket = -1;  ///< the provider's id
    Endpoint local;
    bool bound = false;
    Endpoint peer;
    bool has_peer = false;
    bool nodelay = false;
    bool keepalive = false;
    bool reuse_address = false;
    int congestion = -1;  ///< -1 the instance's default, else TcpOption
    int linger = -1;      ///< seconds; -1 off, 0 reset on close
    bool end_of_stream = false;
    int error = 0;  ///< errno that ended the connection
    bool ready = false;
    bool parked = false;
    /// Closed by the application while pushes were still in flight: the qd is gone (EBADF), the
    /// pushes finish, then the connection closes.
    bool closing = false;
    OperationList pops;
    OperationList pushes;
    OperationList accepts;
    std::uint32_t connect_op = kNoSlot;
  };

  int make_qd(std::uint32_t index) const { return (int{queues_[index].generation} << 16) | static_cast<int>(index); }
  /// The open queue `qd` names, or nullptr.
  Queue* queue_of(int qd);
  std::uint32_t index_of(const Queue& queue) const { return static_cast<std::uint32_t>(&queue - queues_.data()); }
  /// A free queue slot of `kind`, or nullptr when the table is full.
  Queue* open_queue(Queue::Kind kind);
  void free_queue(Queue& queue);
  /// Gives the provider's socket back and frees the slot; pending operations must be done.
  void release_queue(Queue& queue, bool abort);
  void apply_options(Queue& queue);

  /// A pending operation on `queue`, or -EBUSY-style errors as a negative token.
  sl_qtoken_t begin(Queue& queue, sl_opcode_t opcode, std::uint32_t& slot);
  void complete(std::uint32_t slot, int ret);
  void complete_from(OperationList& list, std::uint32_t slot, int ret);
  void cancel_all(Queue& queue);
  void mark_ready(Queue& queue);
  void park(Queue& queue);
  void handle_event(const ProviderEvent& event);
  void progress(Queue& queue);
  void progress_connect(Queue& queue);
  void progress_accepts(Queue& queue);
  void progress_pushes(Queue& queue);
  void progress_tcp_pops(Queue& queue);
  void progress_udp_pops(Queue& queue);
  /// Binds an unbound UDP queue to an ephemeral port; 0 or -errno.
  int bind_ephemeral(Queue& queue);
  /// Sends a frame-backed sga's frame itself; false when it cannot (then copy it with send_udp).
  bool send_udp_frame(Queue& queue, std::uint32_t slot, const sl_sga_t& sga, Endpoint to);
  int send_udp(Queue& queue, const sl_sga_t& sga, Endpoint to);
  /// A popped datagram kept in its frame; false when it must be copied instead.
  bool pop_udp_frame(Queue& queue, sl_sga_t& sga, Endpoint& from);
  /// Completes zero-copy pushes whose frames the device is done with.
  void reclaim_frames();
  /// Collects a done operation into `result` and frees its slot.
  void collect(std::uint32_t slot, sl_qresult_t& result);
  /// Polls (and idles) until done() or the deadline; 0, -ETIMEDOUT, -EDEADLK (a simulation with
  /// nothing left that could ever complete it).
  template <typename Done>
  int run_until(Instant deadline, Done&& done);

  std::unique_ptr<Provider> provider_;
  LibosConfig config_;
  SgaPool buffers_;
  OperationTable operations_;
  std::vector<Queue> queues_;
  std::vector<std::uint32_t> free_queues_;
  std::uint32_t queues_in_use_ = 0;
  std::vector<std::int32_t> tcp_owner_;  ///< provider socket id -> queue index, -1
  std::vector<std::uint32_t> ready_;     ///< queue indices to progress at the next poll
  std::vector<std::uint32_t> parked_;    ///< UDP queues waiting for a datagram
  std::vector<std::uint32_t> scratch_;   ///< parked_ being retried
  std::vector<std::uint32_t> frame_push_;  ///< device frame index -> zero-copy push in flight, kNoSlot
  std::uint32_t frame_pushes_in_flight_ = 0;  ///< entries of frame_push_ set: reclaim only then
  std::vector<device::Frame> reclaimed_;       ///< reclaim_frames' batch, sized once
  OperationList completed_;
  std::uint32_t completed_this_poll_ = 0;
  int idle_fd_ = -1;  ///< an always-readable eventfd for providers without a wait descriptor
  LibosCounters counters_;
};

}  // namespace sluice::libos
