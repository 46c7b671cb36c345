#pragma once
// The ARP cache: a fixed array of entries with an open-addressing index by IPv4 address, so
// lookups on the transmit path cost a hash and a probe or two. Entries hold the frames waiting
// for their resolution.
#include <cstdint>
#include <span>
#include <vector>

#include "iface/pending_frames.hpp"
#include "util/time.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::iface {

enum class ArpState : std::uint8_t {
  free,
  incomplete,  ///< requested, waiting for a reply; frames queue in `pending`
  reachable,   ///< resolved until expires_at
  permanent,   ///< configured statically; never expires, never overwritten by the wire
};

struct ArpEntry {
  wire::Ipv4Address ip;
  wire::MacAddress mac;
  ArpState state = ArpState::free;
  Instant expires_at;             ///< reachable: stop using the MAC after this
  Instant next_request_at;        ///< incomplete: next retransmission, or failure when none are left
  std::uint32_t requests_left = 0;  ///< incomplete: retransmissions still to send
  bool refresh_sent = false;      ///< reachable: a refresh request went out during this lifetime
  PendingList pending;
};

class ArpCache {
 public:
  explicit ArpCache(std::size_t capacity);

  ArpEntry* find(wire::Ipv4Address ip);
  const ArpEntry* find(wire::Ipv4Address ip) const;

  /// A new entry for `ip` (not present) in state `state`. When full, evicts the reachable entry
  /// that expires first; nullptr when every entry is permanent or incomplete.
  ArpEntry* insert(wire::Ipv4Address ip, ArpState state);
  /// Frees the entry; its pending list must be empty.
  void erase(ArpEntry& entry);
  void set_state(ArpEntry& entry, ArpState state);

  std::span<ArpEntry> entries() { return entries_; }
  std::span<const ArpEntry> entries() const { return entries_; }
  std::size_t incomplete_count() const { return incomplete_; }

 private:
  std::size_t slot_of(wire::Ipv4Address ip) const;
  std::int32_t index_of(const ArpEntry& entry) const { return static_cast<std::int32_t>(&entry - entries_.data()); }
  void unindex(std::int32_t entry);

  std::vector<ArpEntry> entries_;
  std::vector<std::int32_t> index_;  ///< power-of-two table of entry ids, -1 empty; linear probing
  std::vector<std::int32_t> free_;   ///< stack of free entry ids
  std::size_t incomplete_ = 0;
};

}  // namespace sluice::iface
