/**
 * The Lua scripts. Every script reads the clock with Redis `TIME`, so that the processes of a fleet compare
 * instants on one clock whatever their own clocks say. Numbers that may carry fractions are returned as strings:
 * Redis truncates Lua numbers to integers.
 */

/** Redis time in epoch milliseconds, with microsecond fractions. */
const now = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`

/**
 * KEYS: gate hash, lease, halt. ARGV: lease token, lease ms.
 * Returns { "halted", json, now } | { "sleep", remainingMs } | { "join", leasePttl } | { "probe" } | { "open" }.
 */
export const gateAwait = `${now}
local halt = redis.call("GET", KEYS[3])
if halt then return { "halted", halt, tostring(now) } end
local cool = tonumber(redis.call("HGET", KEYS[1], "cool") or "0")
if now < cool then return { "sleep", tostring(cool - now) } end
local lease = redis.call("PTTL", KEYS[2])
if lease > 0 then return { "join", tostring(lease) } end
if redis.call("HGET", KEYS[1], "probe") == "1" then
  if redis.call("SET", KEYS[2], ARGV[1], "NX", "PX", ARGV[2]) then return { "probe" } end
  return { "join", ARGV[2] }
end
return { "open" }
`

/**
 * KEYS: gate hash. ARGV: cooldown ms from now (already re-anchored), margin ms.
 * The later of the stored and the new end wins; the hash lives until that end plus the margin.
 * Returns { effectiveUntil, now }.
 */
export const gateCooldown = `${now}
local untilNew = now + tonumber(ARGV[1])
local cool = tonumber(redis.call("HGET", KEYS[1], "cool") or "0")
if untilNew > cool then
  cool = untilNew
  redis.call("HSET", KEYS[1], "cool", string.format("%.3f", cool))
end
redis.call("HSET", KEYS[1], "probe", "1")
local ttl = math.ceil(cool - now + tonumber(ARGV[2]))
if ttl < 1 then ttl = 1 end
local current = redis.call("PTTL", KEYS[1])
if current < ttl then redis.call("PEXPIRE", KEYS[1], ttl) end
return { tostring(cool), tostring(now) }
`

/**
 * KEYS: gate hash, lease. ARGV: lease token, confirmed ("1"/"0"), margin ms.
 * Only the holder of the lease settles it. A probe that was not confirmed, or that left a new cooldown behind,
 * leaves a probe needed for the next caller.
 */
export const gateSettle = `${now}
if redis.call("GET", KEYS[2]) ~= ARGV[1] then return 0 end
redis.call("DEL", KEYS[2])
local cool = tonumber(redis.call("HGET", KEYS[1], "cool") or "0")
if ARGV[2] ~= "1" or now < cool then
  redis.call("HSET", KEYS[1], "probe", "1")
  local ttl = math.ceil(math.max(cool - now, 0) + tonumber(ARGV[3]))
  if redis.call("PTTL", KEYS[1]) < ttl then redis.call("PEXPIRE", KEYS[1], ttl) end
else
  redis.call("HDEL", KEYS[1], "probe")
end
return 1
`

/** KEYS: lease. ARGV: token, lease ms. Extends a lease its holder still holds. */
export const leaseRenew = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 0
`

/**
 * KEYS: gate hash, halt. ARGV: error json, duration ms ("" for until reset), margin ms, until-reset TTL ms.
 * The halt is stored as `{ "error": …, "until": redisMs | null }`; when it has a duration the key expires with it and
 * a probe is needed after it; a halt until reset is kept at most the until-reset TTL.
 * Returns now.
 */
export const gateHalt = `${now}
if ARGV[2] == "" then
  redis.call("SET", KEYS[2], '{"until":null,"error":' .. ARGV[1] .. '}', "PX", math.max(math.ceil(tonumber(ARGV[4])), 1))
else
  local ms = math.max(math.ceil(tonumber(ARGV[2])), 1)
  redis.call("SET", KEYS[2], '{"until":' .. string.format("%.3f", now + ms) .. ',"error":' .. ARGV[1] .. '}', "PX", ms)
  redis.call("HSET", KEYS[1], "probe", "1")
  local ttl = ms + tonumber(ARGV[3])
  if redis.call("PTTL", KEYS[1]) < ttl then redis.call("PEXPIRE", KEYS[1], ttl) end
end
return tostring(now)
`

/** KEYS: gate hash, halt. Returns { now, cool, halt json | false }. */
export const gateState = `${now}
return { tostring(now), redis.call("HGET", KEYS[1], "cool") or "0", redis.call("GET", KEYS[2]) }
`

/**
 * KEYS: budget. ARGV: capacity, cost, ttl ms. Takes `cost` tokens when there are that many. Returns 1 or 0.
 */
export const budgetWithdraw = `
local left = tonumber(redis.call("GET", KEYS[1]) or ARGV[1])
local cost = tonumber(ARGV[2])
if left < cost then return 0 end
redis.call("SET", KEYS[1], tostring(left - cost), "PX", ARGV[3])
return 1
`

/** KEYS: budget. ARGV: capacity, refund, ttl ms. Gives tokens back, never above capacity. Returns tokens left. */
export const budgetDeposit = `
local current = redis.call("GET", KEYS[1])
if not current then return ARGV[1] end
local left = math.min(tonumber(ARGV[1]), tonumber(current) + tonumber(ARGV[2]))
if left >= tonumber(ARGV[1]) then
  redis.call("DEL", KEYS[1])
else
  redis.call("SET", KEYS[1], tostring(left), "PX", ARGV[3])
end
return tostring(left)
`

/**
 * GCRA (the generic cell rate algorithm, a token bucket kept as one timestamp). KEYS: the key.
 * ARGV: interval ms (window / limit), window ms (the burst tolerance: `limit` tokens at once), tokens,
 * "1" to book the tokens even when they must wait (onExceeded "delay"), "0" to refuse them.
 * Returns { delayMs, tatAfterMs } where tatAfterMs is how far past now the bucket is booked.
 */
export const gcra = `${now}
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
if tat < now then tat = now end
local nextTat = tat + tokens * interval
local delay = nextTat - window - now
if delay < 0 then delay = 0 end
if delay > 0 and ARGV[4] ~= "1" then
  return { tostring(delay), tostring(tat - now) }
end
redis.call("SET", KEYS[1], string.format("%.3f", nextTat), "PX", math.ceil(nextTat - now) + 1000)
return { tostring(delay), tostring(nextTat - now) }
`

/**
 * KEYS: last-send key. ARGV: spacing ms. The send instant of the fleet's previous request: a request may leave when
 * it is at least one spacing after it (then it becomes the previous). Returns the ms still to wait ("0" to go).
 */
export const paceSend = `${now}
local spacing = tonumber(ARGV[1])
local last = tonumber(redis.call("GET", KEYS[1]) or "0")
local wait = last + spacing - now
if wait >= 1 then return tostring(wait) end
redis.call("SET", KEYS[1], string.format("%.3f", now), "PX", math.ceil(spacing) + 1000)
return "0"
`
