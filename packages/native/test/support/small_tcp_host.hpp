#pragma once
// The interface the TCP app tests give each simulated host: few connections and buffers, so a
// test allocates little, and a short TIME-WAIT, so closed connections free their slots quickly
// in simulated time.
#include "iface/config.hpp"
#include "util/time.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::test {

inline iface::InterfaceConfig small_tcp_host(const wire::MacAddress& mac, wire::Ipv4Address address) {
  iface::InterfaceConfig config;
  config.mac = mac;
  config.address = address;
  config.tcp_connections = 8;
  config.tcp_buffer_pairs = 8;
  config.tcp.time_wait = Duration::seconds(1);
  return config;
}

}  // namespace sluice::test
