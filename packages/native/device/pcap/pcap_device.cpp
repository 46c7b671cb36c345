#include "device/pcap/pcap_device.hpp"

#include <array>

namespace sluice::device::pcap {

PcapDevice::PcapDevice(std::unique_ptr<Device> inner, PcapOptions options)
    : inner_(std::move(inner)),
      options_(std::move(options)),
      writer_(options_.path, {options_.snap_length, options_.precision, options_.buffer_bytes}) {}

std::size_t PcapDevice::receive(std::span<Frame> out) {
  const std::size_t n = inner_->receive(out);
  if (n == 0) return 0;
  const Instant now = options_.clock();
  for (std::size_t i = 0; i < n; ++i) writer_.append(now, out[i].bytes());
  return n;
}

std::size_t PcapDevice::transmit(std::span<const Frame> frames) {
  if (frames.empty()) return 0;
  const Instant now = options_.clock();
  std::size_t accepted = 0;
  while (accepted < frames.size()) {
    // Record a chunk that fits the buffer without a write in between, so a refusal can be undone.
    std::array<std::size_t, kChunk + 1> marks{};
    std::size_t chunk = 0;
    std::size_t bytes = 0;
    while (chunk < kChunk && accepted + chunk < frames.size()) {
      const std::size_t next = writer_.record_size(frames[accepted + chunk].len);
      if (chunk > 0 && bytes + next > writer_.capacity()) break;
      bytes += next;
      ++chunk;
    }
    writer_.make_room(bytes);
    for (std::size_t i = 0; i < chunk; ++i) {
      marks[i] = writer_.buffered();
      writer_.append(now, frames[accepted + i].bytes());
    }
    const std::size_t sent = inner_->transmit(frames.subspan(accepted, chunk));
    if (sent < chunk) writer_.rollback(marks[sent]);
    accepted += sent;
    if (sent < chunk) break;
  }
  return accepted;
}

void PcapDevice::flush() {
  inner_->flush();
  if (writer_.buffered() != 0) writer_.flush_if_due(options_.clock(), options_.flush_interval);
}

}  // namespace sluice::device::pcap
