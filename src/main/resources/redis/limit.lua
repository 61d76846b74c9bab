-- Publishes what one process learned or heard of a scope's limit, for the others to adopt (PublishLimitCall on the
-- Java side; a test holds both to these two lines).
--@keys limit
--@argv requests window source confirmed by keep
redis.call('HSET', KEYS[1], 'requests', ARGV[1], 'window_ms', ARGV[2], 'source', ARGV[3], 'confirmed', ARGV[4], 'by', ARGV[5])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
return 1
