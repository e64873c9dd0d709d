"""Redis keys and the Lua scripts that change them atomically.

Every key of a room has ``{room}`` as hash tag, so one room's keys share a
slot and one script may touch them all (Redis Cluster, Valkey alike):

- ``quiz:{R}:snap``   the room as JSON with the log sequence number it holds
- ``quiz:{R}:prev``   the snapshot before it: a server that was away while a
  new one was written folds from it what it missed (and delivers it)
- ``quiz:{R}:log``    stream of applied commands, in order (the truth)
- ``quiz:{R}:seq``    the last logged sequence number
- ``quiz:{R}:lease``  ``server:fence`` of the owner
- ``quiz:{R}:fence``  counter, grows with every new owner
- ``quiz:{R}:inbox``  stream of commands other servers forward to the owner
- ``quiz:{R}:ref:X``  the fate of forwarded command X: taken by an owner
  (the owner's lease) or refused (``x``); whoever writes it first decides

Each carries the room's idle TTL, refreshed by every append. Per server:
``quiz:server:S:alive`` (heartbeat) and ``quiz:server:S:wake`` (a stream the
server's own reader blocks on, to be woken when the set of rooms changes).
Scripts use only commands Redis 7.0 and Valkey share.
"""

from __future__ import annotations


def key(room_id: str, part: str) -> str:
    return f"quiz:{{{room_id}}}:{part}"


def ref_key(room_id: str, ref: str) -> str:
    return key(room_id, f"ref:{ref}")


def alive_key(server_id: str) -> str:
    return f"quiz:server:{server_id}:alive"


def wake_key(server_id: str) -> str:
    return f"quiz:server:{server_id}:wake"


# KEYS snap lease fence seq; ARGV snapshot server lease_ms ttl_ms
CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fence = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[2], ARGV[2] .. ':' .. fence, 'PX', ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[4], '0', 'PX', ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return fence
"""

# KEYS lease fence snap; ARGV server lease_ms.
# {1, token} taken; {0, holder} held by someone; {-1, ''} the room is gone.
ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder then return {0, holder} end
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1, ''} end
local fence = redis.call('INCR', KEYS[2])
local token = ARGV[1] .. ':' .. fence
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {1, token}
"""

# The fenced group commit. KEYS lease log snap seq fence inbox prev;
# ARGV lease first_seq deadline_ms snapshot ttl_ms maxlen entry...
# A new snapshot moves the last one to prev (RENAME: O(1), no copy).
# Only the lease holder appends, only the next numbers, and only before the
# deadline by Redis's own clock: a batch held up (a stalled Redis, a paused
# owner) past the moment its clients were told it failed is refused, so it
# can never take effect later. Returns the last entry's id, or -1 (lease
# lost), -2 (not next), -3 (too late).
APPEND = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local last = tonumber(redis.call('GET', KEYS[4]) or '0')
if last + 1 ~= tonumber(ARGV[2]) then return -2 end
local deadline = tonumber(ARGV[3])
if deadline > 0 then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > deadline then return -3 end
end
local id
for i = 7, #ARGV do
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'e', ARGV[i])
end
redis.call('SET', KEYS[4], tonumber(ARGV[2]) + #ARGV - 7, 'PX', ARGV[5])
if ARGV[4] ~= '' then
  if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('RENAME', KEYS[3], KEYS[7]) end
  redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
else
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
redis.call('PEXPIRE', KEYS[7], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[5], ARGV[5])
redis.call('PEXPIRE', KEYS[6], ARGV[5])
return id
"""

# KEYS inbox snap; ARGV ttl_ms body... Forwards only to a room that exists:
# after Redis lost its data, followers learn the room is gone instead of
# waiting for an owner forever.
FORWARD = """
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', 10000, '*', 'c', ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""

# The owner takes forwarded commands before applying them. KEYS ref...;
# ARGV lease ttl_ms deadline... For each: 1 taken, 0 refused. A command
# past its deadline, or refused by its sender, is never taken; one taken by
# an owner that died before logging it is taken again by its successor.
CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #KEYS do
  local fate = redis.call('GET', KEYS[i])
  if fate == 'x' then
    out[i] = 0
  elseif not fate and now > tonumber(ARGV[i + 2]) then
    redis.call('SET', KEYS[i], 'x', 'PX', ARGV[2])
    out[i] = 0
  else
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
    out[i] = 1
  end
end
return out
"""

# The sender gives up on a forwarded command. KEYS ref; ARGV ttl_ms.
# 1: refused for good (no owner took it, none ever will); 0: an owner took it.
CANCEL = """
local fate = redis.call('GET', KEYS[1])
if not fate then
  redis.call('SET', KEYS[1], 'x', 'PX', ARGV[1])
  return 1
end
if fate == 'x' then return 1 end
return 0
"""

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS lease snap prev; ARGV lease snapshot: hand over with a fresh
# snapshot (the last one kept as prev, as APPEND does).
RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then
  local ttl = redis.call('PTTL', KEYS[2])
  redis.call('RENAME', KEYS[2], KEYS[3])
  redis.call('SET', KEYS[2], ARGV[2])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
redis.call('DEL', KEYS[1])
return 1
"""
