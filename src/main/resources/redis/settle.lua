-- A call's answer came (SettleCall on the Java side; a test holds both to these two lines): it counts in its scopes'
-- logs from when the provider can last have counted it, or not at all if refused (429); its token buckets get back
-- what it reserved and was not counted, and drop to the level the provider's remaining count implies (never rise to
-- it); its budgets let go of its worst case and count its cost; a scope it cooled cools for every process, and only
-- ever longer; other processes are told.
--@keys [log tokens]*scopes cool [spent held]*budgets
--@argv member kind counted_at now cool_until channel message scopes [buckets [bucket capacity window refund anchor]*buckets]*scopes budgets [cost expire_at]*budgets
-- kind: S succeeded, F failed, R refused, '' none (a cooldown alone); cool until 0 for none; message '' for none
local member, kind, counted = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now, coolUntil = tonumber(ARGV[4]), tonumber(ARGV[5])
local scopes = tonumber(ARGV[8])
local arg = 9
for i = 1, scopes do
  local log, tokens = KEYS[2 * i - 1], KEYS[2 * i]
  if kind == 'R' then
    redis.call('ZREM', log, member)
  elseif kind ~= '' then
    redis.call('ZADD', log, 'XX', 'LT', counted, member)
  end
  local buckets = tonumber(ARGV[arg]); arg = arg + 1
  for b = 1, buckets do
    local bucket, capacity, window = ARGV[arg], tonumber(ARGV[arg + 1]), tonumber(ARGV[arg + 2])
    local refund, anchor = tonumber(ARGV[arg + 3]), ARGV[arg + 4]
    arg = arg + 5
    local v = redis.call('HMGET', tokens, bucket .. ':level', bucket .. ':at')
    if v[1] then
      local l = tonumber(v[1]) + (now - tonumber(v[2])) * capacity / window
      if l > capacity then l = capacity end
      l = math.min(capacity, l + refund)
      if anchor ~= '' and tonumber(anchor) < l then l = tonumber(anchor) end
      redis.call('HSET', tokens, bucket .. ':level', tostring(l), bucket .. ':at', now)
    end
  end
end
local cool = KEYS[2 * scopes + 1]
if coolUntil > now then
  local old = tonumber(redis.call('GET', cool) or '0')
  if coolUntil > old then redis.call('SET', cool, coolUntil, 'PXAT', coolUntil) end
end
local budgets = tonumber(ARGV[arg]); arg = arg + 1
for j = 1, budgets do
  local spentKey, heldKey = KEYS[2 * scopes + 2 * j], KEYS[2 * scopes + 2 * j + 1]
  -- the figures go on as the strings they came as: Lua's numbers print large ones in exponent form
  local cost, expireAt = ARGV[arg], ARGV[arg + 1]
  arg = arg + 2
  redis.call('HDEL', heldKey, member)
  if tonumber(cost) > 0 then
    redis.call('INCRBY', spentKey, cost)
    redis.call('PEXPIREAT', spentKey, expireAt)
  end
end
if ARGV[7] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
return 1
