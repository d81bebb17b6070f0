/**
 * The Lua scripts. Every script reads the clock with Redis `TIME`, so that the processes of a fleet compare
 * instants on one clock whatever their own clocks say. Numbers that may carry fractions are returned as strings:
 * Redis truncates Lua numbers to integers. Instants are formatted with "%.3f", as they are stored: Lua's `tostring`
 * keeps 14 significant digits, a tenth of a millisecond for epoch ms, and an instant a process hands back must
 * compare equal to the stored one.
 */

/** Redis time in epoch milliseconds, with microsecond fractions. */
const now = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`

/**
 * What the calling process knows of a key, put back into Redis when Redis has forgotten it (a restart or failover
 * that came back empty, a FLUSHALL), so that an empty Redis never lifts a cooldown or halt some process still knows
 * of, and the other processes learn it again. The later of the stored and the known cooldown wins; a known halt is
 * put back when Redis has none.
 *
 * A known cooldown that was read from Redis comes with the Redis instant it ends: comparing that instant, not a
 * duration re-anchored on TIME (which the round trip lengthens), keeps a cooldown Redis still has from being pushed
 * later on every call.
 *
 * Unless the key was reset after the process learned it: `gateReset` leaves a marker (KEYS[3], the Redis ms of the
 * reset), and knowledge learned before it is not put back but dropped by the caller (the returned `forget` bits: 1
 * the cooldown, 2 the halt; `gateCooldown` adds 4, the server's extension), so that a reset in one process still
 * opens the key in all of them.
 *
 * KEYS: gate hash, halt, reset marker. ARGV (durations from the caller's now, re-anchored here on TIME):
 * 1 margin ms,
 * 2 known cooldown: ms left ("" for none), 3 its end in Redis ms ("" when it was set while Redis was away),
 * 4 ms since the process learned it,
 * 5 known halt: encoded error json ("" for none), 6 ms left ("" for until reset), 7 ms Redis should keep it,
 * 8 ms since the process learned it.
 */
const restore = `
local resetAt = tonumber(redis.call("GET", KEYS[3]) or "")
local forget = 0
local function learnedBeforeReset(age) return resetAt ~= nil and now - tonumber(age) <= resetAt end
if ARGV[2] ~= "" then
  if learnedBeforeReset(ARGV[4]) then
    forget = forget + 1
  else
    local known = tonumber(ARGV[3]) or (now + tonumber(ARGV[2]))
    if known > now and known > tonumber(redis.call("HGET", KEYS[1], "cool") or "0") then
      redis.call("HSET", KEYS[1], "cool", string.format("%.3f", known), "probe", "1")
      local ttl = math.ceil(known - now + tonumber(ARGV[1]))
      if redis.call("PTTL", KEYS[1]) < ttl then redis.call("PEXPIRE", KEYS[1], ttl) end
    end
  end
end
if ARGV[5] ~= "" then
  if learnedBeforeReset(ARGV[8]) then
    forget = forget + 2
  elseif redis.call("EXISTS", KEYS[2]) == 0 then
    local keep = math.max(math.ceil(tonumber(ARGV[7])), 1)
    if ARGV[6] == "" then
      redis.call("SET", KEYS[2], '{"until":null,"error":' .. ARGV[5] .. '}', "PX", keep)
    else
      local ends = now + tonumber(ARGV[6])
      redis.call("SET", KEYS[2], '{"until":' .. string.format("%.3f", ends) .. ',"error":' .. ARGV[5] .. '}', "PX", keep)
      redis.call("HSET", KEYS[1], "probe", "1")
      local ttl = keep + tonumber(ARGV[1])
      if redis.call("PTTL", KEYS[1]) < ttl then redis.call("PEXPIRE", KEYS[1], ttl) end
    end
  end
end
`

/**
 * KEYS: gate hash, halt, reset marker, lease. ARGV: 1–8 as for `restore`, 9 lease token, 10 lease ms.
 * Returns { forget, "halted", json, now, haltPttl } | { forget, "sleep", remainingMs, cool } | { forget, "join",
 * leasePttl } | { forget, "probe" } | { forget, "open" }.
 */
export const gateAwait = `${now}${restore}
local halt = redis.call("GET", KEYS[2])
if halt then return { forget, "halted", halt, string.format("%.3f", now), redis.call("PTTL", KEYS[2]) } end
local coolRaw = redis.call("HGET", KEYS[1], "cool") or "0"
local cool = tonumber(coolRaw)
if now < cool then return { forget, "sleep", tostring(cool - now), coolRaw } end
local lease = redis.call("PTTL", KEYS[4])
if lease > 0 then return { forget, "join", tostring(lease) } end
if redis.call("HGET", KEYS[1], "probe") == "1" then
  if redis.call("SET", KEYS[4], ARGV[9], "NX", "PX", ARGV[10]) then return { forget, "probe" } end
  return { forget, "join", ARGV[10] }
end
return { forget, "open" }
`

/**
 * A 429. KEYS: gate hash, halt, reset marker. ARGV: 1–8 as for `restore`, 9 cooldown ms from now (already
 * re-anchored), 10 ms since the request answered 429 was sent ("" when not known), 11 ms since the process learned
 * that the key's server extends penalties ("" when it does not know so), 12 ms to keep that once learned.
 *
 * The request's send instant is taken on TIME (now minus its age): sent before the stored cooldown's end, the 429 is
 * an echo of the penalty that cooldown stands for and leaves `cool` and `probe` as they are; its end is kept as
 * `echo` instead, the latest end the echoes asked for. A 429 to a request sent after the cooldown's end (the probe,
 * or later) but before `echo` shows that the server extends penalties for the requests that arrive during them:
 * `ext` is set, and from then on every 429 counts, echoes included. A counted 429: the later of the stored and the
 * new end wins, and a probe is needed. The hash lives until the later of `cool` and `echo` plus the margin, and
 * while `ext` is set at least ARGV[12] after each 429 (forget bit 4: the process learned `ext` before a reset).
 * Returns { forget, cool, now, ext (1/0), counted (1/0) }.
 */
export const gateCooldown = `${now}${restore}
local untilNew = now + tonumber(ARGV[9])
local cool = tonumber(redis.call("HGET", KEYS[1], "cool") or "0")
local echo = tonumber(redis.call("HGET", KEYS[1], "echo") or "0")
local ext = redis.call("HGET", KEYS[1], "ext") == "1"
if ARGV[11] ~= "" then
  if learnedBeforeReset(ARGV[11]) then forget = forget + 4 else ext = true end
end
local counted = true
if ARGV[10] ~= "" then
  local sent = now - tonumber(ARGV[10])
  if sent < cool then
    counted = ext
    if not ext and untilNew > echo then
      echo = untilNew
      redis.call("HSET", KEYS[1], "echo", string.format("%.3f", echo))
    end
  elseif sent < echo then
    ext = true
  end
end
local keep = 0
if ext then
  redis.call("HSET", KEYS[1], "ext", "1")
  keep = tonumber(ARGV[12])
end
if counted then
  if untilNew > cool then
    cool = untilNew
    redis.call("HSET", KEYS[1], "cool", string.format("%.3f", cool))
  end
  redis.call("HSET", KEYS[1], "probe", "1")
end
local ttl = math.ceil(math.max(cool, echo) - now + tonumber(ARGV[1]))
if ttl < keep then ttl = math.ceil(keep) end
if ttl < 1 then ttl = 1 end
local current = redis.call("PTTL", KEYS[1])
if current < ttl then redis.call("PEXPIRE", KEYS[1], ttl) end
return { forget, string.format("%.3f", cool), string.format("%.3f", now), ext and 1 or 0, counted and 1 or 0 }
`

/**
 * KEYS: gate hash, lease. ARGV: lease token, confirmed ("1"/"0"), margin ms.
 * Only the holder of the lease settles it. A probe that was not confirmed, or that left a new cooldown behind,
 * leaves a probe needed for the next caller; one that did not shows the penalty over, and the echoes' end (`echo`)
 * is dropped with the need: a 429 after it is a new penalty and tells nothing about extension.
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
  redis.call("HDEL", KEYS[1], "probe", "echo")
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

/**
 * KEYS: gate hash, halt, reset marker. ARGV: 1–8 as for `restore`.
 * Returns { forget, now, cool, halt json | false, halt PTTL }.
 */
export const gateState = `${now}${restore}
return {
  forget,
  string.format("%.3f", now),
  redis.call("HGET", KEYS[1], "cool") or "0",
  redis.call("GET", KEYS[2]),
  redis.call("PTTL", KEYS[2])
}
`

/**
 * KEYS: gate hash, halt, lease, reset marker. ARGV: none. Changes nothing.
 * Returns { now, cool, probe, gate PTTL, halt json, halt PTTL, lease PTTL, reset marker, reset PTTL, ext }.
 */
export const gateStatus = `${now}
return {
  string.format("%.3f", now),
  redis.call("HGET", KEYS[1], "cool") or "",
  redis.call("HGET", KEYS[1], "probe") or "",
  redis.call("PTTL", KEYS[1]),
  redis.call("GET", KEYS[2]) or "",
  redis.call("PTTL", KEYS[2]),
  redis.call("PTTL", KEYS[3]),
  redis.call("GET", KEYS[4]) or "",
  redis.call("PTTL", KEYS[4]),
  redis.call("HGET", KEYS[1], "ext") or ""
}
`

/**
 * KEYS: gate hash, halt, reset marker, lease. ARGV: ms to keep the marker at least.
 * Drops the key's state and leaves the marker (the Redis ms of the reset) for as long as any of the dropped state
 * would have lived, and at least ARGV[1]: the processes that learned that state before the reset drop it too.
 */
export const gateReset = `${now}
local keep = tonumber(ARGV[1])
for i = 1, 2 do
  local ttl = redis.call("PTTL", KEYS[i])
  if ttl > keep then keep = ttl end
end
redis.call("DEL", KEYS[1], KEYS[2], KEYS[4])
redis.call("SET", KEYS[3], string.format("%.3f", now), "PX", math.max(math.ceil(keep), 1))
return 1
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
