-- tests/lua/support/pageserver.lua: start and stop the test page server
-- (tests/support/pageserver) on 127.0.0.1 from a spec. Loaded with dofile.
--   local server = dofile("tests/lua/support/pageserver.lua").start{"--latency-ms", "5"}
--   server.url .. "/bytes?n=10"; server:stats(); server:stop()
local task = require "dm.task"
local http = require "dm.http"
local json = require "dm.json"

local M = {}

local function binary()
  local build = os.getenv("DM_BUILD_DIR") or "build"
  return build .. "/tests/support/pageserver"
end

function M.start(args)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local port_file = dir .. "/port"
  local cmd = {binary(), "--port", "0", "--port-file", port_file, "--max-seconds", "600"}
  for _, a in ipairs(args or {}) do cmd[#cmd + 1] = a end
  for i, a in ipairs(cmd) do cmd[i] = "'" .. a:gsub("'", "'\\''") .. "'" end
  local shell = "exec " .. table.concat(cmd, " ") .. " >" .. dir .. "/log 2>&1 & echo $!"
  local p = assert(io.popen(shell))
  local pid = assert(tonumber(p:read("l")), "no pid")
  p:close()
  local port
  for _ = 1, 500 do
    local f = io.open(port_file)
    if f then
      port = tonumber(f:read("l"))
      f:close()
      if port then break end
    end
    task.sleep(10)
  end
  if not port then
    os.execute("kill " .. pid)
    local f = io.open(dir .. "/log")
    error("page server did not start: " .. (f and f:read("a") or "?"))
  end
  local self = {pid = pid, port = port, dir = dir, url = "http://127.0.0.1:" .. port}
  function self.stats()
    local r = assert(http.get(self.url .. "/stats", {retries = 0}))
    return assert(json.decode(r.body))
  end
  function self.reset_stats()
    assert(http.get(self.url .. "/stats/reset", {retries = 0}))
  end
  function self.stop()
    os.execute("kill " .. pid .. " 2>/dev/null")
    os.execute("rm -rf " .. dir)
  end
  return self
end

return M
