#include "libos/sim_world.hpp"

#include <algorithm>
#include <map>
#include <mutex>

namespace sluice::libos {

namespace {
device::sim::SimWireConfig wire_config(const SimOptions& options) {
  device::sim::SimWireConfig config;
  config.seed = options.seed;
  config.max_frame_len = 9018;
  config.default_link.delay = Duration::micros(options.delay_us);
  return config;
}
}  // namespace

SimWorld::SimWorld(const SimOptions& options) : wire_(wire_config(options)) {}

std::shared_ptr<SimWorld> SimWorld::named(const SimOptions& options) {
  // Only sl_init and test set-up come here, never the data path.
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<SimWorld>> worlds;
  const std::lock_guard lock(mutex);
  std::shared_ptr<SimWorld> world = worlds[options.wire].lock();
  if (!world) {
    world = std::make_shared<SimWorld>(options);
    worlds[options.wire] = world;
  }
  return world;
}

std::unique_ptr<device::Device> SimWorld::attach(const std::string& name, const wire::MacAddress& mac, std::uint32_t mtu) {
  device::sim::SimEndpointConfig config;
  config.name = name;
  config.mac = mac;
  config.mtu = mtu;
  config.frame_size = std::max<std::uint32_t>(2048, mtu + 14);
  return wire_.attach(config);
}

void SimWorld::remove(runtime::StackInstance* instance) {
  instances_.erase(std::remove(instances_.begin(), instances_.end(), instance), instances_.end());
}

std::size_t SimWorld::receive_all(Instant now) {
  wire_.advance(now);
  std::size_t received = 0;
  for (runtime::StackInstance* instance : instances_) received += instance->receive(now);
  return received;
}

void SimWorld::finish_all(Instant now) {
  for (runtime::StackInstance* instance : instances_) instance->finish(now);
}

bool SimWorld::idle(Instant deadline) {
  Instant next = std::min(deadline, wire_.next_delivery());
  for (const runtime::StackInstance* instance : instances_) next = std::min(next, instance->next_deadline());
  if (next.is_never()) return false;
  if (next > now_) now_ = next;
  return true;
}

}  // namespace sluice::libos
