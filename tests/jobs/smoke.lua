-- tests/jobs/smoke.lua: a small job exercising the runtime end to end (for valgrind):
-- concurrent GETs with retries, a POST, a timeout, a cancelled request, a caught task
-- error, timers. usage: dmhost tests/jobs/smoke.lua BASE_URL
local http = require "dm.http"
local task = require "dm.task"

local base = assert(arg[1], "usage: smoke.lua BASE_URL")
http.configure{backoff_ms = 10, max_host_connections = 8}

local ids = {}
for i = 1, 100 do ids[i] = i end
local sizes = task.map(ids, {limit = 16}, function(i)
  local r = assert(http.get(base .. "/bytes?n=" .. i * 10))
  return #r.body
end)
assert(sizes[100] == 1000, "wrong body size")
assert(http.get(base .. "/flaky?key=smoke&fail=1&code=503").status == 200)
assert(http.post(base .. "/echo", "payload").status == 200)
local r, _, code = http.get(base .. "/bytes?n=1&delay_ms=2000", {timeout_ms = 100, retries = 0})
assert(r == nil and code == "timeout", "expected a timeout")
local t = task.spawn(function() return http.get(base .. "/bytes?n=1&delay_ms=5000") end)
task.sleep(50)
t:cancel()
local failing = task.spawn(function() task.sleep(1) error("expected failure") end)
assert(not failing:join())
print(string.format("smoke ok: %d requests, %d retries", http.stats.requests, http.stats.retries))
