#include "device/fault/fault_device.hpp"

#include <algorithm>

namespace sluice::device::fault {

namespace {
constexpr std::uint64_t kReceiveStream = 0x7278;   // "rx"
constexpr std::uint64_t kTransmitStream = 0x7478;  // "tx"
}  // namespace

FaultDevice::FaultDevice(std::unique_ptr<Device> inner, const FaultSpec& spec, Clock clock)
    : inner_(std::move(inner)),
      spec_(spec),
      clock_(std::move(clock)),
      rx_faults_(spec.any() && spec.directions != FaultDirections::transmit),
      tx_faults_(spec.any() && spec.directions != FaultDirections::receive),
      rx_(spec, kReceiveStream),
      tx_(spec, kTransmitStream),
      rx_ready_(kBatchCapacity),
      tx_ready_(kBatchCapacity) {}

FaultDevice::~FaultDevice() {
  rx_.release_all(*inner_);
  tx_.release_all(*inner_);
  inner_->release(rx_ready_.pending());
  inner_->release(tx_ready_.pending());
}

std::size_t FaultDevice::receive(std::span<Frame> out) {
  // receive() is what a runtime calls every loop, so it also times out held transmit frames.
  if (tx_.holding()) release_expired_transmit_holds();
  if (!rx_faults_) return inner_->receive(out);
  std::size_t n = rx_ready_.take(out);
  if (rx_.holding()) {
    rx_.release_expired(clock_(), rx_ready_);
    n += rx_ready_.take(out.subspan(n));
  }
  // Pull only when nothing decided is waiting, so rx_ready_ never needs more than one chunk's room.
  while (n < out.size() && rx_ready_.empty()) {
    const std::size_t want = std::min(out.size() - n, kChunk);
    const std::size_t got = inner_->receive({scratch_.data(), want});
    if (got == 0) break;
    for (std::size_t i = 0; i < got; ++i) rx_.process(scratch_[i], *inner_, clock_, rx_ready_);
    n += rx_ready_.take(out.subspan(n));
  }
  return n;
}

bool FaultDevice::drain_transmit_backlog() {
  if (tx_ready_.empty()) return true;
  tx_ready_.consume(inner_->transmit(tx_ready_.pending()));
  return tx_ready_.empty();
}

std::size_t FaultDevice::transmit(std::span<const Frame> frames) {
  if (!tx_faults_) return inner_->transmit(frames);
  // While the inner ring is still full, refuse: the caller keeps its frames and retries.
  if (!drain_transmit_backlog()) return 0;
  std::size_t accepted = 0;
  while (accepted < frames.size()) {
    const std::size_t chunk = std::min(frames.size() - accepted, kChunk);
    for (std::size_t i = 0; i < chunk; ++i) tx_.process(frames[accepted + i], *inner_, clock_, tx_ready_);
    accepted += chunk;
    if (!drain_transmit_backlog()) break;
  }
  return accepted;
}

void FaultDevice::release_expired_transmit_holds() {
  const std::size_t before = tx_ready_.size();
  tx_.release_expired(clock_(), tx_ready_);
  if (tx_ready_.size() != before) {
    drain_transmit_backlog();
    inner_->flush();
  }
}

void FaultDevice::flush() {
  if (tx_faults_) {
    if (tx_.holding()) tx_.release_expired(clock_(), tx_ready_);
    drain_transmit_backlog();
  }
  inner_->flush();
}

}  // namespace sluice::device::fault
