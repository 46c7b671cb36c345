#pragma once
// Room for any controller inside the connection, chosen per connection without allocating.
#include <variant>

#include "socket/tcp/congestion/cubic.hpp"
#include "socket/tcp/congestion/newreno.hpp"

namespace sluice::socket::tcp {

class AnyCongestionControl {
 public:
  void select(CongestionAlgorithm algorithm) {
    if (algorithm == CongestionAlgorithm::newreno) {
      storage_.emplace<NewReno>();
    } else {
      storage_.emplace<Cubic>();
    }
  }
  CongestionControl& get() {
    return std::visit([](auto& controller) -> CongestionControl& { return controller; }, storage_);
  }
  const CongestionControl& get() const {
    return std::visit([](const auto& controller) -> const CongestionControl& { return controller; }, storage_);
  }

 private:
  std::variant<Cubic, NewReno> storage_;
};

}  // namespace sluice::socket::tcp
