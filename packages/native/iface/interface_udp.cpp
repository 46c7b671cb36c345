// UDP: demultiplexing to sockets through the port index, sending, and the zero-copy reply path.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "iface/interface.hpp"
#include "iface/layout.hpp"
#include "wire/udp.hpp"

namespace sluice::iface {

void Interface::handle_udp(Instant now, Inbound& inbound) {
  const auto udp = wire::UdpPacket::parse(inbound.payload);
  if (!udp) {
    counters_.drop_bad_udp_header += 1;
    discard(inbound);
    return;
  }
  const wire::ChecksumVerdict verdict = udp->judge_checksum(inbound.source, inbound.destination, config_.rx_checksum);
  if (!wire::is_acceptable(verdict)) {
    counters_.drop_bad_udp_checksum += 1;
    discard(inbound);
    return;
  }
  if (verdict == wire::ChecksumVerdict::partial) counters_.rx_udp_checksum_partial += 1;

  const socket::Endpoint from{inbound.source, udp->source_port()};
  socket::UdpSocket* socket = sockets_.by_port(udp->destination_port());
  if (socket == nullptr || !socket->accepts(from, inbound.destination)) {
    counters_.drop_no_socket += 1;
    send_port_unreachable(now, inbound);
    return;
  }
  if (socket->queue.full()) {
    socket->counters.rx_dropped_queue_full += 1;
    counters_.drop_socket_queue_full += 1;
    discard(inbound);
    return;
  }
  socket::UdpDatagram datagram;
  datagram.frame = inbound.frame;
  datagram.payload = udp->payload();
  datagram.from = from;
  datagram.to = {inbound.destination, udp->destination_port()};
  datagram.reassembly_slot = inbound.slot;
  if (inbound.frame.data != nullptr) {
    datagram.udp_offset = static_cast<std::uint16_t>(udp->bytes().data() - inbound.frame.data);
  }
  datagram.socket_id = sockets_.id_of(*socket);
  socket->queue.push(datagram);
  socket->counters.rx_datagrams += 1;
  socket->counters.rx_bytes += datagram.payload.size();
}

int Interface::udp_bind(socket::Endpoint local) { return sockets_.bind(local, config_.address); }

int Interface::udp_connect(int id, socket::Endpoint remote) { return sockets_.connect(id, remote); }

bool Interface::udp_receive(int id, socket::UdpDatagram& out) {
  socket::UdpSocket* socket = sockets_.get(id);
  return socket != nullptr && socket->queue.pop(out);
}

void Interface::release(socket::UdpDatagram& datagram) {
  if (datagram.frame.data != nullptr) io_.release(datagram.frame);
  if (datagram.reassembly_slot >= 0) reassembler_.release(datagram.reassembly_slot);
  datagram = socket::UdpDatagram{};
}

int Interface::udp_send_to(Instant now, int id, socket::Endpoint to, std::span<const std::uint8_t> payload) {
  socket::UdpSocket* socket = sockets_.get(id);
  if (socket == nullptr) return -EBADF;
  const TxOwner owner{id, socket->generation, static_cast<std::uint32_t>(payload.size())};
  auto fail = [&](int error) {
    count_udp_error(owner, false);
    return error;
  };
  if (to.port == 0 || to.address.is_unspecified()) return fail(-EINVAL);
  if (payload.size() > config_.mtu - wire::Ipv4Packet::min_header_len - wire::UdpPacket::header_len) {
    return fail(-EMSGSIZE);
  }
  device::Frame frame;
  if (!allocate_frame(layout::udp_payload + payload.size(), frame)) return fail(-ENOBUFS);
  std::copy(payload.begin(), payload.end(), frame.data + layout::udp_payload);
  return output_udp(now, *socket, to, frame, payload.size(), owner);
}

int Interface::udp_send_frame(Instant now, int id, socket::Endpoint to, const device::Frame& frame,
                              std::size_t payload_len, bool& taken) {
  taken = false;
  socket::UdpSocket* socket = sockets_.get(id);
  if (socket == nullptr) return -EBADF;
  const TxOwner owner{id, socket->generation, static_cast<std::uint32_t>(payload_len)};
  if (to.port == 0 || to.address.is_unspecified()) {
    count_udp_error(owner, false);
    return -EINVAL;
  }
  if (payload_len > config_.mtu - wire::Ipv4Packet::min_header_len - wire::UdpPacket::header_len ||
      layout::udp_payload + payload_len > frame.capacity) {
    count_udp_error(owner, false);
    return -EMSGSIZE;
  }
  if (router_.route(to.address).kind == Route::Kind::local) {
    return udp_send_to(now, id, to, {frame.data + layout::udp_payload, payload_len});
  }
  taken = true;
  return output_udp(now, *socket, to, frame, payload_len, owner);
}

int Interface::output_udp(Instant now, const socket::UdpSocket& socket, socket::Endpoint to, device::Frame frame,
                          std::size_t payload_len, const TxOwner& owner) {
  wire::EthernetFrame::emit(frame.writable(), wire::MacAddress{}, config_.mac, wire::EtherType::ipv4);
  const std::span<std::uint8_t> datagram(frame.data + layout::transport, wire::UdpPacket::header_len + payload_len);
  wire::UdpPacket::emit_header(datagram, socket.local.port, to.port, static_cast<std::uint16_t>(payload_len));
  wire::UdpPacket::fill_checksum(datagram, config_.address, to.address);
  wire::Ipv4Header header;
  header.source = config_.address;
  header.destination = to.address;
  header.protocol = static_cast<std::uint8_t>(wire::IpProtocol::udp);
  header.ttl = config_.ttl;
  header.identification = next_ip_identification();
  header.payload_length = static_cast<std::uint16_t>(datagram.size());
  header.emit(frame.writable().subspan(layout::ip));
  frame.len = static_cast<std::uint32_t>(layout::udp_payload + payload_len);

  const int result = output_ipv4(now, frame, to.address, owner);
  if (result < 0) count_udp_error(owner, false);
  return result;
}

int Interface::udp_send(Instant now, int id, std::span<const std::uint8_t> payload) {
  const socket::UdpSocket* socket = sockets_.get(id);
  if (socket == nullptr) return -EBADF;
  if (!socket->remote) return -EDESTADDRREQ;
  return udp_send_to(now, id, *socket->remote, payload);
}

int Interface::udp_reply_in_place(Instant now, socket::UdpDatagram&& datagram, std::size_t payload_len) {
  socket::UdpDatagram taken = datagram;
  datagram = socket::UdpDatagram{};
  if (taken.empty()) return -EINVAL;
  const socket::UdpSocket* socket = sockets_.get(taken.socket_id);
  const TxOwner owner{taken.socket_id, socket != nullptr ? socket->generation : 0,
                      static_cast<std::uint32_t>(payload_len)};
  const std::size_t datagram_len = wire::UdpPacket::header_len + payload_len;

  if (taken.reassembly_slot >= 0) {
    const std::span<std::uint8_t> room = reassembler_.payload_capacity(taken.reassembly_slot);
    if (datagram_len > room.size()) {
      release(taken);
      count_udp_error(owner, false);
      return -EMSGSIZE;
    }
    const std::span<std::uint8_t> reply = room.first(datagram_len);
    wire::UdpPacket::emit_header(reply, taken.to.port, taken.from.port, static_cast<std::uint16_t>(payload_len));
    wire::UdpPacket::fill_checksum(reply, config_.address, taken.from.address);
    const int result =
        transmit_fragmented(reassembler_.peer_mac(taken.reassembly_slot), taken.from.address, wire::IpProtocol::udp, reply);
    release(taken);
    if (result < 0) {
      count_udp_error(owner, false);
      return result;
    }
    count_udp_sent(owner);
    return 0;
  }

  device::Frame frame = taken.frame;
  const std::size_t payload_at = std::size_t{taken.udp_offset} + wire::UdpPacket::header_len;
  if (payload_len > config_.mtu - wire::Ipv4Packet::min_header_len - wire::UdpPacket::header_len ||
      payload_at + payload_len > frame.capacity) {
    release(taken);
    count_udp_error(owner, false);
    return -EMSGSIZE;
  }
  wire::MacAddress peer;
  std::copy_n(frame.data + 6, 6, peer.octets.begin());
  if (payload_at != layout::udp_payload) {  // the request had IP options; ours has none
    std::memmove(frame.data + layout::udp_payload, frame.data + payload_at, payload_len);
  }
  const std::span<std::uint8_t> reply(frame.data + layout::transport, datagram_len);
  wire::UdpPacket::emit_header(reply, taken.to.port, taken.from.port, static_cast<std::uint16_t>(payload_len));
  wire::UdpPacket::fill_checksum(reply, config_.address, taken.from.address);
  wire::Ipv4Header header;
  header.source = config_.address;  // not taken.to.address, which may be a broadcast
  header.destination = taken.from.address;
  header.protocol = static_cast<std::uint8_t>(wire::IpProtocol::udp);
  header.ttl = config_.ttl;
  header.identification = next_ip_identification();
  header.payload_length = static_cast<std::uint16_t>(datagram_len);
  header.emit(frame.writable().subspan(layout::ip));
  wire::EthernetFrame::emit(frame.writable(), peer, config_.mac, wire::EtherType::ipv4);
  frame.len = static_cast<std::uint32_t>(layout::udp_payload + payload_len);
  if (taken.from.address == config_.address) return output_ipv4(now, frame, taken.from.address, owner);
  transmit(frame);
  count_udp_sent(owner);
  return 0;
}

void Interface::udp_close(int id) {
  socket::UdpSocket* socket = sockets_.get(id);
  if (socket == nullptr) return;
  socket::UdpDatagram datagram;
  while (socket->queue.pop(datagram)) release(datagram);
  sockets_.close(id);
}

socket::Endpoint Interface::udp_local(int id) const {
  const socket::UdpSocket* socket = sockets_.get(id);
  return socket != nullptr ? socket->local : socket::Endpoint{};
}

const socket::UdpSocketCounters& Interface::udp_counters(int id) const {
  static const socket::UdpSocketCounters closed{};
  const socket::UdpSocket* socket = sockets_.get(id);
  return socket != nullptr ? socket->counters : closed;
}

std::size_t Interface::udp_queued(int id) const {
  const socket::UdpSocket* socket = sockets_.get(id);
  return socket != nullptr ? socket->queue.size() : 0;
}

void Interface::count_udp_sent(const TxOwner& owner) {
  socket::UdpSocket* socket = sockets_.get(owner.socket_id);
  if (socket == nullptr || socket->generation != owner.generation) return;
  socket->counters.tx_datagrams += 1;
  socket->counters.tx_bytes += owner.payload_bytes;
}

void Interface::count_udp_error(const TxOwner& owner, bool unresolved) {
  socket::UdpSocket* socket = sockets_.get(owner.socket_id);
  if (socket == nullptr || socket->generation != owner.generation) return;
  socket->counters.tx_errors += 1;
  if (unresolved) socket->counters.tx_unresolved += 1;
}

}  // namespace sluice::iface
