-- One budget of Tessera's rate limits, kept in Redis so every process spends from the same one
-- (adapters/src/http/rate_limit/redis_store.rs). GCRA: the key holds the "theoretical arrival
-- time" (TAT, in ms of the Redis server's clock) at which the bucket would be full again; a
-- missing key is a full bucket. Same meaning as the in-process token bucket: `burst` at once,
-- one earned back every `interval` ms (3,600,000 / per_hour).
--
-- KEYS[1]  the bucket
-- ARGV[1]  "take" (spend one if one is left) or "peek" (spend nothing)
-- ARGV[2]  burst (>= 1)
-- ARGV[3]  interval in ms (>= 1)
--
-- Returns {allowed (1/0), seconds to wait when refused (>= 1), spent (1 when the bucket is not
-- full: something was spent that has not come back yet)}. The whole script runs atomically.
local burst = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
-- The server's clock, the same for every process whatever their own clocks say.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end
local spent = 0
if tat > now then
  spent = 1
end
local new_tat = tat + interval
-- One more is allowed when, after it, the bucket would be at most `burst` intervals from full.
local allow_at = new_tat - burst * interval
if allow_at > now then
  return {0, math.ceil((allow_at - now) / 1000), spent}
end
if ARGV[1] == 'take' then
  -- The key lives exactly until the bucket is full again (equal to a missing key): Redis
  -- memory stays bounded by the keys spent from within the last burst * interval ms (R-08).
  redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
  spent = 1
end
return {1, 0, spent}
