#pragma once
// The kernel backend's engine: Linux sockets driven through one io_uring, single-threaded, with
// the same shape as the Sluice stack's providers (start an operation with a token, harvest
// completions in batches, sleep on an fd when idle).
//
// Batching: start calls only fill submission entries; poll() makes at most one io_uring_enter to
// submit everything started since the previous poll, and leaves nothing unsubmitted, so sleeping on
// wait_fd() after a poll() is always safe.
//
// Ownership (see README.md):
//  - send/sendto: the bytes belong to the engine (the kernel reads them in place, no copy) until
//    the operation's completion; the caller must keep them alive and unchanged until then.
//  - recv/recvfrom: each completion with data hands the caller a provided buffer, which is the
//    caller's until release(buffer). A receive never holds a buffer while waiting.
//  - A token is the caller's until the completion with more == false.
//
// Errors: start calls return 0 or -errno (-ENOBUFS when every operation slot is in use, -EINVAL for
// arguments the engine rejects); completions carry -errno exactly as the kernel reported it.
#include <liburing.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "libos/kernel/completion.hpp"
#include "libos/kernel/features.hpp"
#include "libos/kernel/op_slots.hpp"
#include "libos/kernel/provided_buffers.hpp"

namespace sluice::libos::kernel {

struct EngineConfig {
  /// Operations in flight at once (2..16384); the last slot is kept for close(). Beyond: -ENOBUFS.
  /// More than buffer_count, so every received buffer can be in a send at once (zero-copy echo).
  std::uint32_t op_slots = 1024;
  std::uint32_t buffer_count = 256;  ///< provided receive buffers, a power of two up to 32768
  std::uint32_t buffer_size = 4096;  ///< bytes per buffer (>= 64): the most one receive completion carries
  /// Sends on one socket go out one at a time, in order; the queue heads live in a table indexed by
  /// fd, so send() on an fd >= max_fd fails with -EMFILE.
  std::uint32_t max_fd = 16384;
  /// Use multishot accept/receive where the kernel has them; false forces the single-shot fallback
  /// (re-armed by the engine), which tests use to exercise it on new kernels.
  bool multishot = true;
};

struct EngineStats {
  std::uint64_t ops_started = 0;       ///< start calls that returned 0
  std::uint64_t sqes_submitted = 0;    ///< submission entries the kernel took
  std::uint64_t submit_calls = 0;      ///< io_uring_enter calls made to submit
  std::uint64_t wait_calls = 0;        ///< blocking waits in wait()
  std::uint64_t completions = 0;       ///< Completions delivered by poll()
  std::uint64_t rearms = 0;            ///< stream operations the engine re-armed itself
  std::uint64_t buffer_starved = 0;    ///< receives parked because every provided buffer was held
};

class Engine {
 public:
  /// Sets up the ring and the provided buffers and probes the kernel; throws sluice::Error.
  explicit Engine(const EngineConfig& config = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Accepts connections on listening socket `fd`. Each completion's result is the new socket's fd
  /// (non-blocking, close-on-exec) and `peer` its address. Stream mode keeps accepting.
  int accept(int fd, std::uint64_t token, Mode mode = Mode::stream);
  int connect(int fd, const sockaddr_in& remote, std::uint64_t token);
  /// Sends all of `data` (short sends are resumed) after any earlier sends on `fd` finish.
  int send(int fd, std::span<const std::byte> data, std::uint64_t token);
  /// One datagram to `remote`. Not ordered against other sends.
  int sendto(int fd, std::span<const std::byte> data, const sockaddr_in& remote, std::uint64_t token);
  /// Receives into provided buffers. Stream mode completes once per arrival until end of stream
  /// (result 0), an error, or close.
  int recv(int fd, std::uint64_t token, Mode mode = Mode::once);
  /// Receives datagrams with their sender address; stream mode as for recv().
  int recvfrom(int fd, std::uint64_t token, Mode mode = Mode::once);
  int shutdown(int fd, int how, std::uint64_t token);
  /// Cancels every operation pending on `fd` (each completes with -ECANCELED), then closes it.
  int close(int fd, std::uint64_t token);

  /// Writes up to out.size() completions (the budget), then submits everything started since the
  /// last poll in one io_uring_enter. Never blocks. Same as harvest() then submit().
  std::size_t poll(std::span<Completion> out);
  /// The two halves of poll(), for a caller that starts operations in response to completions and
  /// wants them in the same submit: harvest(), handle, start, submit(). harvest() makes no syscall
  /// unless the kernel has completions to flush; submit() makes at most one.
  std::size_t harvest(std::span<Completion> out);
  void submit();
  /// Submits anything pending and blocks until a completion is ready or `timeout` passes
  /// (negative: no limit), in one io_uring_enter. 0 when ready, -ETIME on timeout, -EINTR on a signal.
  int wait(std::chrono::nanoseconds timeout);
  /// Gives a provided buffer from a receive completion back; -EINVAL if the caller does not hold it.
  int release(BufferId buffer);

  /// The ring's fd: readable while completions wait to be polled (level-triggered: poll() clears
  /// it), for sleeping in epoll/libuv when idle.
  int wait_fd() const { return ring_.ring_fd; }

  const Features& features() const { return features_; }
  bool multishot_accept_in_use() const { return multishot_accept_; }
  bool multishot_recv_in_use() const { return multishot_recv_; }
  bool multishot_recvmsg_in_use() const { return multishot_recvmsg_; }
  const EngineStats& stats() const { return stats_; }
  std::uint32_t slots_in_use() const { return slots_.in_use(); }
  std::uint32_t slot_capacity() const { return slots_.capacity(); }
  std::uint32_t buffers_total() const { return buffers_->count(); }
  std::uint32_t buffers_held() const { return buffers_->held(); }
  std::uint32_t buffer_size() const { return buffers_->size(); }
  /// Submission entries prepared but not yet given to the kernel (0 after every poll()).
  std::uint32_t unsubmitted() const { return io_uring_sq_ready(&ring_); }

 private:
  /// user_data of the cancel half of close()'s cancel-then-close pair: its completion is ours.
  static constexpr std::uint64_t kInternal = ~std::uint64_t{0};

  std::uint32_t start(Op op, int fd, std::uint64_t token, Mode mode);
  io_uring_sqe* next_sqe();
  void arm(std::uint32_t id);
  void submit_send(std::uint32_t id);
  void submit_pending();
  void rearm_starved();
  void complete_locally(std::uint32_t id, std::int32_t result);
  void cancel_queued_on(int fd);
  std::size_t drain_local(std::span<Completion> out);
  bool handle(const io_uring_cqe& cqe, Completion& out);
  bool handle_accept(std::uint32_t id, const io_uring_cqe& cqe, Completion& out);
  bool handle_receive(std::uint32_t id, const io_uring_cqe& cqe, Completion& out);
  bool handle_send(std::uint32_t id, const io_uring_cqe& cqe, Completion& out);
  void finish(std::uint32_t id, bool kernel_more, Completion& out);

  io_uring ring_{};
  Features features_;
  bool multishot_accept_ = false;
  bool multishot_recv_ = false;
  bool multishot_recvmsg_ = false;
  OpSlots slots_;
  std::vector<SlotList> send_queues_;  // per fd: head is the send in the kernel, the rest wait
  SlotList starved_;                   // receives waiting for a provided buffer to come back
  SlotList local_done_;                // completed by the engine, delivered by the next poll
  bool buffers_returned_ = false;      // a release() since the last poll may feed starved receives
  std::unique_ptr<ProvidedBuffers> buffers_;  // registered with ring_: destroyed before it
  EngineStats stats_;
};

}  // namespace sluice::libos::kernel
