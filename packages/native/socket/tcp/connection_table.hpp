#pragma once
// Every TCP connection and listener of one stack, sized once: a fixed array of connection slots,
// a keyed hash of 4-tuples to slots (open addressing, so lookup is one hash and a short probe),
// listeners indexed by port, per-listener accept queues bounded by the backlog, the buffer budget,
// and ephemeral port choice. The interface layer drives it; nothing here sends anything.
#include <cstdint>
#include <memory>
#include <vector>

#include "socket/endpoint.hpp"
#include "socket/tcp/buffer_pool.hpp"
#include "socket/tcp/config.hpp"
#include "socket/tcp/connection.hpp"
#include "socket/tcp/four_tuple.hpp"
#include "socket/tcp/id_queue.hpp"
#include "util/siphash.hpp"

namespace sluice::socket::tcp {

struct TcpTableConfig {
  std::uint32_t connections = 64;   ///< slots, TIME-WAIT included
  std::uint32_t listeners = 16;
  std::uint32_t buffer_pairs = 64;  ///< the memory budget: send + receive buffers for this many
  std::uint32_t max_backlog = 1024;
};

struct TcpListener {
  bool open = false;
  Endpoint local;
  std::uint32_t backlog = 0;
  std::uint32_t handshakes = 0;  ///< children in SYN-RECEIVED (the SYN queue)
  IdQueue accept_queue;          ///< (generation << 32 | slot) of established children
  std::uint8_t pending_events = 0;
  bool event_queued = false;

  /// The backlog bounds the SYN queue and the accept queue together.
  bool has_room() const { return handshakes + accept_queue.size() < backlog; }
};

struct TcpSlot {
  Connection connection;
  bool in_use = false;
  bool hashed = false;
  bool app_owned = false;  ///< the application holds the id: it connected, or accepted it
  int listener = -1;       ///< the listener it came from, until accepted
  int buffers = -1;        ///< buffer pair, or -1
  std::uint32_t generation = 0;
  std::uint8_t pending_events = 0;
  bool event_queued = false;
  bool flush_queued = false;
  int last_error = 0;
};

class ConnectionTable {
 public:
  static constexpr std::uint16_t ephemeral_first = 49152;
  static constexpr std::uint16_t ephemeral_last = 65535;

  ConnectionTable(const TcpTableConfig& config, const TcpConfig& tcp, SegmentSink& sink, std::uint64_t seed);

  std::size_t capacity() const { return slot_count_; }
  std::size_t in_use() const { return in_use_; }
  const BufferPool& buffers() const { return buffers_; }

  /// The slot holding `tuple`, or -1: one hash and a short linear probe.
  int find(const FourTuple& tuple) const;
  /// Reserves the buffer budget's memory (once); listen() does it too. Never on the data path.
  void reserve_buffers();
  /// A fresh CLOSED connection on `tuple`, hashed, with buffers: its id, or -EMFILE (no slot,
  /// even after reclaiming TIME-WAIT) or -ENOBUFS (the buffer budget is spent or not reserved).
  int open(const FourTuple& tuple, std::uint32_t timestamp_offset);
  /// Takes the connection out of the 4-tuple index (it reached CLOSED: its tuple is free again).
  void unhash(int id);
  /// Gives the buffer memory back to the budget (CLOSED or TIME-WAIT).
  void release_buffers(int id);
  /// Frees the slot entirely; the connection must be CLOSED.
  void free(int id);

  TcpSlot* get(int id);
  const TcpSlot* get(int id) const;
  TcpSlot& slot(int id) { return slots_[static_cast<std::size_t>(id)]; }

  /// A listener index, or -EADDRINUSE, -EMFILE, -EINVAL (backlog 0).
  int listen(Endpoint local, std::uint32_t backlog);
  void close_listener(int index);
  TcpListener* listener(int index);
  const TcpListener* listener(int index) const;
  /// The listener for a segment to `local`, or -1.
  int listener_for(Endpoint local) const;
  std::size_t listener_capacity() const { return listeners_.size(); }

  /// A local port no listener uses and that makes (local, port, remote) unique; -EADDRNOTAVAIL.
  int pick_ephemeral_port(wire::Ipv4Address local, Endpoint remote);

 private:
  std::size_t bucket_of(const FourTuple& tuple) const;
  void insert_hash(int id);
  /// Frees the TIME-WAIT connection nobody holds that has waited longest; false when none.
  bool reclaim_time_wait();

  std::size_t slot_count_;
  std::unique_ptr<TcpSlot[]> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t in_use_ = 0;
  std::vector<std::int32_t> buckets_;  ///< slot ids, -1 empty; a power of two, at least twice the slots
  std::size_t bucket_mask_;
  SipKey hash_key_;
  BufferPool buffers_;
  std::vector<TcpListener> listeners_;
  std::vector<std::int16_t> port_listener_;
  std::uint32_t max_backlog_;
  std::uint16_t next_ephemeral_;
};

}  // namespace sluice::socket::tcp
