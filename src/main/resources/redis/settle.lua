-- A call's answer came: it counts in its scopes' logs from when the provider can last have counted it, or not at all
-- if refused (429); a scope it cooled cools for every process, and only ever longer; other processes are told.
-- KEYS: log:<scope> per scope of the model, then cool:<scope> of the scope to cool (or any key when none)
-- ARGV: member, kind (S succeeded, F failed, R refused, '' none), counted at (ms), scopes, cool until (ms, 0 for none),
--       now (ms), channel, message ('' for none)
local member, kind, counted = ARGV[1], ARGV[2], tonumber(ARGV[3])
local scopes = tonumber(ARGV[4])
local coolUntil, now = tonumber(ARGV[5]), tonumber(ARGV[6])
for i = 1, scopes do
  if kind == 'R' then
    redis.call('ZREM', KEYS[i], member)
  elseif kind ~= '' then
    redis.call('ZADD', KEYS[i], 'XX', 'LT', counted, member)
  end
end
if coolUntil > now then
  local cool = KEYS[scopes + 1]
  local old = tonumber(redis.call('GET', cool) or '0')
  if coolUntil > old then redis.call('SET', cool, coolUntil, 'PXAT', coolUntil) end
end
if ARGV[8] ~= '' then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
return 1
