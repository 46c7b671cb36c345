#include "socket/tcp/connection_table.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>

namespace sluice::socket::tcp {

namespace {
constexpr std::uint64_t hash_purpose = 0x74636874;  // "tcht"
}

ConnectionTable::ConnectionTable(const TcpTableConfig& config, const TcpConfig& tcp, SegmentSink& sink,
                                 std::uint64_t seed)
    : slot_count_(config.connections),
      slots_(new TcpSlot[config.connections]),
      free_slots_(config.connections),
      buckets_(std::bit_ceil(std::size_t{config.connections} * 2), -1),
      bucket_mask_(buckets_.size() - 1),
      hash_key_(derive_sip_key(seed, hash_purpose)),
      buffers_(config.buffer_pairs, tcp.send_buffer, tcp.receive_buffer),
      listeners_(config.listeners),
      port_listener_(65536, -1),
      max_backlog_(config.max_backlog),
      next_ephemeral_(static_cast<std::uint16_t>(ephemeral_first + seed % (ephemeral_last - ephemeral_first + 1))) {
  for (std::size_t i = 0; i < slot_count_; ++i) {
    slots_[i].connection.attach(sink, tcp, static_cast<int>(i));
    free_slots_[i] = static_cast<std::uint32_t>(slot_count_ - 1 - i);
  }
  for (TcpListener& listener : listeners_) listener.accept_queue.reset(max_backlog_);
}

std::size_t ConnectionTable::bucket_of(const FourTuple& tuple) const {
  const auto bytes = tuple.bytes();
  return static_cast<std::size_t>(siphash24(hash_key_, bytes)) & bucket_mask_;
}

int ConnectionTable::find(const FourTuple& tuple) const {
  for (std::size_t b = bucket_of(tuple);; b = (b + 1) & bucket_mask_) {
    const std::int32_t id = buckets_[b];
    if (id < 0) return -1;
    if (slots_[static_cast<std::size_t>(id)].connection.tuple() == tuple) return id;
  }
}

void ConnectionTable::insert_hash(int id) {
  std::size_t b = bucket_of(slots_[static_cast<std::size_t>(id)].connection.tuple());
  while (buckets_[b] >= 0) b = (b + 1) & bucket_mask_;
  buckets_[b] = id;
  slots_[static_cast<std::size_t>(id)].hashed = true;
}

void ConnectionTable::unhash(int id) {
  TcpSlot& target = slot(id);
  if (!target.hashed) return;
  target.hashed = false;
  std::size_t b = bucket_of(target.connection.tuple());
  while (buckets_[b] != id) b = (b + 1) & bucket_mask_;
  // Backward-shift deletion keeps every probe chain unbroken without tombstones.
  for (std::size_t next = (b + 1) & bucket_mask_;; next = (next + 1) & bucket_mask_) {
    const std::int32_t moving = buckets_[next];
    if (moving < 0) break;
    const std::size_t home = bucket_of(slots_[static_cast<std::size_t>(moving)].connection.tuple());
    // Move `moving` into the hole unless its home lies cyclically in (b, next].
    const bool home_after_hole = ((next - home) & bucket_mask_) < ((next - b) & bucket_mask_);
    if (home_after_hole) continue;
    buckets_[b] = moving;
    b = next;
  }
  buckets_[b] = -1;
}

void ConnectionTable::reserve_buffers() { buffers_.reserve(); }

int ConnectionTable::open(const FourTuple& tuple, std::uint32_t timestamp_offset) {
  if (free_slots_.empty() && !reclaim_time_wait()) return -EMFILE;
  const int buffers = buffers_.take();
  if (buffers < 0) return -ENOBUFS;
  const int id = static_cast<int>(free_slots_.back());
  free_slots_.pop_back();
  ++in_use_;
  TcpSlot& target = slot(id);
  target.in_use = true;
  target.app_owned = false;
  target.listener = -1;
  target.buffers = buffers;
  target.generation += 1;
  target.pending_events = 0;
  target.event_queued = false;
  target.flush_queued = false;
  target.last_error = 0;
  target.connection.prepare(tuple, buffers_.send_memory(buffers), buffers_.receive_memory(buffers), timestamp_offset);
  insert_hash(id);
  return id;
}

void ConnectionTable::release_buffers(int id) {
  TcpSlot& target = slot(id);
  if (target.buffers < 0) return;
  target.connection.release_buffers();
  buffers_.give(target.buffers);
  target.buffers = -1;
}

void ConnectionTable::free(int id) {
  TcpSlot& target = slot(id);
  if (!target.in_use) return;
  unhash(id);
  release_buffers(id);
  target.in_use = false;
  target.app_owned = false;
  target.pending_events = 0;
  --in_use_;
  free_slots_.push_back(static_cast<std::uint32_t>(id));
}

bool ConnectionTable::reclaim_time_wait() {
  int oldest = -1;
  Instant oldest_end = Instant::never();
  for (std::size_t i = 0; i < slot_count_; ++i) {
    const TcpSlot& candidate = slots_[i];
    if (!candidate.in_use || candidate.app_owned || candidate.connection.state() != TcpState::time_wait) continue;
    const Instant end = candidate.connection.timers().at(TimerKind::linger);
    if (oldest < 0 || end < oldest_end) {
      oldest = static_cast<int>(i);
      oldest_end = end;
    }
  }
  if (oldest < 0) return false;
  free(oldest);  // a TIME-WAIT connection nobody holds ends early (as Linux's tw bucket limit)
  return true;
}

TcpSlot* ConnectionTable::get(int id) {
  if (id < 0 || static_cast<std::size_t>(id) >= slot_count_ || !slots_[static_cast<std::size_t>(id)].in_use) {
    return nullptr;
  }
  return &slots_[static_cast<std::size_t>(id)];
}

const TcpSlot* ConnectionTable::get(int id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= slot_count_ || !slots_[static_cast<std::size_t>(id)].in_use) {
    return nullptr;
  }
  return &slots_[static_cast<std::size_t>(id)];
}

int ConnectionTable::listen(Endpoint local, std::uint32_t backlog) {
  if (backlog == 0 || local.port == 0) return -EINVAL;
  if (port_listener_[local.port] >= 0) return -EADDRINUSE;
  buffers_.reserve();  // here, so a SYN never waits for an allocation
  std::size_t index = 0;
  while (index < listeners_.size() && listeners_[index].open) ++index;
  if (index == listeners_.size()) return -EMFILE;
  TcpListener& listener = listeners_[index];
  listener.open = true;
  listener.local = local;
  listener.backlog = std::min(backlog, max_backlog_);
  listener.handshakes = 0;
  listener.accept_queue.reset(max_backlog_);
  listener.pending_events = 0;
  listener.event_queued = false;
  port_listener_[local.port] = static_cast<std::int16_t>(index);
  return static_cast<int>(index);
}

void ConnectionTable::close_listener(int index) {
  TcpListener* target = listener(index);
  if (target == nullptr) return;
  port_listener_[target->local.port] = -1;
  target->open = false;
  target->pending_events = 0;
  target->accept_queue.reset(max_backlog_);
}

TcpListener* ConnectionTable::listener(int index) {
  if (index < 0 || static_cast<std::size_t>(index) >= listeners_.size() || !listeners_[index].open) return nullptr;
  return &listeners_[static_cast<std::size_t>(index)];
}

const TcpListener* ConnectionTable::listener(int index) const {
  if (index < 0 || static_cast<std::size_t>(index) >= listeners_.size() || !listeners_[index].open) return nullptr;
  return &listeners_[static_cast<std::size_t>(index)];
}

int ConnectionTable::listener_for(Endpoint local) const {
  const int index = port_listener_[local.port];
  if (index < 0) return -1;
  const TcpListener& listener = listeners_[static_cast<std::size_t>(index)];
  if (!listener.local.address.is_unspecified() && listener.local.address != local.address) return -1;
  return index;
}

int ConnectionTable::pick_ephemeral_port(wire::Ipv4Address local, Endpoint remote) {
  constexpr std::uint32_t range = ephemeral_last - ephemeral_first + 1;
  for (std::uint32_t tried = 0; tried < range; ++tried) {
    const std::uint16_t port = next_ephemeral_;
    next_ephemeral_ = port == ephemeral_last ? ephemeral_first : static_cast<std::uint16_t>(port + 1);
    if (port_listener_[port] >= 0) continue;
    if (find({{local, port}, remote}) >= 0) continue;
    return port;
  }
  return -EADDRNOTAVAIL;
}

}  // namespace sluice::socket::tcp
