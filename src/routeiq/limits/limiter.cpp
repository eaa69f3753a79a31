#include "routeiq/limits/limiter.hpp"

#include <utility>

#include "routeiq/limits/local_backend.hpp"

namespace routeiq::limits {

std::string_view kind_name(LimitKind kind) {
  switch (kind) {
    case LimitKind::requests:
      return "requests";
    case LimitKind::tokens:
      return "tokens";
    case LimitKind::parallel_requests:
      return "parallel_requests";
  }
  return "requests";
}

Reservation::Reservation(Reservation&& other) noexcept
    : backend_(std::exchange(other.backend_, nullptr)), ticket_(std::move(other.ticket_)) {}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    backend_ = std::exchange(other.backend_, nullptr);
    ticket_ = std::move(other.ticket_);
  }
  return *this;
}

void Reservation::release() noexcept {
  if (backend_ != nullptr) std::exchange(backend_, nullptr)->release(ticket_);
}

void Reservation::settle(int64_t actual_tokens, TimePoint now) {
  if (backend_ != nullptr) std::exchange(backend_, nullptr)->settle(ticket_, actual_tokens, now);
}

Limiter::Limiter(size_t shards) : backend_(std::make_unique<LocalBackend>(shards)) {}

Limiter::Limiter(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}

Admission Limiter::admit(std::span<const Scope> scopes, int64_t estimated_tokens, TimePoint now) {
  Admission admission;
  admission.refusal = backend_->admit(scopes, estimated_tokens, now, admission.reservation.ticket_);
  if (admission.admitted()) admission.reservation.backend_ = backend_.get();
  return admission;
}

void Limiter::settle(Reservation& reservation, int64_t actual_tokens, TimePoint now) {
  reservation.settle(actual_tokens, now);
}

Remaining Limiter::remaining(const Scope& scope, TimePoint now) const {
  return backend_->remaining(scope, now);
}

}  // namespace routeiq::limits
