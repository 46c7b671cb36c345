#include "iface/arp_cache.hpp"

namespace sluice::iface {

namespace {
std::size_t index_size_for(std::size_t capacity) {
  std::size_t size = 4;
  while (size < capacity * 2) size *= 2;  // load factor <= 1/2 keeps probe chains short
  return size;
}
}  // namespace

ArpCache::ArpCache(std::size_t capacity) : entries_(capacity), index_(index_size_for(capacity), -1) {
  free_.reserve(capacity);
  for (std::size_t i = capacity; i-- > 0;) free_.push_back(static_cast<std::int32_t>(i));
}

std::size_t ArpCache::slot_of(wire::Ipv4Address ip) const {
  // Fibonacci hashing: addresses in one subnet differ in their low bits only.
  return static_cast<std::size_t>((ip.value * 0x9e3779b1u) >> 8) & (index_.size() - 1);
}

ArpEntry* ArpCache::find(wire::Ipv4Address ip) {
  return const_cast<ArpEntry*>(static_cast<const ArpCache*>(this)->find(ip));
}

const ArpEntry* ArpCache::find(wire::Ipv4Address ip) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t slot = slot_of(ip);; slot = (slot + 1) & mask) {
    const std::int32_t id = index_[slot];
    if (id < 0) return nullptr;
    if (entries_[id].ip == ip) return &entries_[id];
  }
}

ArpEntry* ArpCache::insert(wire::Ipv4Address ip, ArpState state) {
  if (free_.empty()) {
    ArpEntry* victim = nullptr;
    for (ArpEntry& entry : entries_) {
      if (entry.state == ArpState::reachable && (victim == nullptr || entry.expires_at < victim->expires_at)) {
        victim = &entry;
      }
    }
    if (victim == nullptr) return nullptr;
    erase(*victim);
  }
  const std::int32_t id = free_.back();
  free_.pop_back();
  ArpEntry& entry = entries_[id];
  entry = ArpEntry{};
  entry.ip = ip;
  set_state(entry, state);
  const std::size_t mask = index_.size() - 1;
  std::size_t slot = slot_of(ip);
  while (index_[slot] >= 0) slot = (slot + 1) & mask;
  index_[slot] = id;
  return &entry;
}

void ArpCache::unindex(std::int32_t id) {
  const std::size_t mask = index_.size() - 1;
  std::size_t hole = slot_of(entries_[id].ip);
  while (index_[hole] != id) hole = (hole + 1) & mask;
  // Backward-shift deletion: pull later members of the probe chain into the hole so lookups
  // never need tombstones.
  for (std::size_t next = (hole + 1) & mask; index_[next] >= 0; next = (next + 1) & mask) {
    const std::size_t home = slot_of(entries_[index_[next]].ip);
    const bool home_outside_hole_to_next = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
    if (home_outside_hole_to_next) {
      index_[hole] = index_[next];
      hole = next;
    }
  }
  index_[hole] = -1;
}

void ArpCache::erase(ArpEntry& entry) {
  if (entry.state == ArpState::free) return;
  const std::int32_t id = index_of(entry);
  unindex(id);
  set_state(entry, ArpState::free);
  entry = ArpEntry{};
  free_.push_back(id);
}

void ArpCache::set_state(ArpEntry& entry, ArpState state) {
  if (entry.state == ArpState::incomplete) --incomplete_;
  if (state == ArpState::incomplete) ++incomplete_;
  entry.state = state;
}

}  // namespace sluice::iface
