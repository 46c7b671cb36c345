#include "device/dpdk/dpdk_device.hpp"

#include <rte_dev.h>
#include <rte_mbuf.h>

#include <algorithm>

#include "device/dpdk/eal.hpp"
#include "device/dpdk/log_capture.hpp"

namespace sluice::device::dpdk {

namespace {

constexpr std::uint16_t burst_chunk = 64;

rte_mbuf* mbuf_of(const Frame& frame) { return reinterpret_cast<rte_mbuf*>(static_cast<std::uintptr_t>(frame.handle)); }

Frame frame_of(rte_mbuf* mbuf) {
  std::uint8_t* data = rte_pktmbuf_mtod(mbuf, std::uint8_t*);
  return {data, rte_pktmbuf_data_len(mbuf), static_cast<std::uint32_t>(mbuf->buf_len - mbuf->data_off),
          static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(mbuf))};
}

}  // namespace

void close_port(const Port& port, bool started) {
  if (started) rte_eth_dev_stop(port.id);
  rte_eth_dev_close(port.id);
  if (!port.device_name.empty()) rte_eal_hotplug_remove("vdev", port.device_name.c_str());
  if (port.pool != nullptr) rte_mempool_free(port.pool);
}

DpdkDevice::DpdkDevice(Port port, DeviceInfo info) : port_(std::move(port)), info_(std::move(info)) {
  port_opened(port_.id);
}

DpdkDevice::~DpdkDevice() {
  DpdkLogCapture quiet;  // drivers log their teardown (net_af_xdp: libxdp detaching its program)
  close_port(port_, true);
  port_closed(port_.id);
}

const DeviceCounters& DpdkDevice::counters() const {
  rte_eth_stats stats{};
  if (rte_eth_stats_get(port_.id, &stats) == 0) {
    counters_.rx_dropped = stats.imissed + stats.ierrors;
    counters_.fill_ring_empty = stats.rx_nombuf;
    counters_.tx_dropped = stats.oerrors;
  }
  return counters_;
}

std::size_t DpdkDevice::receive(std::span<Frame> out) {
  std::size_t count = 0;
  rte_mbuf* mbufs[burst_chunk];
  while (count < out.size()) {
    const auto want = static_cast<std::uint16_t>(std::min<std::size_t>(burst_chunk, out.size() - count));
    const std::uint16_t got = rte_eth_rx_burst(port_.id, port_.queue, mbufs, want);
    for (std::uint16_t i = 0; i < got; ++i) {
      if (mbufs[i]->nb_segs != 1) {  // larger than the data room: not a frame we can hand out
        rte_pktmbuf_free(mbufs[i]);
        ++counters_.rx_dropped;
        continue;
      }
      out[count++] = frame_of(mbufs[i]);
      ++counters_.rx_packets;
      counters_.rx_bytes += rte_pktmbuf_data_len(mbufs[i]);
    }
    if (got < want) break;
  }
  return count;
}

std::size_t DpdkDevice::allocate(std::span<Frame> out) {
  std::size_t given = 0;
  rte_mbuf* mbufs[burst_chunk];
  while (given < out.size()) {
    // The bulk call is all or nothing: ask for no more than the pool still holds.
    const auto want = static_cast<unsigned>(std::min<std::size_t>(
        {std::size_t{burst_chunk}, out.size() - given, std::size_t{rte_mempool_avail_count(port_.pool)}}));
    if (want == 0 || rte_pktmbuf_alloc_bulk(port_.pool, mbufs, want) != 0) break;
    for (unsigned i = 0; i < want; ++i) out[given++] = frame_of(mbufs[i]);
  }
  if (given < out.size()) ++counters_.alloc_failures;
  return given;
}

std::size_t DpdkDevice::transmit(std::span<const Frame> frames) {
  std::size_t accepted = 0;
  rte_mbuf* mbufs[burst_chunk];
  while (accepted < frames.size()) {
    const auto chunk = static_cast<std::uint16_t>(std::min<std::size_t>(burst_chunk, frames.size() - accepted));
    std::uint64_t bytes[burst_chunk];
    for (std::uint16_t i = 0; i < chunk; ++i) {
      const Frame& frame = frames[accepted + i];
      rte_mbuf* mbuf = mbuf_of(frame);
      // The caller may have moved the start of the frame within the data room.
      mbuf->data_off = static_cast<std::uint16_t>(frame.data - static_cast<std::uint8_t*>(mbuf->buf_addr));
      mbuf->data_len = static_cast<std::uint16_t>(frame.len);
      mbuf->pkt_len = frame.len;
      mbuf->nb_segs = 1;
      mbuf->next = nullptr;
      mbufs[i] = mbuf;
      bytes[i] = frame.len;
    }
    const std::uint16_t sent = rte_eth_tx_burst(port_.id, port_.queue, mbufs, chunk);
    for (std::uint16_t i = 0; i < sent; ++i) counters_.tx_bytes += bytes[i];
    counters_.tx_packets += sent;
    accepted += sent;
    if (sent < chunk) break;
  }
  counters_.tx_ring_full += frames.size() - accepted;
  return accepted;
}

void DpdkDevice::release(std::span<const Frame> frames) {
  for (const Frame& frame : frames) rte_pktmbuf_free(mbuf_of(frame));
}

void DpdkDevice::flush() {
  // rte_eth_tx_burst() already started transmission; this returns mbufs of completed sends that a
  // driver still holds (-ENOTSUP for drivers that free them at once).
  rte_eth_tx_done_cleanup(port_.id, port_.queue, 0);
}

}  // namespace sluice::device::dpdk
