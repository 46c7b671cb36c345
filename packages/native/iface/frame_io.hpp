#pragma once
#include "device/device.hpp"

namespace sluice::iface {

/// How the stack gets and sends frames; the runtime implements it over a device::Device with batching.
class FrameIo {
 public:
  virtual ~FrameIo() = default;
  virtual bool allocate(device::Frame& out) = 0;          // empty frame (len 0); false when the pool is empty
  virtual void transmit(const device::Frame& frame) = 0;  // frame.len set; ownership passes on
  virtual void release(const device::Frame& frame) = 0;   // return an owned frame unsent
};

}  // namespace sluice::iface
