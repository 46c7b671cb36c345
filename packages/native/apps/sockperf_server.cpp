#include "apps/sockperf_server.hpp"

#include <string>

#include "util/error.hpp"
#include "wire/bytes.hpp"

namespace sluice::apps {

namespace sockperf {
Verdict answer_in_place(std::span<std::uint8_t> message) {
  if (message.size() < kHeaderSize) return Verdict::invalid;
  const std::uint32_t length = wire::load_be32(message.data() + 10);
  if (length < kHeaderSize || length > message.size()) return Verdict::invalid;
  return answer_header_in_place(message.first<kHeaderSize>());
}

Verdict answer_header_in_place(std::span<std::uint8_t, kHeaderSize> header) {
  const std::uint16_t flags = wire::load_be16(header.data() + 8);
  if ((flags & kFlagClient) == 0) return Verdict::invalid;
  if ((flags & kFlagWarmup) != 0 || (flags & kFlagPongRequest) == 0) return Verdict::no_reply;
  wire::store_be16(header.data() + 8, static_cast<std::uint16_t>(flags & ~kFlagClient));
  return Verdict::reply;
}
}  // namespace sockperf

void SockperfUdpServer::start(Instant, runtime::StackInstance& instance) {
  socket_ = instance.interface().udp_bind({wire::Ipv4Address{0}, port_});
  if (socket_ < 0) throw_errno(-socket_, "cannot bind UDP port " + std::to_string(port_));
}

void SockperfUdpServer::step(Instant now, runtime::StackInstance& instance) {
  auto& iface = instance.interface();
  socket::UdpDatagram datagram;
  while (iface.udp_receive(socket_, datagram)) {
    ++counters_.messages;
    switch (sockperf::answer_in_place(datagram.payload)) {
      case sockperf::Verdict::reply: {
        const std::size_t length = datagram.payload.size();
        if (iface.udp_reply_in_place(now, std::move(datagram), length) < 0) {
          ++counters_.reply_errors;
        } else {
          ++counters_.replies;
        }
        break;
      }
      case sockperf::Verdict::no_reply:
        ++counters_.warmups_or_no_pong;
        iface.release(datagram);
        break;
      case sockperf::Verdict::invalid:
        ++counters_.invalid;
        iface.release(datagram);
        break;
    }
  }
}

void SockperfUdpServer::stop(runtime::StackInstance& instance) {
  if (socket_ >= 0) instance.interface().udp_close(socket_);
  socket_ = -1;
}

void SockperfUdpServer::describe_counters(runtime::CounterTable& table) const {
  table.add("app", "messages", counters_.messages);
  table.add("app", "replies", counters_.replies);
  table.add("app", "no_reply", counters_.warmups_or_no_pong);
  table.add("app", "invalid", counters_.invalid);
  table.add("app", "reply_errors", counters_.reply_errors);
}

}  // namespace sluice::apps
