#include "runtime/stack_instance.hpp"

namespace sluice::runtime {

StackInstance::StackInstance(std::unique_ptr<device::Device> device, const iface::InterfaceConfig& config)
    : device_(std::move(device)), frame_io_(*device_), interface_(config, frame_io_) {}

StackInstance::~StackInstance() = default;

std::size_t StackInstance::receive(Instant now) {
  ++counters_.polls;
  const std::size_t received = device_->receive(rx_burst_);
  if (received == 0) ++counters_.idle_polls;
  for (std::size_t i = 0; i < received; ++i) interface_.receive(now, rx_burst_[i]);
  return received;
}

void StackInstance::finish(Instant now) {
  if (interface_.next_deadline() <= now) interface_.poll(now);
  frame_io_.flush();
}

}  // namespace sluice::runtime
