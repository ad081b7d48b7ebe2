-- tests/bench/http_load.lua: N GET requests to URL with a concurrency limit, through
-- dm.task.map + dm.http; prints requests/s, wall time, CPU time and peak RSS.
-- usage: dmhost tests/bench/http_load.lua URL N CONCURRENCY [LABEL]
local http = require "dm.http"
local task = require "dm.task"
local host = require "dm.core.host"

local url, n, limit, label = arg[1], tonumber(arg[2]), tonumber(arg[3]), arg[4] or "http"
if not (url and n and limit) then
  io.stderr:write("usage: dmhost tests/bench/http_load.lua URL N CONCURRENCY [LABEL]\n")
  os.exit(2)
end
http.configure{retries = 0, timeout_ms = 60000}

local function peak_rss_mb()
  local f = io.open("/proc/self/status")
  if not f then return 0 end
  local kb = f:read("a"):match("VmHWM:%s*(%d+)")
  f:close()
  return (tonumber(kb) or 0) / 1024
end

local list = {}
for i = 1, n do list[i] = i end
local failures = 0
local t0, c0 = host.now(), os.clock()
task.map(list, {limit = limit}, function()
  local r = http.get(url)
  if not r or r.status ~= 200 then failures = failures + 1 end
end)
local wall = (host.now() - t0) / 1000
print(string.format("%s: %d requests, concurrency %d: %.2f s wall, %.0f req/s, %.2f s CPU, "
  .. "peak RSS %.1f MB, %d failures", label, n, limit, wall, n / wall, os.clock() - c0,
  peak_rss_mb(), failures))
