#pragma once
// An AF_XDP socket bound to one (interface, queue), with its own UMEM.
//
// Frame accounting: every UMEM frame is in exactly one place: the free pool, lent to the kernel for
// receive (fill ring, then RX ring), with the caller, or in flight on transmit (TX ring, then
// completion ring). pool_available() counts the free pool plus the frames lent for receive, so
// after the caller releases everything and flush() reaps completions it equals pool_capacity().
//
// Kept frames (Frame::kept, the LibOS's zero-copy buffers) are marked per UMEM frame when
// transmitted; the completion ring then hands them to kept_done_ instead of the free pool.
//
// Counters: rx_dropped, fill_ring_empty and tx_dropped come from the kernel's XDP_STATISTICS,
// read by counters() (one getsockopt): call it for reporting, not once per burst.
#include <xdp/xsk.h>

#include <memory>
#include <vector>

#include "device/afxdp/umem.hpp"
#include "device/device.hpp"
#include "device/fixed_queue.hpp"
#include "device/open.hpp"

namespace sluice::device::afxdp {

/// Binds an AF_XDP socket as `config` says (see DeviceConfig); throws sluice::Error.
std::unique_ptr<Device> open_af_xdp(const DeviceConfig& config);

/// What the open sequence hands to the device once the socket is bound. Pinned in memory: libxdp
/// keeps pointers to the ring structs and uses them again when the socket is deleted.
struct BoundSocket {
  BoundSocket() = default;
  ~BoundSocket();
  BoundSocket(const BoundSocket&) = delete;
  BoundSocket& operator=(const BoundSocket&) = delete;

  std::unique_ptr<Umem> umem;
  xsk_socket* socket = nullptr;
  xsk_ring_cons rx{};  // zeroed on purpose: libxdp leaves the RX ring's cached indexes unset
  xsk_ring_prod tx{};
  bool need_wakeup = false;
  bool zero_copy = false;
};

class AfXdpDevice final : public Device {
 public:
  AfXdpDevice(std::unique_ptr<BoundSocket> bound, DeviceInfo info);
  ~AfXdpDevice() override;

  const DeviceInfo& info() const override { return info_; }
  const DeviceCounters& counters() const override;

  std::size_t receive(std::span<Frame> out) override;
  std::size_t allocate(std::span<Frame> out) override;
  std::size_t transmit(std::span<const Frame> frames) override;
  void release(std::span<const Frame> frames) override;
  void flush() override;

  int wait_fd() const override { return bound_->need_wakeup ? fd_ : -1; }
  std::size_t pool_capacity() const override { return umem().pool().capacity(); }
  std::size_t pool_available() const override { return umem().pool().available() + lent_for_receive_; }
  bool lends_frames() const override { return true; }
  std::size_t reclaim_kept(std::span<Frame> out) override { return kept_done_.pop_into(out); }
  std::uint32_t frame_index(const Frame& frame) const override { return umem().pool().index_of_offset(frame.handle); }
  std::span<const std::uint8_t> frame_memory() const override { return {umem().area(), umem().size()}; }

 private:
  Umem& umem() const { return *bound_->umem; }
  void refill();
  void wake_receive_if_needed();
  void kick_transmit();
  void reap_completions();
  Frame frame_at(std::uint64_t addr, std::uint32_t len) const;
  /// A frame the caller or the completion ring gave up: to the pool, or to kept_done_.
  void give_back(std::uint64_t addr, bool kept);

  std::unique_ptr<BoundSocket> bound_;
  DeviceInfo info_;
  mutable DeviceCounters counters_;
  int fd_;
  std::uint32_t fill_target_;        // frames to keep lent to the kernel for receive
  std::uint32_t refill_batch_;       // top the fill ring up only when this many are missing
  std::uint32_t lent_for_receive_ = 0;  // in the fill ring or the RX ring
  std::uint32_t in_flight_tx_ = 0;      // in the TX ring or the completion ring
  std::uint32_t unkicked_tx_ = 0;       // submitted since the last successful kick
  std::vector<std::uint8_t> kept_;      // per UMEM frame: 1 while a kept frame is in flight on transmit
  FixedQueue<Frame> kept_done_;         // kept frames completed or released, for reclaim_kept()
};

}  // namespace sluice::device::afxdp
