#include "device/sim/sim_device.hpp"

#include <algorithm>
#include <cstring>

#include "device/sim/sim_wire.hpp"

namespace sluice::device::sim {

namespace {
// The endpoint id rides in the handle's upper half, so a frame from another endpoint's pool is
// recognised instead of corrupting this pool's free list.
std::uint64_t handle_for(std::uint32_t endpoint_id, std::uint32_t index) {
  return (std::uint64_t{endpoint_id} + 1) << 32 | index;
}
}  // namespace

SimDevice::SimDevice(SimWire* wire, std::uint32_t id, const SimEndpointConfig& config)
    : wire_(wire),
      id_(id),
      memory_(std::size_t{config.pool_frames} * config.frame_size),
      pool_(memory_.data(), config.pool_frames, config.frame_size),
      lent_(config.pool_frames, 0),
      rx_queue_(config.pool_frames),
      rx_lengths_(config.pool_frames, 0),
      kept_done_(config.pool_frames) {
  info_.backend = "sim";
  info_.name = config.name;
  info_.mtu = config.mtu;
  info_.mac = config.mac;
  info_.mode = "copy";
}

SimDevice::~SimDevice() {
  if (wire_ != nullptr) wire_->detach(id_);
}

Frame SimDevice::frame_at(std::uint32_t index, std::uint32_t len) const {
  return Frame{pool_.address(index), len, pool_.frame_size(), handle_for(id_, index)};
}

std::int64_t SimDevice::owned_index(const Frame& frame) const {
  if ((frame.handle >> 32) != std::uint64_t{id_} + 1) return -1;
  const std::uint64_t index = frame.handle & 0xffffffffu;
  if (index >= pool_.capacity() || lent_[index] == 0) return -1;
  return static_cast<std::int64_t>(index);
}

void SimDevice::give_back(const Frame& frame, std::uint32_t index) {
  if (frame.kept) {  // still the caller's: it comes back through reclaim_kept()
    kept_done_.push(frame_at(index, 0));  // holds every pool frame: cannot overflow
    return;
  }
  lent_[index] = 0;
  pool_.give(index);
}

bool SimDevice::deliver(std::span<const std::uint8_t> bytes) {
  std::uint32_t index = 0;
  if (bytes.size() > pool_.frame_size() || !pool_.take(index)) {
    ++counters_.rx_dropped;
    return false;
  }
  std::memcpy(pool_.address(index), bytes.data(), bytes.size());
  rx_lengths_[index] = static_cast<std::uint32_t>(bytes.size());
  rx_queue_.push(index);  // cannot fail: the queue holds as many entries as the pool has frames
  return true;
}

std::size_t SimDevice::receive(std::span<Frame> out) {
  std::size_t n = 0;
  while (n < out.size() && !rx_queue_.empty()) {
    const std::uint32_t index = rx_queue_.pop();
    lent_[index] = 1;
    out[n++] = frame_at(index, rx_lengths_[index]);
    ++counters_.rx_packets;
    counters_.rx_bytes += rx_lengths_[index];
  }
  return n;
}

std::size_t SimDevice::allocate(std::span<Frame> out) {
  std::size_t n = 0;
  std::uint32_t index = 0;
  while (n < out.size() && pool_.take(index)) {
    lent_[index] = 1;
    out[n++] = frame_at(index, 0);
  }
  if (n < out.size()) ++counters_.alloc_failures;
  return n;
}

std::size_t SimDevice::transmit(std::span<const Frame> frames) {
  const std::uint32_t max_len = info_.mtu + static_cast<std::uint32_t>(wire::EthernetFrame::header_len);
  for (const Frame& frame : frames) {
    const std::int64_t owned = owned_index(frame);
    if (owned < 0) {
      ++sim_counters_.foreign_frames;
      continue;
    }
    const auto index = static_cast<std::uint32_t>(owned);
    const std::uint8_t* start = pool_.address(index);
    const bool inside = frame.data >= start && frame.data + frame.len <= start + pool_.frame_size();
    if (!inside || frame.len < wire::EthernetFrame::header_len || frame.len > max_len) {
      ++sim_counters_.tx_invalid;
    } else if (wire_ == nullptr) {
      ++sim_counters_.tx_unattached;
    } else {
      ++counters_.tx_packets;
      counters_.tx_bytes += frame.len;
      wire_->transmit_from(id_, {frame.data, frame.len});
    }
    give_back(frame, index);
  }
  return frames.size();
}

void SimDevice::release(std::span<const Frame> frames) {
  for (const Frame& frame : frames) {
    const std::int64_t owned = owned_index(frame);
    if (owned < 0) {
      ++sim_counters_.foreign_frames;
      continue;
    }
    give_back(frame, static_cast<std::uint32_t>(owned));
  }
}

}  // namespace sluice::device::sim
