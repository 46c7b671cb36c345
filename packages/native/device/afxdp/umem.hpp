#pragma once
// The UMEM: one mmap'd region of equal frames registered with the kernel, its fill and completion
// rings, and the pool of frames that are in none of the rings and with no caller.
#include <xdp/xsk.h>

#include <cstdint>
#include <string>

#include "device/frame_pool.hpp"

namespace sluice::device::afxdp {

/// The kernel writes received frames this far into each UMEM frame (XDP_PACKET_HEADROOM).
inline constexpr std::uint32_t kernel_rx_headroom = 256;

/// Smallest supported frame size that holds a frame of `mtu` + Ethernet header after the kernel's
/// headroom; 0 when none does (AF_XDP without multi-buffer stops at 4096-byte frames).
std::uint32_t frame_size_for_mtu(std::uint32_t mtu);

class Umem {
 public:
  /// Maps and registers frame_count * frame_size bytes. Throws Error naming `owner` (e.g.
  /// "xdp eth0 queue 0"): ENOMEM when mmap fails, ENOBUFS when the locked-memory limit refuses it.
  Umem(std::uint32_t frame_count, std::uint32_t frame_size, std::uint32_t ring_size, const std::string& owner);
  ~Umem();
  Umem(const Umem&) = delete;
  Umem& operator=(const Umem&) = delete;

  xsk_umem* handle() { return umem_; }
  xsk_ring_prod& fill() { return fill_; }
  xsk_ring_cons& completion() { return completion_; }
  FramePool& pool() { return pool_; }
  std::uint8_t* area() const { return area_; }
  std::size_t size() const { return size_; }
  std::uint32_t frame_size() const { return pool_.frame_size(); }
  std::uint32_t ring_size() const { return ring_size_; }

 private:
  static std::uint8_t* map_area(std::uint32_t frame_count, std::uint32_t frame_size, const std::string& owner);

  std::uint8_t* area_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t ring_size_;
  xsk_umem* umem_ = nullptr;
  // Zeroed on purpose: libxdp leaves the cached indexes of the completion ring unset.
  xsk_ring_prod fill_{};
  xsk_ring_cons completion_{};
  FramePool pool_;
};

}  // namespace sluice::device::afxdp
