// TCP in the interface: demultiplexing segments to connections (4-tuple hash) and listeners (by
// port), RSTs for segments nobody wants, framing the segments connections send, the timer wheel
// that runs every connection's timers, and the bookkeeping after each call into a connection.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "iface/interface.hpp"
#include "iface/layout.hpp"
#include "wire/tcp.hpp"

namespace sluice::iface {

using socket::tcp::Connection;
using socket::tcp::FourTuple;
using socket::tcp::TcpEventKind;
using socket::tcp::TcpState;

void Interface::handle_tcp(Instant now, Inbound& inbound) {
  tcp_counters_.rx_segments += 1;
  const auto segment = wire::TcpSegment::parse(inbound.payload);
  if (!segment) {
    tcp_counters_.drop_bad_header += 1;
    discard(inbound);
    return;
  }
  const wire::ChecksumVerdict verdict = segment->judge_checksum(inbound.source, inbound.destination, config_.rx_checksum);
  if (!wire::is_acceptable(verdict)) {
    tcp_counters_.drop_bad_checksum += 1;
    discard(inbound);
    return;
  }
  if (verdict == wire::ChecksumVerdict::partial) tcp_counters_.rx_checksum_partial += 1;
  if (inbound.destination != config_.address) {
    tcp_counters_.drop_broadcast += 1;  // TCP is unicast only (RFC 1122 4.2.3.10)
    discard(inbound);
    return;
  }
  const FourTuple tuple{{inbound.destination, segment->destination_port()}, {inbound.source, segment->source_port()}};
  const wire::TcpOptions options = segment->options();

  int id = tcp_.find(tuple);
  if (id >= 0) {
    Connection& connection = tcp_.slot(id).connection;
    const bool new_syn = segment->syn() && !segment->ack() && !segment->rst();
    if (new_syn && connection.accepts_new_syn(*segment, options) && tcp_.listener_for(tuple.local) >= 0 &&
        !tcp_.slot(id).app_owned) {
      tcp_counters_.time_wait_reused += 1;  // RFC 6191: the old incarnation gives way
      tcp_timers_.cancel(static_cast<std::uint32_t>(id));
      tcp_.free(id);
      id = -1;
    } else {
      connection.on_segment(now, *segment, options);
      tcp_settle(id);
    }
  }
  if (id < 0) {
    const int listener = tcp_.listener_for(tuple.local);
    if (listener >= 0) {
      tcp_listener_input(now, listener, tuple, *segment, options);
    } else {
      tcp_counters_.drop_no_socket += 1;
      reset_unwanted(now, tuple, *segment);
    }
  }
  discard(inbound);
  drain_tcp_loopback(now);
}

void Interface::tcp_listener_input(Instant now, int listener_index, const FourTuple& tuple,
                                   const wire::TcpSegment& segment, const wire::TcpOptions& options) {
  // RFC 9293 3.10.7.2: RSTs are ignored, ACKs answered with a RST, SYNs open connections.
  if (segment.rst()) {
    tcp_counters_.drop_listener += 1;
    return;
  }
  if (segment.ack()) {
    if (!segment.syn() && accept_syn_cookie(now, listener_index, tuple, segment, options)) return;
    tcp_counters_.drop_listener += 1;
    reset_unwanted(now, tuple, segment);
    return;
  }
  if (!segment.syn()) {
    tcp_counters_.drop_listener += 1;
    return;
  }
  tcp_counters_.syns_received += 1;
  socket::tcp::TcpListener& listener = *tcp_.listener(listener_index);
  if (!listener.has_room()) {
    // A full SYN queue is what a SYN flood looks like: answer statelessly while the accept queue
    // still has room for what the cookies may bring.
    const bool accept_room = listener.accept_queue.size() < listener.backlog;
    if (tcp_config_.syn_cookies && accept_room && send_syn_cookie(now, tuple, segment, options)) return;
    tcp_counters_.drop_backlog_full += 1;  // the peer retransmits its SYN if it still cares
    return;
  }
  const int id = tcp_.open(tuple, tcp_isn_.timestamp_offset(tuple));
  if (id < 0) {
    tcp_counters_.drop_no_memory += 1;
    return;
  }
  socket::tcp::TcpSlot& slot = tcp_.slot(id);
  slot.listener = listener_index;
  listener.handshakes += 1;
  tcp_counters_.passive_opens += 1;
  slot.connection.accept_syn(now, tcp_isn_.initial_sequence(now, tuple), segment, options);
  tcp_settle(id);
}

void Interface::reset_unwanted(Instant now, const FourTuple& tuple, const wire::TcpSegment& segment) {
  if (segment.rst()) return;
  if (!tcp_resets_.try_take(now)) {
    tcp_counters_.resets_rate_limited += 1;
    return;
  }
  wire::TcpHeader header;
  header.source_port = tuple.local.port;
  header.destination_port = tuple.remote.port;
  if (segment.ack()) {
    header.sequence = segment.acknowledgment();
    header.flags = wire::tcp_flags::rst;
  } else {
    header.acknowledgment = segment.sequence() + segment.sequence_length();
    header.flags = wire::tcp_flags::rst | wire::tcp_flags::ack;
  }
  if (transmit_tcp(now, tuple, header, {}, {})) tcp_counters_.resets_sent += 1;
}

bool Interface::transmit_tcp(Instant now, const FourTuple& tuple, const wire::TcpHeader& header,
                             std::span<const std::uint8_t> first, std::span<const std::uint8_t> second) {
  const std::size_t header_len = header.header_len();
  const std::size_t segment_len = header_len + first.size() + second.size();
  device::Frame frame;
  if (!allocate_frame(layout::transport + segment_len, frame)) {
    tcp_counters_.tx_no_frame += 1;
    return false;
  }
  std::uint8_t* const tcp = frame.data + layout::transport;
  header.emit({tcp, header_len});
  if (!first.empty()) std::memcpy(tcp + header_len, first.data(), first.size());
  if (!second.empty()) std::memcpy(tcp + header_len + first.size(), second.data(), second.size());
  wire::fill_tcp_checksum({tcp, segment_len}, config_.address, tuple.remote.address);
  wire::Ipv4Header ip;
  ip.source = config_.address;
  ip.destination = tuple.remote.address;
  ip.protocol = static_cast<std::uint8_t>(wire::IpProtocol::tcp);
  ip.ttl = config_.ttl;
  ip.identification = next_ip_identification();
  ip.payload_length = static_cast<std::uint16_t>(segment_len);
  ip.emit(frame.writable().subspan(layout::ip));
  frame.len = static_cast<std::uint32_t>(layout::transport + segment_len);
  tcp_counters_.tx_segments += 1;
  if (tuple.remote.address == config_.address) {
    wire::EthernetFrame::emit(frame.writable(), config_.mac, config_.mac, wire::EtherType::ipv4);
    if (tcp_loopback_size_ == tcp_loopback_.size()) {
      tcp_counters_.loopback_dropped += 1;
      io_.release(frame);
      return true;  // lost like any segment; the sender retransmits
    }
    tcp_loopback_[(tcp_loopback_head_ + tcp_loopback_size_) % tcp_loopback_.size()] = frame;
    tcp_loopback_size_ += 1;
    return true;
  }
  wire::EthernetFrame::emit(frame.writable(), wire::MacAddress{}, config_.mac, wire::EtherType::ipv4);
  output_ipv4(now, frame, tuple.remote.address, TxOwner{});  // ARP waits and failures are losses TCP repairs
  return true;
}

void Interface::drain_tcp_loopback(Instant now) {
  if (draining_tcp_loopback_) return;  // the outer drain picks up what this one would
  draining_tcp_loopback_ = true;
  while (tcp_loopback_size_ > 0) {
    const device::Frame frame = tcp_loopback_[tcp_loopback_head_];
    tcp_loopback_head_ = (tcp_loopback_head_ + 1) % tcp_loopback_.size();
    tcp_loopback_size_ -= 1;
    in_loopback_ = true;
    receive(now, frame);
    in_loopback_ = false;
  }
  draining_tcp_loopback_ = false;
}

bool Interface::TcpSink::send_segment(Instant now, const Connection& connection,
                                      const socket::tcp::SegmentOut& segment) {
  return owner_.transmit_tcp(now, connection.tuple(), segment.header, segment.payload[0], segment.payload[1]);
}

void Interface::TcpSink::on_event(Connection& connection, TcpEventKind kind, int error) {
  socket::tcp::TcpSlot& slot = owner_.tcp_.slot(connection.id());
  if (error != 0) slot.last_error = error;
  if (slot.app_owned) owner_.queue_tcp_event(connection.id(), kind);
}

namespace {
// Counted as open from the handshake's end until TIME-WAIT or CLOSED: what an operator means by a
// connection being served.
bool counts_as_open(TcpState state) {
  return socket::tcp::is_synchronized(state) && state != TcpState::time_wait;
}
}  // namespace

void Interface::TcpSink::on_retransmission(const Connection&, std::size_t bytes) {
  owner_.tcp_counters_.segments_retransmitted += 1;
  owner_.tcp_counters_.bytes_retransmitted += bytes;
}

void Interface::TcpSink::on_rtt_sample(const Connection&, Duration rtt) { owner_.tcp_rtt_.add(rtt); }

void Interface::TcpSink::on_state_change(Connection& connection, TcpState from) {
  const bool was_open = counts_as_open(from);
  const bool is_open = counts_as_open(connection.state());
  if (is_open && !was_open) owner_.tcp_counters_.connections_open += 1;
  if (was_open && !is_open) owner_.tcp_counters_.connections_open -= 1;
  socket::tcp::TcpSlot& slot = owner_.tcp_.slot(connection.id());
  if (slot.listener < 0 || from != TcpState::syn_received) return;
  socket::tcp::TcpListener* listener = owner_.tcp_.listener(slot.listener);
  if (listener == nullptr) return;
  listener->handshakes -= 1;
  if (connection.state() != TcpState::established) return;  // reset or timed out during the handshake
  listener->accept_queue.push((std::uint64_t{slot.generation} << 32) | static_cast<std::uint32_t>(connection.id()));
  owner_.queue_tcp_event(owner_.tcp_listener_id(slot.listener), TcpEventKind::acceptable);
}

void Interface::queue_tcp_event(int socket, TcpEventKind kind) {
  const auto bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(kind));
  const int connections = static_cast<int>(tcp_.capacity());
  std::uint8_t* pending = nullptr;
  bool* queued = nullptr;
  if (socket < connections) {
    socket::tcp::TcpSlot& slot = tcp_.slot(socket);
    pending = &slot.pending_events;
    queued = &slot.event_queued;
  } else {
    socket::tcp::TcpListener* listener = tcp_.listener(socket - connections);
    if (listener == nullptr) return;
    pending = &listener->pending_events;
    queued = &listener->event_queued;
  }
  *pending |= bit;
  if (!*queued) {
    *queued = true;
    tcp_events_.push(static_cast<std::uint64_t>(socket));  // cannot overflow: at most two entries per socket
  }
}

void Interface::tcp_settle(int id) {
  socket::tcp::TcpSlot* slot = tcp_.get(id);
  if (slot == nullptr) return;
  const Connection& connection = slot->connection;
  const auto timer = static_cast<std::uint32_t>(id);
  if (connection.state() == TcpState::closed) {
    tcp_timers_.cancel(timer);
    tcp_.unhash(id);  // the 4-tuple is free: later segments get RSTs
    if (!slot->app_owned) tcp_.free(id);
    return;
  }
  if (connection.state() == TcpState::time_wait && !slot->app_owned) tcp_.release_buffers(id);
  tcp_timers_.schedule(timer, connection.next_deadline());
}

void Interface::poll_tcp(Instant now) {
  while (!tcp_flushes_.empty()) {
    const int id = static_cast<int>(tcp_flushes_.pop());
    socket::tcp::TcpSlot* slot = tcp_.get(id);
    if (slot == nullptr || !slot->flush_queued) continue;
    slot->flush_queued = false;
    slot->connection.flush(now);
    tcp_settle(id);
  }
  tcp_timers_.advance(now, [this, now](std::uint32_t id) {
    socket::tcp::TcpSlot* slot = tcp_.get(static_cast<int>(id));
    if (slot == nullptr) return;
    slot->connection.on_timer(now);
    tcp_settle(static_cast<int>(id));
  });
  drain_tcp_loopback(now);
}

}  // namespace sluice::iface
