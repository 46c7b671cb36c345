#pragma once
// The "sim" backend's shared world: one SimWire per name in this process, the stack instances
// attached to it, and the virtual clock they share. Polling any instance's LibOS moves the whole
// world (every instance receives and transmits), so one thread can drive two simulated hosts by
// waiting on either; idling jumps virtual time to the next delivery or timer, so timeouts and
// retransmissions cost no real time and a seed replays exactly.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "device/sim/sim_wire.hpp"
#include "libos/config.hpp"
#include "runtime/stack_instance.hpp"

namespace sluice::libos {

class SimWorld {
 public:
  /// The world called `options.wire`, created with its seed and delay if nobody holds it yet.
  static std::shared_ptr<SimWorld> named(const SimOptions& options);
  explicit SimWorld(const SimOptions& options);

  std::unique_ptr<device::Device> attach(const std::string& name, const wire::MacAddress& mac, std::uint32_t mtu);
  void add(runtime::StackInstance* instance) { instances_.push_back(instance); }
  void remove(runtime::StackInstance* instance);

  Instant now() const { return now_; }
  std::size_t receive_all(Instant now);
  void finish_all(Instant now);
  /// Advances virtual time to the next delivery, timer or `deadline`; false when there is none.
  bool idle(Instant deadline);

 private:
  device::sim::SimWire wire_;
  Instant now_ = Instant::from_millis(1000);
  std::vector<runtime::StackInstance*> instances_;
};

}  // namespace sluice::libos
