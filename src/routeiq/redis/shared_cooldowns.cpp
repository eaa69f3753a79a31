#include "routeiq/redis/shared_cooldowns.hpp"

#include "routeiq/redis/scripts.hpp"

namespace routeiq::redis {

SharedCooldowns::SharedCooldowns(Client& client, SharedCooldownsOptions options, Apply apply)
    : client_(client),
      options_(std::move(options)),
      key_(options_.key_prefix + "cooldowns"),
      receiver_(std::make_shared<Receiver>()) {
  receiver_->apply = std::move(apply);
  cool_down_script_ = client_.add_script(scripts::cool_down());
  cooldowns_script_ = client_.add_script(scripts::cooldowns());
  thread_ = std::thread([this] { run(); });
}

SharedCooldowns::~SharedCooldowns() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  std::lock_guard lock(receiver_->mutex);
  receiver_->apply = nullptr;
}

void SharedCooldowns::publish(const std::string& id, std::chrono::milliseconds cooldown) {
  if (cooldown.count() <= 0) return;
  // Fire and forget: a lost publish leaves the cooldown to this instance alone.
  client_.eval(cool_down_script_, {key_}, {id, std::to_string(cooldown.count())},
               [](const Reply&) {});
}

void SharedCooldowns::poll() {
  {
    std::lock_guard lock(receiver_->mutex);
    if (receiver_->waiting || !receiver_->apply) return;
    receiver_->waiting = true;
  }
  auto receiver = receiver_;
  bool queued = client_.eval(cooldowns_script_, {key_}, {},
                             [receiver](const Reply& reply) { receive(*receiver, reply); });
  if (!queued) {
    std::lock_guard lock(receiver_->mutex);
    receiver_->waiting = false;
  }
}

void SharedCooldowns::receive(Receiver& receiver, const Reply& reply) {
  std::lock_guard lock(receiver.mutex);
  receiver.waiting = false;
  if (!receiver.apply || reply.type != Reply::Type::array) return;
  const auto& found = reply.elements;
  for (size_t i = 0; i + 1 < found.size(); i += 2) {
    if (found[i].type != Reply::Type::string || found[i + 1].type != Reply::Type::integer) continue;
    if (found[i + 1].integer > 0)
      receiver.apply(found[i].str, std::chrono::milliseconds(found[i + 1].integer));
  }
}

void SharedCooldowns::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.poll);
    if (stopping_) return;
    lock.unlock();
    // While disconnected the call would fail at once: not worth making.
    if (client_.connected()) poll();
    lock.lock();
  }
}

}  // namespace routeiq::redis
