// The LibOS core: asynchronous operations, how provider events advance them, and the wait calls.
#include <cerrno>

#include "libos/libos.hpp"

namespace sluice::libos {

sl_qtoken_t LibOS::begin(Queue& queue, sl_opcode_t opcode, std::uint32_t& slot) {
  slot = operations_.acquire();
  if (slot == kNoSlot) return -ENOBUFS;
  Operation& op = operations_.at(slot);
  op.result.opcode = opcode;
  op.result.qd = make_qd(index_of(queue));
  op.result.qt = operations_.token_of(slot);
  return op.result.qt;
}

void LibOS::complete(std::uint32_t slot, int ret) {
  Operation& op = operations_.at(slot);
  op.state = Operation::State::done;
  op.result.ret = ret;
  operations_.push_back(completed_, slot);
  ++completed_this_poll_;
  ++counters_.completions;
}

void LibOS::complete_from(OperationList& list, std::uint32_t slot, int ret) {
  operations_.remove(list, slot);
  complete(slot, ret);
}

void LibOS::cancel_all(Queue& queue) {
  while (!queue.pops.empty()) complete_from(queue.pops, queue.pops.head, -ECANCELED);
  while (!queue.accepts.empty()) complete_from(queue.accepts, queue.accepts.head, -ECANCELED);
  while (!queue.pushes.empty()) {
    buffers_.return_to_app(operations_.at(queue.pushes.head).result.value.sga);
    complete_from(queue.pushes, queue.pushes.head, -ECANCELED);
  }
  if (queue.connect_op != kNoSlot) {
    complete(queue.connect_op, -ECANCELED);
    queue.connect_op = kNoSlot;
  }
}

void LibOS::mark_ready(Queue& queue) {
  if (queue.ready) return;
  queue.ready = true;
  ready_.push_back(index_of(queue));  // capacity max_queues, each queue at most once: no growth
}

void LibOS::park(Queue& queue) {
  if (queue.parked) return;
  queue.parked = true;
  parked_.push_back(index_of(queue));
}

sl_qtoken_t LibOS::accept(int qd) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->kind == Queue::Kind::udp) return -EOPNOTSUPP;
  if (queue->kind != Queue::Kind::tcp_listener) return -EINVAL;
  std::uint32_t slot;
  const sl_qtoken_t token = begin(*queue, SL_OPC_ACCEPT, slot);
  if (token < 0) return token;
  operations_.push_back(queue->accepts, slot);
  progress_accepts(*queue);
  return token;
}

sl_qtoken_t LibOS::connect(int qd, Endpoint remote) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->kind == Queue::Kind::udp) {
    // A UDP "connect" only sets the default peer: it completes at once.
    if (queue->socket < 0) {
      const int id = provider_->udp_bind({});
      if (id < 0) return id;
      queue->socket = id;
      queue->local = provider_->udp_local(id);
      queue->bound = true;
    }
    std::uint32_t slot;
    const sl_qtoken_t token = begin(*queue, SL_OPC_CONNECT, slot);
    if (token < 0) return token;
    const int rc = provider_->udp_connect(queue->socket, remote);
    if (rc == 0) {
      queue->peer = remote;
      queue->has_peer = true;
    }
    complete(slot, rc);
    return token;
  }
  if (queue->kind == Queue::Kind::tcp_connection) return -EISCONN;
  if (queue->kind != Queue::Kind::tcp) return -EINVAL;
  std::uint32_t slot;
  const sl_qtoken_t token = begin(*queue, SL_OPC_CONNECT, slot);
  if (token < 0) return token;
  const int id = provider_->tcp_connect(remote);
  if (id < 0) {
    operations_.release(slot);
    return id;
  }
  queue->kind = Queue::Kind::tcp_connection;
  queue->socket = id;
  tcp_owner_[static_cast<std::size_t>(id)] = static_cast<std::int32_t>(index_of(*queue));
  Endpoint remote_seen;
  provider_->tcp_endpoints(id, queue->local, remote_seen);
  queue->peer = remote;
  queue->has_peer = true;
  queue->bound = true;
  queue->connect_op = slot;
  apply_options(*queue);
  progress_connect(*queue);
  return token;
}

int LibOS::bind_ephemeral(Queue& queue) {
  if (queue.socket >= 0) return 0;
  const int id = provider_->udp_bind({});
  if (id < 0) return id;
  queue.socket = id;
  queue.local = provider_->udp_local(id);
  queue.bound = true;
  return 0;
}

int LibOS::send_udp(Queue& queue, const sl_sga_t& sga, Endpoint to) {
  if (const int rc = bind_ephemeral(queue); rc < 0) return rc;
  std::span<const std::uint8_t> segments[SL_SGA_MAX_SEGMENTS];
  for (std::uint32_t i = 0; i < sga.numsegs; ++i) {
    segments[i] = {static_cast<const std::uint8_t*>(sga.segs[i].buf), sga.segs[i].len};
  }
  const int rc = provider_->udp_send_to(queue.socket, to, {segments, sga.numsegs});
  if (rc == 0) ++counters_.udp_pushes_copied;
  return rc;
}

bool LibOS::send_udp_frame(Queue& queue, std::uint32_t slot, const sl_sga_t& sga, Endpoint to) {
  const device::Frame* lent = buffers_.frame_of(sga);
  if (lent == nullptr || sga.numsegs != 1) return false;
  auto* payload = static_cast<std::uint8_t*>(sga.segs[0].buf);
  // The headers go right in front of the payload; an application that moved its segment's start
  // into the headroom gets a copy instead.
  if (payload < lent->data + Provider::kHeadroom || bind_ephemeral(queue) < 0) return false;
  device::Frame frame = *lent;
  frame.data = payload - Provider::kHeadroom;
  frame.capacity = static_cast<std::uint32_t>(lent->data + lent->capacity - frame.data);
  frame.len = 0;
  frame.kept = true;  // the device gives it back (reclaim_frames) instead of keeping it
  bool taken = false;
  const int rc = provider_->udp_send_frame(queue.socket, to, frame, sga.segs[0].len, taken);
  if (!taken) {  // refused, or copied (to our own address): done now
    if (rc == 0) ++counters_.udp_pushes_copied;
    complete(slot, rc);
    buffers_.return_to_app(sga);
    return true;
  }
  ++counters_.udp_pushes_zero_copy;
  operations_.at(slot).result.ret = rc;  // reported when the device is done with the frame
  frame_push_[provider_->frame_index(frame)] = slot;
  ++frame_pushes_in_flight_;
  return true;
}

void LibOS::reclaim_frames() {
  std::size_t n = 0;
  do {
    n = provider_->reclaim_frames(reclaimed_);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t index = provider_->frame_index(reclaimed_[i]);
      if (index >= frame_push_.size() || frame_push_[index] == kNoSlot) continue;
      const std::uint32_t slot = frame_push_[index];
      frame_push_[index] = kNoSlot;
      --frame_pushes_in_flight_;
      Operation& op = operations_.at(slot);
      buffers_.return_to_app(op.result.value.sga);
      complete(slot, op.result.ret);
    }
  } while (n == reclaimed_.size() && frame_pushes_in_flight_ > 0);
}

sl_qtoken_t LibOS::push(int qd, const sl_sga_t& sga) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->kind == Queue::Kind::udp) {
    if (!queue->has_peer) return -EDESTADDRREQ;
    return push_to(qd, sga, queue->peer);
  }
  if (queue->kind != Queue::Kind::tcp_connection) return -ENOTCONN;
  if (const int rc = buffers_.lend_to_stack(sga); rc < 0) return rc;
  std::uint32_t slot;
  const sl_qtoken_t token = begin(*queue, SL_OPC_PUSH, slot);
  if (token < 0) {
    buffers_.return_to_app(sga);
    return token;
  }
  operations_.at(slot).result.value.sga = sga;
  operations_.push_back(queue->pushes, slot);
  progress_pushes(*queue);
  return token;
}

sl_qtoken_t LibOS::push_to(int qd, const sl_sga_t& sga, Endpoint to) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->kind != Queue::Kind::udp) return -EOPNOTSUPP;
  if (const int rc = buffers_.lend_to_stack(sga); rc < 0) return rc;
  std::uint32_t slot;
  const sl_qtoken_t token = begin(*queue, queue->has_peer && to == queue->peer ? SL_OPC_PUSH : SL_OPC_PUSHTO, slot);
  if (token < 0) {
    buffers_.return_to_app(sga);
    return token;
  }
  operations_.at(slot).result.value.sga = sga;
  // A frame-backed sga leaves in its own frame and completes when the device is done with it.
  if (send_udp_frame(*queue, slot, sga, to)) return token;
  // Otherwise the datagram is copied into a frame (or refused) right here: complete at once.
  complete(slot, send_udp(*queue, sga, to));
  buffers_.return_to_app(sga);
  return token;
}

sl_qtoken_t LibOS::pop(int qd) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->kind == Queue::Kind::udp) {
    if (queue->socket < 0) return -EDESTADDRREQ;  // nothing can arrive on an unbound socket
  } else if (queue->kind != Queue::Kind::tcp_connection) {
    return -ENOTCONN;
  }
  std::uint32_t slot;
  const sl_qtoken_t token = begin(*queue, SL_OPC_POP, slot);
  if (token < 0) return token;
  operations_.push_back(queue->pops, slot);
  if (queue->kind == Queue::Kind::udp) {
    progress_udp_pops(*queue);
  } else {
    progress_tcp_pops(*queue);
  }
  return token;
}

void LibOS::progress_connect(Queue& queue) {
  if (queue.connect_op == kNoSlot) return;
  if (provider_->tcp_established(queue.socket)) {
    complete(queue.connect_op, 0);
  } else if (queue.error != 0) {
    complete(queue.connect_op, -queue.error);
  } else {
    return;
  }
  queue.connect_op = kNoSlot;
}

void LibOS::progress_accepts(Queue& queue) {
  while (!queue.accepts.empty()) {
    Endpoint peer;
    const int id = provider_->tcp_accept(queue.socket, peer);
    if (id == -EAGAIN) return;
    const std::uint32_t slot = queue.accepts.head;
    if (id < 0) {
      complete_from(queue.accepts, slot, id);
      continue;
    }
    Queue* connection = open_queue(Queue::Kind::tcp_connection);
    if (connection == nullptr) {
      provider_->tcp_close(id, true);
      complete_from(queue.accepts, slot, -EMFILE);
      continue;
    }
    connection->socket = id;
    tcp_owner_[static_cast<std::size_t>(id)] = static_cast<std::int32_t>(index_of(*connection));
    Endpoint remote;
    provider_->tcp_endpoints(id, connection->local, remote);
    connection->peer = peer;
    connection->has_peer = true;
    connection->bound = true;
    connection->nodelay = queue.nodelay;
    connection->keepalive = queue.keepalive;
    connection->linger = queue.linger;
    apply_options(*connection);
    sl_accept_result_t& accepted = operations_.at(slot).result.value.accepted;
    accepted.qd = make_qd(index_of(*connection));
    accepted.addr.sin_family = AF_INET;
    accepted.addr.sin_port = htons(peer.port);
    accepted.addr.sin_addr.s_addr = htonl(peer.address.value);
    complete_from(queue.accepts, slot, 0);
  }
}

void LibOS::progress_pushes(Queue& queue) {
  while (!queue.pushes.empty()) {
    const std::uint32_t slot = queue.pushes.head;
    Operation& op = operations_.at(slot);
    const sl_sga_t& sga = op.result.value.sga;
    // Skip the segments already sent, then hand over the rest segment by segment.
    std::size_t skip = op.progress;
    bool blocked = false;
    int failure = 0;
    for (std::uint32_t i = 0; i < sga.numsegs && !blocked && failure == 0; ++i) {
      const std::uint32_t len = sga.segs[i].len;
      if (skip >= len) {
        skip -= len;
        continue;
      }
      const auto* start = static_cast<const std::uint8_t*>(sga.segs[i].buf) + skip;
      const std::size_t want = len - skip;
      skip = 0;
      const long sent = provider_->tcp_send(queue.socket, {start, want});
      if (sent == -EAGAIN) {
        blocked = true;
      } else if (sent < 0) {
        failure = static_cast<int>(sent);
      } else {
        op.progress += static_cast<std::size_t>(sent);
        blocked = static_cast<std::size_t>(sent) < want;  // the send buffer is full: wait for writable
      }
    }
    if (failure == 0 && op.progress < SgaPool::length(sga)) return;
    buffers_.return_to_app(sga);
    complete_from(queue.pushes, slot, failure);
  }
}

void LibOS::progress_tcp_pops(Queue& queue) {
  while (!queue.pops.empty()) {
    const std::uint32_t slot = queue.pops.head;
    sl_sga_t& sga = operations_.at(slot).result.value.sga;
    if (queue.end_of_stream) {  // every later pop sees the end of the stream too
      complete_from(queue.pops, slot, 0);
      continue;
    }
    if (const int rc = buffers_.allocate(buffers_.buffer_size(), sga); rc < 0) {
      complete_from(queue.pops, slot, rc);
      continue;
    }
    const long n = provider_->tcp_receive(queue.socket, {static_cast<std::uint8_t*>(sga.segs[0].buf), sga.segs[0].len});
    if (n > 0) {
      sga.segs[0].len = static_cast<std::uint32_t>(n);
      sga.addr.sin_family = AF_INET;
      sga.addr.sin_port = htons(queue.peer.port);
      sga.addr.sin_addr.s_addr = htonl(queue.peer.address.value);
      complete_from(queue.pops, slot, 0);
      continue;
    }
    sga_free(sga);
    if (n == -EAGAIN) {
      ++counters_.pops_empty;
      return;
    }
    if (n == 0) {
      queue.end_of_stream = true;
    } else {
      queue.error = static_cast<int>(-n);
    }
    complete_from(queue.pops, slot, static_cast<int>(n));
  }
}

namespace {
void set_sender(sl_sga_t& sga, Endpoint from) {
  sga.addr.sin_family = AF_INET;
  sga.addr.sin_port = htons(from.port);
  sga.addr.sin_addr.s_addr = htonl(from.address.value);
}
}  // namespace

bool LibOS::pop_udp_frame(Queue& queue, sl_sga_t& sga, Endpoint& from) {
  if (buffers_.frame_slots() == 0) return false;
  if (buffers_.frames_held() >= buffers_.frame_slots()) {
    ++counters_.frame_budget_fallbacks;  // a slow application cannot hold every frame: copy
    return false;
  }
  device::Frame frame;
  std::span<std::uint8_t> payload;
  if (provider_->udp_receive_frame(queue.socket, frame, payload, from) < 0) return false;  // reassembled
  buffers_.adopt_frame(frame, payload.data(), static_cast<std::uint32_t>(payload.size()), sga);  // a slot is free
  ++counters_.udp_pops_zero_copy;
  return true;
}

void LibOS::progress_udp_pops(Queue& queue) {
  while (!queue.pops.empty()) {
    const std::uint32_t slot = queue.pops.head;
    sl_sga_t& sga = operations_.at(slot).result.value.sga;
    const long size = provider_->udp_peek(queue.socket);
    if (size == -EAGAIN) {
      ++counters_.pops_empty;
      park(queue);
      return;
    }
    if (size < 0) {
      complete_from(queue.pops, slot, static_cast<int>(size));
      continue;
    }
    Endpoint from;
    if (size > 0 && pop_udp_frame(queue, sga, from)) {
      set_sender(sga, from);
      complete_from(queue.pops, slot, 0);
      continue;
    }
    std::span<std::uint8_t> segments[SL_SGA_MAX_SEGMENTS];
    std::size_t count = 0;
    int rc = 0;
    if (size > 0) {
      rc = buffers_.allocate(static_cast<std::size_t>(size), sga);
      if (rc == 0) {
        count = sga.numsegs;
        for (std::size_t i = 0; i < count; ++i) segments[i] = {static_cast<std::uint8_t*>(sga.segs[i].buf), sga.segs[i].len};
      }
    }
    // A datagram that cannot be held (too large, no buffer) is consumed and reported: it would
    // otherwise block every later one.
    provider_->udp_receive(queue.socket, {segments, count}, from);
    if (rc == 0 && count > 0) ++counters_.udp_pops_copied;
    set_sender(sga, from);
    complete_from(queue.pops, slot, rc);
  }
}

void LibOS::progress(Queue& queue) {
  switch (queue.kind) {
    case Queue::Kind::tcp_connection:
      progress_connect(queue);
      progress_pushes(queue);
      if (queue.closing) {
        if (queue.pushes.empty()) release_queue(queue, false);
        break;
      }
      progress_tcp_pops(queue);
      break;
    case Queue::Kind::tcp_listener:
      progress_accepts(queue);
      break;
    case Queue::Kind::udp:
      progress_udp_pops(queue);
      break;
    default:
      break;
  }
}

void LibOS::handle_event(const ProviderEvent& event) {
  if (event.socket < 0 || static_cast<std::size_t>(event.socket) >= tcp_owner_.size()) return;
  const std::int32_t index = tcp_owner_[static_cast<std::size_t>(event.socket)];
  if (index < 0) return;
  Queue& queue = queues_[static_cast<std::size_t>(index)];
  if (event.kind == ProviderEventKind::failed && event.error != 0) queue.error = event.error;
  mark_ready(queue);
}

int LibOS::poll(std::size_t budget) {
  ++counters_.polls;
  completed_this_poll_ = 0;
  const Instant now = provider_->now();
  provider_->begin_poll(now, budget);
  ProviderEvent event;
  while (provider_->next_event(event)) handle_event(event);
  // UDP sockets report no events: queues waiting for a datagram look again after every receive.
  scratch_.swap(parked_);
  for (const std::uint32_t index : scratch_) {
    queues_[index].parked = false;
    if (queues_[index].kind == Queue::Kind::udp) mark_ready(queues_[index]);
  }
  scratch_.clear();
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    Queue& queue = queues_[ready_[i]];
    queue.ready = false;
    progress(queue);
  }
  ready_.clear();
  provider_->end_poll(now);
  if (frame_pushes_in_flight_ > 0) reclaim_frames();
  // Events raised by timers or by our own sends are picked up next time, and keep the loop awake.
  while (provider_->next_event(event)) handle_event(event);
  return static_cast<int>(completed_this_poll_);
}

template <typename Done>
int LibOS::run_until(Instant deadline, Done&& done) {
  if (done()) return 0;
  for (;;) {
    poll(0);
    if (done()) return 0;
    if (provider_->now() >= deadline) return -ETIMEDOUT;
    if (!ready_.empty()) continue;
    if (!provider_->idle(deadline)) return -EDEADLK;
  }
}

namespace {
Instant deadline_after(Instant now, Duration timeout) {
  return timeout == LibOS::kForever ? Instant::never() : now + timeout;
}
}  // namespace

void LibOS::collect(std::uint32_t slot, sl_qresult_t& result) {
  result = operations_.at(slot).result;
  operations_.remove(completed_, slot);
  operations_.release(slot);
}

int LibOS::wait(sl_qtoken_t token, sl_qresult_t& result, Duration timeout) {
  const std::uint32_t slot = operations_.slot_of(token);
  if (slot == kNoSlot) return -EINVAL;
  const int rc = run_until(deadline_after(provider_->now(), timeout),
                           [&] { return operations_.at(slot).state == Operation::State::done; });
  if (rc < 0) return rc;
  collect(slot, result);
  return 0;
}

int LibOS::wait_any(std::span<const sl_qtoken_t> tokens, sl_qresult_t& result, int& index, Duration timeout) {
  if (tokens.empty()) return -EINVAL;
  for (const sl_qtoken_t token : tokens) {
    if (operations_.slot_of(token) == kNoSlot) return -EINVAL;
  }
  std::uint32_t found = kNoSlot;
  const int rc = run_until(deadline_after(provider_->now(), timeout), [&] {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::uint32_t slot = operations_.slot_of(tokens[i]);
      if (operations_.at(slot).state == Operation::State::done) {
        found = slot;
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  });
  if (rc < 0) return rc;
  collect(found, result);
  return 0;
}

int LibOS::wait_next_n(std::span<sl_qresult_t> results, Duration timeout) {
  if (results.empty()) return -EINVAL;
  const int rc = run_until(deadline_after(provider_->now(), timeout), [&] { return !completed_.empty(); });
  if (rc < 0) return rc;
  std::size_t n = 0;
  while (n < results.size() && !completed_.empty()) collect(completed_.head, results[n++]);
  return static_cast<int>(n);
}

}  // namespace sluice::libos
