// ARP: answering requests for our address, learning neighbours, resolving next hops with bounded
// retries and a bounded queue of frames waiting for the answer.
//
// Learning follows RFC 826's merge rule: any ARP packet (request, reply, gratuitous) from a sender
// already in the cache updates that entry; a new entry is only created when the packet is aimed at
// our address (the sender is about to talk to us). Unsolicited packets from unknown senders are not
// learned. Static entries are never changed by the wire. Packets claiming our own address are
// counted as conflicts and ignored.
#include <algorithm>
#include <cerrno>

#include "iface/interface.hpp"
#include "iface/layout.hpp"
#include "wire/arp.hpp"

namespace sluice::iface {

void Interface::handle_arp(Instant now, const device::Frame& frame, std::span<std::uint8_t> arp_bytes) {
  const auto arp = wire::ArpPacket::parse(arp_bytes);
  if (!arp || arp->sender_mac().is_multicast()) {
    counters_.drop_bad_arp += 1;
    io_.release(frame);
    return;
  }
  const wire::ArpFields fields = arp->fields();
  const bool is_request = fields.operation == wire::ArpOperation::request;
  (is_request ? counters_.arp_requests_received : counters_.arp_replies_received) += 1;
  if (fields.sender_ip == config_.address) {
    counters_.arp_address_conflicts += 1;
    io_.release(frame);
    return;
  }

  bool merged = false;
  if (!fields.sender_ip.is_unspecified()) {
    if (ArpEntry* entry = arp_.find(fields.sender_ip)) {
      merged = true;
      if (entry->state != ArpState::permanent) resolve(now, *entry, fields.sender_mac);
    }
  }
  if (fields.target_ip != config_.address) {
    counters_.arp_not_for_us += 1;
    io_.release(frame);
    return;
  }
  if (!merged && !fields.sender_ip.is_unspecified() && router_.subnet().contains(fields.sender_ip) &&
      !router_.is_broadcast(fields.sender_ip)) {
    if (ArpEntry* entry = arp_.insert(fields.sender_ip, ArpState::reachable)) {
      resolve(now, *entry, fields.sender_mac);
    } else {
      counters_.arp_cache_full += 1;
    }
  }
  if (!is_request) {
    io_.release(frame);
    return;
  }
  // Answer in the request's own frame: same size, nothing to allocate.
  wire::ArpPacket::emit(arp_bytes, {wire::ArpOperation::reply, config_.mac, config_.address, fields.sender_mac,
                                    fields.sender_ip});
  wire::EthernetFrame::emit(frame.writable(), fields.sender_mac, config_.mac, wire::EtherType::arp);
  device::Frame reply = frame;
  reply.len = layout::arp_frame;
  counters_.arp_replies_sent += 1;
  transmit(reply);
}

void Interface::send_arp_request(wire::Ipv4Address target) {
  device::Frame frame;
  if (!allocate_frame(layout::arp_frame, frame)) return;  // the retry timer tries again
  wire::EthernetFrame::emit(frame.writable(), wire::MacAddress::broadcast(), config_.mac, wire::EtherType::arp);
  wire::ArpPacket::emit(frame.writable().subspan(layout::ip),
                        {wire::ArpOperation::request, config_.mac, config_.address, wire::MacAddress{}, target});
  frame.len = layout::arp_frame;
  counters_.arp_requests_sent += 1;
  transmit(frame);
}

void Interface::resolve(Instant now, ArpEntry& entry, const wire::MacAddress& mac) {
  entry.mac = mac;
  arp_.set_state(entry, ArpState::reachable);
  entry.expires_at = now + config_.arp_entry_lifetime;
  entry.refresh_sent = false;
  PendingFrame pending;
  while (pending_.pop(entry.pending, pending)) {
    std::copy(mac.octets.begin(), mac.octets.end(), pending.frame.data);
    transmit(pending.frame);
    count_udp_sent({pending.socket_id, pending.socket_generation, pending.payload_bytes});
  }
}

void Interface::fail_resolution(ArpEntry& entry) {
  PendingFrame pending;
  while (pending_.pop(entry.pending, pending)) {
    io_.release(pending.frame);
    counters_.drop_arp_failed += 1;
    count_udp_error({pending.socket_id, pending.socket_generation, pending.payload_bytes}, true);
  }
  arp_.erase(entry);
}

void Interface::poll_arp(Instant now) {
  if (arp_.incomplete_count() == 0) return;
  for (ArpEntry& entry : arp_.entries()) {
    if (entry.state != ArpState::incomplete || entry.next_request_at > now) continue;
    if (entry.requests_left == 0) {
      fail_resolution(entry);
      continue;
    }
    entry.requests_left -= 1;
    entry.next_request_at = now + config_.arp_retry_interval;
    send_arp_request(entry.ip);
  }
}

// Only senders on our subnet (a remote source's frames carry the gateway's MAC) and never over a
// static entry; a usable entry is left alone, so steady traffic costs one lookup per frame.
void Interface::learn_from_ipv4(Instant now, wire::Ipv4Address source, const wire::MacAddress& mac) {
  if (!router_.subnet().contains(source) || mac.is_multicast()) return;
  ArpEntry* entry = arp_.find(source);
  if (entry != nullptr && (entry->state == ArpState::permanent ||
                           (entry->state == ArpState::reachable && now < entry->expires_at && entry->mac == mac))) {
    return;
  }
  if (entry == nullptr) entry = arp_.insert(source, ArpState::reachable);
  if (entry == nullptr) {
    counters_.arp_cache_full += 1;
    return;
  }
  counters_.arp_learned_from_ipv4 += 1;
  resolve(now, *entry, mac);
}

int Interface::send_to_neighbor(Instant now, const device::Frame& frame, wire::Ipv4Address next_hop,
                                const TxOwner& owner) {
  ArpEntry* entry = arp_.find(next_hop);
  if (entry != nullptr && (entry->state == ArpState::permanent ||
                           (entry->state == ArpState::reachable && now < entry->expires_at))) {
    // Ask again shortly before the entry lapses, so steady traffic never stalls on resolution.
    if (entry->state == ArpState::reachable && !entry->refresh_sent &&
        now + config_.arp_retry_interval >= entry->expires_at) {
      entry->refresh_sent = true;
      send_arp_request(next_hop);
    }
    std::copy(entry->mac.octets.begin(), entry->mac.octets.end(), frame.data);
    transmit(frame);
    count_udp_sent(owner);
    return 0;
  }
  bool start_resolution = false;
  if (entry == nullptr) {
    entry = arp_.insert(next_hop, ArpState::incomplete);
    if (entry == nullptr) {
      counters_.arp_cache_full += 1;
      io_.release(frame);
      return -ENOBUFS;
    }
    start_resolution = true;
  } else if (entry->state != ArpState::incomplete) {  // a lapsed entry starts over
    arp_.set_state(*entry, ArpState::incomplete);
    start_resolution = true;
  }
  if (start_resolution) {
    entry->requests_left = config_.arp_retry_count;
    entry->next_request_at = now + config_.arp_retry_interval;
    send_arp_request(next_hop);
  }
  if (entry->pending.count >= config_.arp_pending_per_address ||
      !pending_.push(entry->pending, {frame, -1, owner.socket_id, owner.generation, owner.payload_bytes})) {
    counters_.drop_arp_pending_full += 1;
    io_.release(frame);
    return -ENOBUFS;
  }
  return 0;
}

}  // namespace sluice::iface
