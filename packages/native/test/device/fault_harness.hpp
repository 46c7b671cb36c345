#pragma once
// A FaultDevice over a FakeDevice with a virtual clock, and helpers that push numbered frames
// through one direction and return the ids that came out, in order.
#include <memory>
#include <string>
#include <vector>

#include "device/fault/fault_device.hpp"
#include "fake_device.hpp"

namespace sluice::test {

struct FaultHarness {
  FakeDeviceProbe probe;
  FakeDevice* fake = nullptr;
  Instant now{};
  int clock_reads = 0;
  std::unique_ptr<device::fault::FaultDevice> device;

  explicit FaultHarness(const std::string& spec, std::uint32_t frames = 256) {
    auto inner = std::make_unique<FakeDevice>(frames, &probe);
    fake = inner.get();
    device = std::make_unique<device::fault::FaultDevice>(std::move(inner), device::fault::parse_fault_spec(spec),
                                                          [this] {
                                                            ++clock_reads;
                                                            return now;
                                                          });
  }

  /// Injects frames first..first+count-1 and receives them in bursts of `burst`; returns ids seen.
  std::vector<std::uint32_t> receive(std::uint32_t first, std::uint32_t count, std::size_t burst = 8,
                                     std::vector<std::vector<std::uint8_t>>* bytes = nullptr) {
    for (std::uint32_t id = first; id < first + count; ++id) fake->inject(id);
    return receive_pending(burst, bytes);
  }

  std::vector<std::uint32_t> receive_pending(std::size_t burst = 8, std::vector<std::vector<std::uint8_t>>* bytes = nullptr) {
    std::vector<std::uint32_t> ids;
    std::vector<device::Frame> frames(burst);
    for (;;) {
      const std::size_t n = device->receive(frames);
      for (std::size_t i = 0; i < n; ++i) {
        ids.push_back(frame_id(frames[i]));
        if (bytes != nullptr) bytes->emplace_back(frames[i].data, frames[i].data + frames[i].len);
      }
      device->release({frames.data(), n});
      if (n == 0) return ids;
    }
  }

  /// Allocates and transmits frames first..first+count-1 in bursts of `burst`, flushing after each.
  void transmit(std::uint32_t first, std::uint32_t count, std::size_t burst = 8) {
    std::vector<device::Frame> frames;
    for (std::uint32_t id = first; id < first + count; ++id) {
      device::Frame f;
      if (device->allocate({&f, 1}) != 1) throw std::runtime_error("fake pool empty");
      fill_frame(f, mac(2), mac(1), id, 64);
      frames.push_back(f);
      if (frames.size() == burst || id + 1 == first + count) {
        const std::size_t accepted = device->transmit(frames);
        if (accepted != frames.size()) throw std::runtime_error("transmit refused frames");
        device->flush();
        frames.clear();
      }
    }
  }
};

}  // namespace sluice::test
