#include "routeiq/redis/scripts.hpp"

namespace routeiq::redis::scripts {

namespace {

// The clock and the window's slide. Numbers stay
// below 2^53, so Lua's doubles hold them exactly.
constexpr const char* kCommon = R"lua(
local function now_ms()
  if ARGV[1] ~= '' then return tonumber(ARGV[1]) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Moves the window of `key` to end at `second` (or at the newest second seen,
-- when another instance's call was later): the buckets that slid out are
-- subtracted from the sums and deleted. Returns the second counted in, the
-- raw sums of requests and tokens, the buckets of the second counted in, and
-- whether that second is new to the hash (then its expiry is renewed: once a
-- second is enough for an idle time of minutes, and saves a call per scope).
local function window(key, second)
  local v = redis.call('HMGET', key, 'last', 'r', 't', 'r' .. second, 't' .. second)
  local last = tonumber(v[1])
  if not last then return second, 0, 0, 0, 0, true end
  local r, t = tonumber(v[2]) or 0, tonumber(v[3]) or 0
  if second == last then return second, r, t, tonumber(v[4]) or 0, tonumber(v[5]) or 0, false end
  if second < last then
    local b = redis.call('HMGET', key, 'r' .. last, 't' .. last)
    return last, r, t, tonumber(b[1]) or 0, tonumber(b[2]) or 0, false
  end
  if second - last >= 60 then
    redis.call('DEL', key)
    return second, 0, 0, 0, 0, true
  end
  local fields = {}
  for s = last - 59, second - 60 do
    fields[#fields + 1] = 'r' .. s
    fields[#fields + 1] = 't' .. s
  end
  local gone = redis.call('HMGET', key, unpack(fields))
  for i = 1, #fields, 2 do
    r = r - (tonumber(gone[i]) or 0)
    t = t - (tonumber(gone[i + 1]) or 0)
  end
  redis.call('HDEL', key, unpack(fields))
  -- Written now, so a refusal that writes nothing else leaves the hash consistent.
  redis.call('HSET', key, 'last', second, 'r', r, 't', t)
  -- Buckets after `last` were never written.
  return second, r, t, 0, 0, true
end
)lua";

// Corrections (settles and releases) waiting in this instance ride in front
// of its next admit, so a request costs one script call, not two.
constexpr const char* kCorrect = R"lua(
-- Replaces the estimate by the real tokens where it still counts; once it
-- slid out it no longer counts, so the real tokens count in full, now.
local function correct(wkey, second, estimate_second, estimate, actual, idle)
  local sec, r, t, _, tb, new_second = window(wkey, second)
  local bucket = tb
  if estimate_second ~= sec then bucket = redis.call('HGET', wkey, 't' .. estimate_second) end
  if estimate_second > sec - 60 and bucket then
    redis.call('HSET', wkey, 'last', sec, 'r', r, 't', t + actual - estimate,
               't' .. estimate_second, (tonumber(bucket) or 0) + actual - estimate)
  else
    redis.call('HSET', wkey, 'last', sec, 'r', r, 't', t + actual, 't' .. sec, tb + actual)
  end
  if new_second then redis.call('PEXPIRE', wkey, idle) end
end

local now = now_ms()
local second = math.floor(now / 1000)
local idle, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
local a, k = 5, 1  -- the next ARGV and KEYS to read
for _ = 1, tonumber(ARGV[4]) do
  local estimate_second, estimate = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local actual, member, scopes = tonumber(ARGV[a + 2]), ARGV[a + 3], tonumber(ARGV[a + 4])
  a = a + 5
  for _ = 1, scopes do
    if actual ~= estimate then correct(KEYS[k], second, estimate_second, estimate, actual, idle) end
    if ARGV[a] == '1' then redis.call('ZREM', KEYS[k + 1], member) end
    k, a = k + 2, a + 1
  end
end
)lua";

constexpr const char* kAdmit = R"lua(
-- Seconds until enough old buckets leave that the sum is below `limit`.
local function seconds_until_below(key, kind, second, total, limit)
  if limit <= 0 then return 60 end
  local fields = {}
  for s = second - 59, second do fields[#fields + 1] = kind .. s end
  local counts = redis.call('HMGET', key, unpack(fields))
  local left = total
  for i = 1, #fields do
    if left < limit then return math.max(i - 1, 1) end
    left = left - (tonumber(counts[i]) or 0)
  end
  return 60
end

if a > #ARGV then return {0, second} end  -- corrections alone
local estimate, member = tonumber(ARGV[a]), ARGV[a + 1]
a = a + 2
local n = (#KEYS - k + 1) / 2
local found = {}
for i = 1, n do
  local wkey, pkey = KEYS[k + 2 * i - 2], KEYS[k + 2 * i - 1]
  local sec, r, t, rb, tb, new_second = window(wkey, second)
  local rpm, tpm, par = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  -- The in-flight set is kept only for scopes with max_parallel.
  local p = 0
  if par >= 0 then
    p = redis.call('ZCARD', pkey)
    -- Lapsed holds are dropped when they could refuse; otherwise the key's own expiry does.
    if p + 1 > par then
      redis.call('ZREMRANGEBYSCORE', pkey, '-inf', now)
      p = redis.call('ZCARD', pkey)
    end
  end
  local requests, tokens = math.max(r, 0), math.max(t, 0)
  if rpm >= 0 and requests + 1 > rpm then
    return {1, i, 0, seconds_until_below(wkey, 'r', sec, requests, rpm), requests, tokens, p}
  end
  if tpm >= 0 and tokens >= tpm then
    return {1, i, 1, seconds_until_below(wkey, 't', sec, tokens, tpm), requests, tokens, p}
  end
  if par >= 0 and p + 1 > par then return {1, i, 2, 1, requests, tokens, p} end
  found[i] = {wkey, pkey, sec, r, t, rb, tb, p, new_second, par >= 0}
end
local out = {0, second}
for i = 1, n do
  local wkey, pkey, sec, r, t, rb, tb, p, new_second, holds = unpack(found[i])
  redis.call('HSET', wkey, 'last', sec, 'r', r + 1, 't', t + estimate,
             'r' .. sec, rb + 1, 't' .. sec, tb + estimate)
  if holds then
    redis.call('ZADD', pkey, now + lease, member)
    p = p + 1
  end
  if new_second then
    redis.call('PEXPIRE', wkey, idle)
    if holds then redis.call('PEXPIRE', pkey, lease) end
  end
  out[#out + 1] = math.max(r + 1, 0)
  out[#out + 1] = math.max(t + estimate, 0)
  out[#out + 1] = p
end
return out
)lua";

// Cooldowns: one sorted set, member the deployment id, score when its
// cooldown ends on Redis's clock. Empty sets vanish, so no expiry is needed.
constexpr const char* kCooldownCommon = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
)lua";

constexpr const char* kCoolDown = R"lua(
-- GT: a longer cooldown another instance started is kept (new members are added).
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[2]), ARGV[1])
return 0
)lua";

constexpr const char* kCooldowns = R"lua(
local found = redis.call('ZRANGE', KEYS[1], '(' .. now, '+inf', 'BYSCORE', 'WITHSCORES')
local out = {}
for i = 1, #found, 2 do
  out[#out + 1] = found[i]
  out[#out + 1] = tonumber(found[i + 1]) - now
end
return out
)lua";

}  // namespace

const std::string& admit() {
  static const std::string script = std::string(kCommon) + kCorrect + kAdmit;
  return script;
}

const std::string& cool_down() {
  static const std::string script = std::string(kCooldownCommon) + kCoolDown;
  return script;
}

const std::string& cooldowns() {
  static const std::string script = std::string(kCooldownCommon) + kCooldowns;
  return script;
}

}  // namespace routeiq::redis::scripts
