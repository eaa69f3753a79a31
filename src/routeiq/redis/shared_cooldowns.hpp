#pragma once
// Deployment cooldowns seen by every gateway instance on one Redis: when one
// instance cools a deployment down (LiteLLM's allowed_fails / cooldown_time,
// a 429), the others skip it too, for what is left of the cooldown.
//
//   SharedCooldowns shared(client, {}, [&](const std::string& id, auto left) {
//     registry.cool_down(id, left);  // routing::HealthRegistry
//   });
//   shared.publish(id, cooldown);  // where a cooldown starts here
//
// One sorted set, `<prefix>cooldowns` (member: the deployment's model_info.id,
// score: when its cooldown ends on Redis's clock, so the instances' clocks
// need not agree; scripts::cool_down and scripts::cooldowns). publish() is
// fire-and-forget; a thread of its own reads the set every `poll` (one
// script call, an empty answer when nothing cools down) and calls `apply`
// with each deployment cooling down and the time it has left. Nothing waits
// on Redis: while it is down publishes are lost and polls answer nothing, so
// each instance goes on with its own cooldowns, and sharing resumes by itself
// when the client reconnects.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "routeiq/redis/client.hpp"

namespace routeiq::redis {

struct SharedCooldownsOptions {
  std::string key_prefix = "routeiq:";
  std::chrono::milliseconds poll{100};
};

class SharedCooldowns {
 public:
  // Called on the Redis I/O thread; must not block.
  using Apply = std::function<void(const std::string& id, std::chrono::milliseconds left)>;

  // `client` must outlive this object.
  SharedCooldowns(Client& client, SharedCooldownsOptions options, Apply apply);
  // Stops polling; `apply` is not called once this returns.
  ~SharedCooldowns();
  SharedCooldowns(const SharedCooldowns&) = delete;
  SharedCooldowns& operator=(const SharedCooldowns&) = delete;

  // Deployment `id` cools down for `cooldown` on every instance. Any thread;
  // never blocks.
  void publish(const std::string& id, std::chrono::milliseconds cooldown);
  // Reads the set now (the poll thread's call; for tests). Skipped while a
  // read is still waiting for its answer.
  void poll();

 private:
  // What the client's callbacks reach: it may answer after this object went.
  struct Receiver {
    std::mutex mutex;
    Apply apply;  // empty once stopped
    bool waiting = false;
  };
  static void receive(Receiver& receiver, const Reply& reply);
  void run();

  Client& client_;
  const SharedCooldownsOptions options_;
  const std::string key_;
  size_t cool_down_script_ = 0, cooldowns_script_ = 0;
  std::shared_ptr<Receiver> receiver_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace routeiq::redis
