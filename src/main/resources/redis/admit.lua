-- "May a call on this model leave now, and if so count it, take its tokens and hold its worst cost": one atomic step
-- for every Rotor process on the account (AdmitCall on the Java side; a test holds both to these two lines).
--@keys gone refused [cool log limit tokens]*scopes [spent held]*budgets
--@argv now member skew stale recheck scopes [quotas [requests window start]*quotas buckets [bucket capacity window need margin]*buckets]*scopes budgets [cap worst window_end]*budgets
-- A quota's start is that of the provider's fixed window that holds now (0 for a sliding window). A bucket refills
-- whole over its window; a call needs its tokens and a margin. Money is in pico-dollars.
-- Reply: granted (1/0), not before (ms), gone reason, refused reason, the budget with no room (its place, 0 if
-- none), then per scope: its cooldown (ms, 0 if none), and the limit another process published: requests, window
-- (ms), source, confirmed, by ('' if none)
local now = tonumber(ARGV[1])
local member = ARGV[2]
local skew = tonumber(ARGV[3])
local stale = tonumber(ARGV[4])
local recheck = tonumber(ARGV[5])
local scopes = tonumber(ARGV[6])
local gone = redis.call('GET', KEYS[1]) or ''
local refused = redis.call('GET', KEYS[2]) or ''
local notBefore = now
local perScope = {}
local horizons = {}
local takes = {}
local arg = 7

-- what a bucket holds now: full when no process took from it yet, refilled since, never past its capacity
local function level(key, bucket, capacity, window)
  local v = redis.call('HMGET', key, bucket .. ':level', bucket .. ':at')
  if not v[1] then return capacity end
  local l = tonumber(v[1]) + (now - tonumber(v[2])) * capacity / window
  if l > capacity then l = capacity end
  return l
end

-- the worst cases calls on their way hold; one older than stale was never settled (its process died) and goes
local function held(key)
  local sum = 0
  local fields = redis.call('HGETALL', key)
  for f = 1, #fields, 2 do
    local worst, sent = string.match(fields[f + 1], '^(%d+):(%d+)$')
    if sent and tonumber(sent) >= now - stale then
      sum = sum + tonumber(worst)
    else
      redis.call('HDEL', key, fields[f])
    end
  end
  return sum
end

for i = 1, scopes do
  local cool, log, limit = KEYS[4 * i - 1], KEYS[4 * i], KEYS[4 * i + 1]
  local tokens = KEYS[4 * i + 2]
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
  local buckets = tonumber(ARGV[arg]); arg = arg + 1
  local taken = {}
  for b = 1, buckets do
    local bucket, capacity, window = ARGV[arg], tonumber(ARGV[arg + 1]), tonumber(ARGV[arg + 2])
    local need, margin = tonumber(ARGV[arg + 3]), tonumber(ARGV[arg + 4])
    arg = arg + 5
    local l = level(tokens, bucket, capacity, window)
    local wanted = math.min(capacity, need + margin)
    if l < wanted then
      local free = now + math.ceil((wanted - l) * window / capacity)
      if free > notBefore then notBefore = free end
    end
    if window * 2 > horizon then horizon = window * 2 end
    taken[b] = {bucket, l - need}
  end
  takes[i] = taken
  horizons[i] = horizon
  local shared = redis.call('HMGET', limit, 'requests', 'window_ms', 'source', 'confirmed', 'by')
  perScope[i] = {cooling, shared[1] or '0', shared[2] or '0', shared[3] or '', shared[4] or '0', shared[5] or ''}
end

local budgets = tonumber(ARGV[arg]); arg = arg + 1
local overBudget = 0
local budgetKeys = 4 * scopes + 2
for j = 1, budgets do
  local spentKey, heldKey = KEYS[budgetKeys + 2 * j - 1], KEYS[budgetKeys + 2 * j]
  local cap, worst, windowEnd = tonumber(ARGV[arg]), tonumber(ARGV[arg + 1]), tonumber(ARGV[arg + 2])
  arg = arg + 3
  local spent = tonumber(redis.call('GET', spentKey) or '0')
  if spent + held(heldKey) + worst > cap then
    if overBudget == 0 then overBudget = j end
    -- room again when calls on their way settle for less than they hold, else when the window ends
    local free = windowEnd
    if spent + worst <= cap then free = now + recheck end
    if free > notBefore then notBefore = free end
  end
end

local granted = 0
if notBefore <= now and gone == '' and refused == '' then
  granted = 1
  for i = 1, scopes do
    local log, tokens = KEYS[4 * i], KEYS[4 * i + 2]
    redis.call('ZADD', log, now + skew, member)
    redis.call('ZREMRANGEBYSCORE', log, '-inf', now - horizons[i] - skew)
    redis.call('PEXPIRE', log, horizons[i] + 60000)
    for _, t in ipairs(takes[i]) do
      redis.call('HSET', tokens, t[1] .. ':level', tostring(t[2]), t[1] .. ':at', now)
    end
    if #takes[i] > 0 then redis.call('PEXPIRE', tokens, horizons[i] + 60000) end
  end
  arg = 7
  for i = 1, scopes do
    arg = arg + 1 + 3 * tonumber(ARGV[arg])
    arg = arg + 1 + 5 * tonumber(ARGV[arg])
  end
  arg = arg + 1
  for j = 1, budgets do
    local heldKey = KEYS[budgetKeys + 2 * j]
    redis.call('HSET', heldKey, member, ARGV[arg + 1] .. ':' .. ARGV[1])
    redis.call('PEXPIRE', heldKey, stale + 60000)
    arg = arg + 3
  end
end
local reply = {granted, notBefore, gone, refused, overBudget}
for i = 1, scopes do
  for _, v in ipairs(perScope[i]) do table.insert(reply, v) end
end
return reply
