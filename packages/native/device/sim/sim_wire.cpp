#include "device/sim/sim_wire.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "util/error.hpp"

namespace sluice::device::sim {

namespace {

constexpr std::size_t kEthernetHeader = wire::EthernetFrame::header_len;

// std::push_heap builds a max-heap; "later" on top would be wrong, so order by "comes after".
struct DeliversLater {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    return a.deliver_at != b.deliver_at ? a.deliver_at > b.deliver_at : a.sequence > b.sequence;
  }
};

void validate(const LinkConfig& c, const std::string& where) {
  const auto check_probability = [&](double p, const char* name) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw Error(EINVAL, where + ": " + name + " probability " + std::to_string(p) + " is outside [0, 1]");
    }
  };
  check_probability(c.drop, "drop");
  check_probability(c.duplicate, "duplicate");
  check_probability(c.reorder, "reorder");
  check_probability(c.corrupt, "corrupt");
  if (c.bits_per_second != 0 && c.queue_frames == 0) {
    throw Error(EINVAL, where + ": a bandwidth limit needs queue_frames >= 1, or every frame would be tail-dropped");
  }
  if (c.reorder > 0 && c.reorder_window.nanos == 0) {
    throw Error(EINVAL, where + ": reorder needs a reorder_window above 0 to hold frames back by");
  }
}

}  // namespace

SimWire::SimWire(const SimWireConfig& config)
    : config_(config),
      slot_memory_(std::size_t{config.in_flight_frames} * config.max_frame_len),
      free_slots_(config.in_flight_frames) {
  validate(config.default_link, "sim wire default link");
  for (std::uint32_t i = 0; i < config.in_flight_frames; ++i) free_slots_[i] = config.in_flight_frames - 1 - i;
  heap_.reserve(config.in_flight_frames);
}

SimWire::~SimWire() {
  for (Endpoint& endpoint : endpoints_) {
    if (endpoint.device != nullptr) endpoint.device->wire_ = nullptr;
  }
}

std::uint64_t SimWire::link_seed(std::uint32_t from, std::uint32_t to) const {
  return derive_seed(config_.seed, (std::uint64_t{from} << 32) | to);
}

std::unique_ptr<SimDevice> SimWire::attach(const SimEndpointConfig& config) {
  const std::string where = "sim endpoint \"" + config.name + "\"";
  const std::uint64_t frame_len = std::uint64_t{config.mtu} + kEthernetHeader;
  if (config.mtu == 0 || frame_len > config.frame_size) {
    throw Error(EINVAL, where + ": mtu " + std::to_string(config.mtu) + " + 14 does not fit its frame_size " +
                            std::to_string(config.frame_size) + "; raise frame_size or lower mtu");
  }
  if (frame_len > config_.max_frame_len) {
    throw Error(EINVAL, where + ": mtu " + std::to_string(config.mtu) + " + 14 exceeds the wire's max_frame_len " +
                            std::to_string(config_.max_frame_len) + "; raise SimWireConfig::max_frame_len");
  }
  if (config.pool_frames == 0) throw Error(EINVAL, where + ": pool_frames must be at least 1");
  if (config.mac.is_multicast()) {
    throw Error(EINVAL, where + ": MAC " + config.mac.to_string() + " is a multicast address; use a unicast one");
  }
  for (const Endpoint& other : endpoints_) {
    if (other.device != nullptr && other.mac == config.mac) {
      throw Error(EINVAL, where + ": MAC " + config.mac.to_string() + " is already used by \"" +
                              other.device->info().name + "\" on this wire");
    }
  }

  const auto id = static_cast<std::uint32_t>(endpoints_.size());
  std::unique_ptr<SimDevice> device(new SimDevice(this, id, config));
  for (std::uint32_t from = 0; from < id; ++from) endpoints_[from].links.emplace_back(config_.default_link, link_seed(from, id));
  Endpoint endpoint;
  endpoint.device = device.get();
  endpoint.mac = config.mac;
  endpoint.links.reserve(id + 1);
  for (std::uint32_t to = 0; to <= id; ++to) endpoint.links.emplace_back(config_.default_link, link_seed(id, to));
  endpoints_.push_back(std::move(endpoint));
  return device;
}

void SimWire::detach(std::uint32_t id) { endpoints_[id].device = nullptr; }

void SimWire::configure_link(const SimDevice& from, const SimDevice& to, const LinkConfig& config) {
  if (from.wire_ != this || to.wire_ != this || from.id_ == to.id_) {
    throw Error(EINVAL, "sim wire: configure_link needs two different endpoints attached to this wire");
  }
  validate(config, "sim link " + from.info().name + " -> " + to.info().name);
  Link& l = link(from.id_, to.id_);
  FixedQueue<Instant> queue(config.queue_frames);
  while (!l.serialisation_ends.empty() && !queue.full()) queue.push(l.serialisation_ends.pop());
  l.serialisation_ends = std::move(queue);
  l.config = config;
}

void SimWire::configure_all_links(const LinkConfig& config) {
  validate(config, "sim wire links");
  config_.default_link = config;
  for (std::uint32_t from = 0; from < endpoints_.size(); ++from) {
    for (std::uint32_t to = 0; to < endpoints_.size(); ++to) {
      Link& l = link(from, to);
      FixedQueue<Instant> queue(config.queue_frames);
      while (!l.serialisation_ends.empty() && !queue.full()) queue.push(l.serialisation_ends.pop());
      l.serialisation_ends = std::move(queue);
      l.config = config;
    }
  }
}

const LinkCounters& SimWire::link_counters(const SimDevice& from, const SimDevice& to) const {
  if (from.wire_ != this || to.wire_ != this) {
    throw Error(EINVAL, "sim wire: link_counters needs endpoints attached to this wire");
  }
  return endpoints_[from.id_].links[to.id_].counters;
}

LinkCounters SimWire::total_counters() const {
  LinkCounters total;
  for (const Endpoint& endpoint : endpoints_) {
    for (const Link& l : endpoint.links) total += l.counters;
  }
  return total;
}

void SimWire::transmit_from(std::uint32_t from, std::span<const std::uint8_t> frame) {
  wire::MacAddress dst;  // the sender checked that a whole Ethernet header is there
  std::memcpy(dst.octets.data(), frame.data(), dst.octets.size());
  const bool flood = dst.is_multicast();
  bool found = false;
  for (std::uint32_t to = 0; to < endpoints_.size(); ++to) {
    if (to == from || endpoints_[to].device == nullptr) continue;
    if (flood || endpoints_[to].mac == dst) {
      send_on_link(from, to, frame);
      found = true;
      if (!flood) break;
    }
  }
  if (!found && !flood) ++endpoints_[from].device->sim_counters_.unknown_destination;
}

Instant SimWire::serialise(Link& l, std::size_t len) {
  if (l.config.bits_per_second == 0) return now_;
  while (!l.serialisation_ends.empty() && l.serialisation_ends.front() <= now_) l.serialisation_ends.pop();
  if (l.serialisation_ends.full()) return Instant::never();
  const std::uint64_t bps = l.config.bits_per_second;
  const Duration on_the_wire{(std::uint64_t{len} * 8 * 1000'000'000u + bps - 1) / bps};
  const Instant start = std::max(now_, l.transmitter_free_at);
  l.transmitter_free_at = start + on_the_wire;
  l.serialisation_ends.push(l.transmitter_free_at);
  return l.transmitter_free_at;
}

void SimWire::send_on_link(std::uint32_t from, std::uint32_t to, std::span<const std::uint8_t> frame) {
  Link& l = link(from, to);
  const LinkConfig& c = l.config;
  ++l.counters.offered;
  const Instant sent_at = serialise(l, frame.size());
  if (sent_at.is_never()) {
    ++l.counters.queue_drops;
    return;
  }
  // Every draw happens in this fixed order, and only for enabled faults, so one seed replays.
  if (l.random.chance(c.drop)) {
    ++l.counters.dropped;
    return;
  }
  // The Ethernet header is guarded by the FCS on a real wire; flipping past it leaves the IPv4,
  // UDP and TCP checksums to catch the damage, which is what the simulation is for.
  const bool corrupt = frame.size() > kEthernetHeader && l.random.chance(c.corrupt);
  const std::uint64_t bit = corrupt ? l.random.below((frame.size() - kEthernetHeader) * 8) : 0;
  const bool duplicate = l.random.chance(c.duplicate);
  const bool reorder = l.random.chance(c.reorder);
  const Duration jitter{c.jitter.nanos != 0 ? l.random.below(c.jitter.nanos + 1) : 0};

  Instant deliver_at = sent_at + c.delay + jitter;
  if (reorder) {
    deliver_at = deliver_at + Duration{1 + l.random.below(c.reorder_window.nanos)};
    ++l.counters.reordered;
  } else {
    // Jitter alone must not reorder, so frames that were not picked for reordering stay FIFO.
    deliver_at = std::max(deliver_at, l.last_in_order_delivery);
    l.last_in_order_delivery = deliver_at;
  }

  std::uint8_t* copy = enqueue(deliver_at, from, to, frame);
  if (copy == nullptr) {
    ++l.counters.in_flight_full;
    return;
  }
  if (corrupt) {
    copy[kEthernetHeader + bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    ++l.counters.corrupted;
  }
  if (duplicate) {
    if (enqueue(deliver_at, from, to, {copy, frame.size()}) != nullptr) {
      ++l.counters.duplicated;
    } else {
      ++l.counters.in_flight_full;
    }
  }
}

std::uint8_t* SimWire::enqueue(Instant deliver_at, std::uint32_t from, std::uint32_t to,
                               std::span<const std::uint8_t> frame) {
  if (free_slots_.empty()) return nullptr;
  const std::uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  std::uint8_t* copy = slot_memory_.data() + std::size_t{slot} * config_.max_frame_len;
  std::memcpy(copy, frame.data(), frame.size());
  heap_.push_back(InFlight{deliver_at, next_sequence_++, slot, static_cast<std::uint32_t>(frame.size()), from, to});
  std::push_heap(heap_.begin(), heap_.end(), DeliversLater{});
  return copy;
}

std::size_t SimWire::advance(Instant now) {
  now_ = std::max(now_, now);
  std::size_t delivered = 0;
  while (!heap_.empty() && heap_.front().deliver_at <= now_) {
    std::pop_heap(heap_.begin(), heap_.end(), DeliversLater{});
    const InFlight entry = heap_.back();
    heap_.pop_back();
    const std::uint8_t* bytes = slot_memory_.data() + std::size_t{entry.slot} * config_.max_frame_len;

    LinkCounters& counters = link(entry.from, entry.to).counters;
    SimDevice* receiver = endpoints_[entry.to].device;
    if (receiver == nullptr) {
      ++counters.receiver_gone;
    } else if (receiver->deliver({bytes, entry.len})) {
      ++counters.delivered;
      counters.delivered_bytes += entry.len;
      ++delivered;
    } else {
      ++counters.receiver_pool_empty;
    }
    free_slots_.push_back(entry.slot);
  }
  return delivered;
}

}  // namespace sluice::device::sim
