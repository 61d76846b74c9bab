-- "May a call on this model leave now, and if so count it": one atomic step for every Rotor process on the account.
-- KEYS: gone:<model>, refused:<provider>, then per scope of the model: cool:<scope>, log:<scope>, limit:<scope>
-- ARGV: now (epoch ms), member (the call's name in the logs), skew (ms), scopes, then per scope: quotas, and per quota
--       requests, window (ms) and the start of the provider's fixed window that holds now (0 for a sliding window)
-- Reply: granted (1/0), not before (ms), gone reason, refused reason, then per scope: its cooldown (ms, 0 if none),
--        and the limit another process published: requests, window (ms), source, confirmed, by ('' if none)
local now = tonumber(ARGV[1])
local member = ARGV[2]
local skew = tonumber(ARGV[3])
local scopes = tonumber(ARGV[4])
local gone = redis.call('GET', KEYS[1]) or ''
local refused = redis.call('GET', KEYS[2]) or ''
local notBefore = now
local perScope = {}
local horizons = {}
local arg = 5
for i = 1, scopes do
  local cool, log, limit = KEYS[3 * i], KEYS[3 * i + 1], KEYS[3 * i + 2]
  local cooling = tonumber(redis.call('GET', cool) or '0')
  if cooling > notBefore then notBefore = cooling end
  local horizon = 60000
  local quotas = tonumber(ARGV[arg]); arg = arg + 1
  for q = 1, quotas do
    local requests, window, start = tonumber(ARGV[arg]), tonumber(ARGV[arg + 1]), tonumber(ARGV[arg + 2])
    arg = arg + 3
    if window > horizon then horizon = window end
    if start > 0 then
      -- the provider's fixed window: the calls counted since it began, and all of it free at its end
      if redis.call('ZCOUNT', log, start, '+inf') >= requests and start + window > notBefore then
        notBefore = start + window
      end
    else
      local from = '(' .. (now - window)
      local counted = redis.call('ZCOUNT', log, from, '+inf')
      if counted >= requests then
        -- the window has room again when the oldest call that keeps it full leaves it
        local oldest = redis.call('ZRANGEBYSCORE', log, from, '+inf', 'WITHSCORES', 'LIMIT', counted - requests, 1)
        local free = tonumber(oldest[2]) + window
        if free > notBefore then notBefore = free end
      end
    end
  end
  horizons[i] = horizon
  local shared = redis.call('HMGET', limit, 'requests', 'window_ms', 'source', 'confirmed', 'by')
  perScope[i] = {cooling, shared[1] or '0', shared[2] or '0', shared[3] or '', shared[4] or '0', shared[5] or ''}
end
local granted = 0
if notBefore <= now and gone == '' and refused == '' then
  granted = 1
  for i = 1, scopes do
    local log = KEYS[3 * i + 1]
    redis.call('ZADD', log, now + skew, member)
    redis.call('ZREMRANGEBYSCORE', log, '-inf', now - horizons[i] - skew)
    redis.call('PEXPIRE', log, horizons[i] + 60000)
  end
end
local reply = {granted, notBefore, gone, refused}
for i = 1, scopes do
  for _, v in ipairs(perScope[i]) do table.insert(reply, v) end
end
return reply
