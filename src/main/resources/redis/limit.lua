-- Publishes what one process learned or heard of a scope's limit, for the others to adopt; kept a day.
-- KEYS: limit:<scope>   ARGV: requests, window (ms), source, confirmed (1/0), by (process), time to keep (ms)
redis.call('HSET', KEYS[1], 'requests', ARGV[1], 'window_ms', ARGV[2], 'source', ARGV[3], 'confirmed', ARGV[4], 'by', ARGV[5])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
return 1
