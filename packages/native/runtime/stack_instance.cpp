#include "runtime/stack_instance.hpp"

namespace sluice::runtime {

namespace {
// Frames arrive cold: another CPU (the kernel, in AF_XDP copy mode) just wrote them. Asking for the
// next frame's lines while the stack works on this one overlaps those misses with useful work; the
// first touch of each frame (header parse, checksum) was the sink's top cost in a bulk profile.
void prefetch_frame(const device::Frame& frame) {
  constexpr std::size_t kLine = 64;
  constexpr std::size_t kMaxBytes = 1536;  // one MTU-sized frame; jumbo frames stream in on their own
  const std::size_t bytes = frame.len < kMaxBytes ? frame.len : kMaxBytes;
  for (std::size_t at = 0; at < bytes; at += kLine) __builtin_prefetch(frame.data + at, 0, 3);
}
}  // namespace

StackInstance::StackInstance(std::unique_ptr<device::Device> device, const iface::InterfaceConfig& config)
    : device_(std::move(device)), frame_io_(*device_), interface_(config, frame_io_) {}

StackInstance::~StackInstance() = default;

std::size_t StackInstance::receive(Instant now) {
  ++counters_.polls;
  const std::size_t received = device_->receive(rx_burst_);
  if (received == 0) ++counters_.idle_polls;
  if (received > 0) prefetch_frame(rx_burst_[0]);
  for (std::size_t i = 0; i < received; ++i) {
    if (i + 1 < received) prefetch_frame(rx_burst_[i + 1]);
    interface_.receive(now, rx_burst_[i]);
  }
  return received;
}

void StackInstance::finish(Instant now) {
  if (interface_.next_deadline() <= now) interface_.poll(now);
  frame_io_.flush();
}

}  // namespace sluice::runtime
