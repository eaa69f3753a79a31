#include "routeiq/runtime/runtime.hpp"

namespace routeiq::runtime {

Result<std::shared_ptr<Runtime>> Runtime::create(std::shared_ptr<const config::Config> config) {
  std::shared_ptr<Runtime> rt(new Runtime());
  if (auto st = rt->reload(std::move(config)); !st) return st.error();
  return rt;
}

Status Runtime::reload(std::shared_ptr<const config::Config> config) {
  auto next = build_snapshot(std::move(config), &health_);
  if (!next) return next.error();
  current_.store(std::move(next.value()), std::memory_order_release);
  return ok_status();
}

}  // namespace routeiq::runtime
