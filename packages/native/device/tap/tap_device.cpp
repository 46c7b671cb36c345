#include "device/tap/tap_device.hpp"

#include <unistd.h>

#include <cerrno>

namespace sluice::device::tap {

TapDevice::TapDevice(int fd, DeviceInfo info, std::uint32_t frame_count, std::uint32_t frame_size)
    : fd_(fd),
      info_(std::move(info)),
      buffers_(std::size_t{frame_count} * frame_size),
      pool_(buffers_.data(), frame_count, frame_size),
      kept_done_(frame_count) {}

TapDevice::~TapDevice() { ::close(fd_); }

Frame TapDevice::frame_for(std::uint32_t index, std::uint32_t len) const {
  return {pool_.address(index), len, pool_.frame_size(), index};
}

void TapDevice::give_back(const Frame& frame) {
  if (frame.kept) {
    kept_done_.push(frame_for(static_cast<std::uint32_t>(frame.handle), 0));  // holds every frame: cannot overflow
  } else {
    pool_.give(static_cast<std::uint32_t>(frame.handle));
  }
}

std::size_t TapDevice::receive(std::span<Frame> out) {
  std::size_t count = 0;
  while (count < out.size()) {
    std::uint32_t index = 0;
    if (!pool_.take(index)) {
      ++counters_.fill_ring_empty;
      break;
    }
    const ssize_t len = ::read(fd_, pool_.address(index), pool_.frame_size());
    if (len <= 0) {
      // EAGAIN: nothing more queued. Anything else (interface gone) reads as "nothing" on the
      // data path; the next open reports the cause.
      pool_.give(index);
      break;
    }
    out[count++] = frame_for(index, static_cast<std::uint32_t>(len));
    ++counters_.rx_packets;
    counters_.rx_bytes += static_cast<std::uint64_t>(len);
  }
  return count;
}

std::size_t TapDevice::allocate(std::span<Frame> out) {
  std::size_t given = 0;
  for (; given < out.size(); ++given) {
    std::uint32_t index = 0;
    if (!pool_.take(index)) break;
    out[given] = frame_for(index, 0);
  }
  if (given < out.size()) ++counters_.alloc_failures;
  return given;
}

std::size_t TapDevice::transmit(std::span<const Frame> frames) {
  std::size_t accepted = 0;
  for (; accepted < frames.size(); ++accepted) {
    const Frame& frame = frames[accepted];
    const ssize_t written = ::write(fd_, frame.data, frame.len);
    if (written < 0 && (errno == EAGAIN || errno == ENOBUFS)) break;
    if (written == static_cast<ssize_t>(frame.len)) {
      ++counters_.tx_packets;
      counters_.tx_bytes += frame.len;
    } else {
      // The kernel refused this frame for good (e.g. EIO while the interface is down): drop it,
      // as a NIC drops frames on a link that is down.
      ++counters_.tx_dropped;
    }
    give_back(frame);
  }
  counters_.tx_ring_full += frames.size() - accepted;
  return accepted;
}

void TapDevice::release(std::span<const Frame> frames) {
  for (const Frame& frame : frames) give_back(frame);
}

}  // namespace sluice::device::tap
