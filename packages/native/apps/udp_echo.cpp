#include "apps/udp_echo.hpp"

#include <string>

#include "util/error.hpp"

namespace sluice::apps {

void UdpEcho::start(Instant, runtime::StackInstance& instance) {
  socket_ = instance.interface().udp_bind({wire::Ipv4Address{0}, port_});
  if (socket_ < 0) throw_errno(-socket_, "cannot bind UDP port " + std::to_string(port_));
}

void UdpEcho::step(Instant now, runtime::StackInstance& instance) {
  auto& iface = instance.interface();
  socket::UdpDatagram datagram;
  while (iface.udp_receive(socket_, datagram)) {
    const std::size_t length = datagram.payload.size();
    if (iface.udp_reply_in_place(now, std::move(datagram), length) < 0) {
      ++counters_.reply_errors;
      continue;
    }
    ++counters_.datagrams;
    counters_.bytes += length;
  }
}

void UdpEcho::stop(runtime::StackInstance& instance) {
  if (socket_ >= 0) instance.interface().udp_close(socket_);
  socket_ = -1;
}

void UdpEcho::describe_counters(runtime::CounterTable& table) const {
  table.add("app", "datagrams", counters_.datagrams);
  table.add("app", "bytes", counters_.bytes);
  table.add("app", "reply_errors", counters_.reply_errors);
}

}  // namespace sluice::apps
