#include "apps/udp_echo_client.hpp"

#include "util/error.hpp"

namespace sluice::apps {

UdpEchoClient::UdpEchoClient(socket::Endpoint target, const EchoLoadOptions& options, std::atomic<bool>& done)
    : target_(target), load_(options), done_(done), request_(options.size, 0x5a) {}

void UdpEchoClient::start(Instant, runtime::StackInstance& instance) {
  socket_ = instance.interface().udp_bind({wire::Ipv4Address{0}, 0});
  if (socket_ < 0) throw_errno(-socket_, "cannot bind an ephemeral UDP port");
}

void UdpEchoClient::step(Instant now, runtime::StackInstance& instance) {
  auto& iface = instance.interface();
  load_.begin(now);
  socket::UdpDatagram reply;
  while (iface.udp_receive(socket_, reply)) {
    load_.on_reply(now, reply.payload);
    iface.release(reply);
  }
  load_.expire(now);
  while (load_.next_request(now, request_)) {
    if (iface.udp_send_to(now, socket_, target_, request_) < 0) {
      // The request's slot is reclaimed by the loss timeout; the pool or ring is full for now.
      ++send_errors_;
      break;
    }
  }
  if (load_.finished(now)) done_.store(true, std::memory_order_relaxed);
}

void UdpEchoClient::stop(runtime::StackInstance& instance) {
  if (socket_ >= 0) instance.interface().udp_close(socket_);
  socket_ = -1;
}

EchoLoadResult UdpEchoClient::result() const { return load_.result(); }

void UdpEchoClient::describe_counters(runtime::CounterTable& table) const {
  table.add("app", "send_errors", send_errors_);
}

}  // namespace sluice::apps
