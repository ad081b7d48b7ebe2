-- dm.task: tasks are coroutines scheduled on the host's libuv loop (the luv model: C
-- primitives take callbacks, Lua parks and resumes coroutines). spawn, sleep, await,
-- map with bounded concurrency, all, join and cancel. Every resume happens from the loop,
-- never from inside another task; an uncaught error is reported with its traceback.
local host = require "dm.core.host"

local pack, unpack = table.pack, table.unpack
local running, status_of, isyieldable = coroutine.running, coroutine.status, coroutine.isyieldable

local M = {}

local Task = {}
Task.__index = Task

local ready = {} -- resumes waiting for the next loop turn: {task, args...}
M.current = nil  -- the task being resumed, if any

-- Reports a task's uncaught error; replaced by the REPL. Default: fail the job.
function M.on_uncaught(t)
  io.stderr:write("dmhost: ", t.error, "\n")
  io.stderr:flush()
  host.fail()
end

local function finish(t, status, a, b)
  t.status = status
  if status == "done" then
    t.results = a
  else
    t.error, t.error_value = a, b
  end
  local waiters = t.waiters
  t.waiters = nil
  if t.on_done then t.on_done(t) end
  if status == "failed" and not t.observed and (waiters == nil or #waiters == 0) then
    M.on_uncaught(t)
  end
  if waiters then
    for i = 1, #waiters do waiters[i](t) end
  end
end

local function resume(t, ...)
  if t.status ~= "ready" and t.status ~= "suspended" then return end
  t.status = "running"
  local outer = M.current
  M.current = t
  local r = pack(host.resume(t.co, ...))
  M.current = outer
  if not r[1] then
    finish(t, "failed", r[2], r[3])
  elseif status_of(t.co) == "dead" then
    finish(t, "done", pack(unpack(r, 2, r.n)))
  else
    t.status = "suspended"
  end
end

local function drain()
  local q = ready
  ready = {}
  for i = 1, #q do
    local item = q[i]
    resume(item[1], unpack(item, 2, item.n))
  end
end
host.set_tick(drain)

-- Resume t with ... on the next loop turn.
local function schedule(t, ...)
  local item = pack(t, ...)
  ready[#ready + 1] = item
  host.wake()
end

local function new_task(fn, name)
  if type(fn) ~= "function" then error("task function expected, got " .. type(fn), 3) end
  local t = setmetatable({status = "ready", name = name}, Task)
  t.co = coroutine.create(fn)
  return t
end

-- spawn(fn, ...) -> task. fn(...) starts on the next loop turn. An error that nobody
-- joins fails the job (M.on_uncaught); use t:join() or map/all to receive it instead.
function M.spawn(fn, ...)
  local t = new_task(fn)
  schedule(t, ...)
  return t
end

local function current_task(level)
  local t = M.current
  if t == nil or running() ~= t.co then
    error("must be called from a task (dm.task.spawn)", level + 1)
  end
  if not isyieldable() then
    error("cannot wait here: inside a C call (e.g. a table.sort comparator or a gsub "
      .. "callback)", level + 1)
  end
  return t
end

-- await(start) -> the values the callback receives.
-- start(cb) begins an operation that calls cb(...) exactly once, later, on the loop; it
-- may return a handle with :cancel(), used if the task is cancelled while it waits.
function M.await(start)
  local t = current_task(2)
  local early
  local function cb(...)
    if t.waiting ~= cb then return end -- stale: the task was cancelled
    t.waiting, t.canceller = nil, nil
    if early == false then
      early = pack(...)                -- delivered before we yielded
    elseif M.current ~= nil then
      schedule(t, ...)                 -- never resume a task from inside another
    else
      resume(t, ...)
    end
  end
  t.waiting = cb
  early = false
  t.canceller = start(cb)
  if early then return unpack(early, 1, early.n) end
  early = nil
  return coroutine.yield()
end

-- sleep(ms): park the task for ms milliseconds (0 yields to other tasks).
function M.sleep(ms)
  if type(ms) ~= "number" or ms < 0 then error("sleep: milliseconds >= 0 expected", 2) end
  return M.await(function(cb) return host.timer(ms, cb) end)
end

-- t:join() -> true, results... | false, error (traceback), error value. Marks t observed.
function Task:join()
  self.observed = true
  local st = self.status
  if st == "done" then return true, unpack(self.results, 1, self.results.n) end
  if st == "failed" or st == "cancelled" then return false, self.error, self.error_value end
  local me = current_task(2)
  if me == self then error("a task cannot join itself", 2) end
  return M.await(function(cb)
    self.waiters = self.waiters or {}
    self.waiters[#self.waiters + 1] = function(done)
      if done.status == "done" then
        cb(true, unpack(done.results, 1, done.results.n))
      else
        cb(false, done.error, done.error_value)
      end
    end
  end)
end

-- t:cancel(): stop a task that has not finished: frees what it waits on (its request,
-- its timer), runs its pending <close> handlers; joiners get false, "cancelled".
function Task:cancel()
  local st = self.status
  if st == "done" or st == "failed" or st == "cancelled" then return false end
  if st == "running" then error("a task cannot cancel itself", 2) end
  local c = self.canceller
  self.waiting, self.canceller = nil, nil
  if c ~= nil then
    if type(c) == "function" then c() elseif c.cancel then c:cancel() end
  end
  coroutine.close(self.co)
  finish(self, "cancelled", "cancelled", "cancelled")
  return true
end

function Task:__tostring()
  return string.format("task<%s>", self.status)
end

-- map(list, {limit = n, errors = "raise" | "collect"}, fn) -> results [, errors]
-- Calls fn(item, index) for every item with at most n running at once; results keep
-- the input order. On the first error (errors = "raise", the default) the remaining
-- items are not started, the running ones are cancelled and the error is raised here
-- with the failing item's traceback. With errors = "collect" every item runs and the
-- errors come back as a second table indexed like the input.
function M.map(list, opts, fn)
  if fn == nil and type(opts) == "function" then opts, fn = {}, opts end
  if type(list) ~= "table" then error("map: list expected", 2) end
  if type(fn) ~= "function" then error("map: function expected", 2) end
  opts = opts or {}
  local limit = opts.limit or 16
  if math.type(limit) ~= "integer" or limit < 1 then error("map: limit must be >= 1", 2) end
  local collect = opts.errors == "collect"
  current_task(2)
  local n = #list
  local results, errors = {n = n}, {}
  local next_index, failure = 1, nil
  local workers = {}
  local function worker()
    while failure == nil do
      local i = next_index
      if i > n then return end
      next_index = i + 1
      local ok, value = xpcall(fn, debug.traceback, list[i], i)
      if ok then
        results[i] = value
      elseif collect then
        errors[i] = value
      else
        failure = {index = i, error = value}
        for _, w in ipairs(workers) do
          if w ~= M.current then w:cancel() end
        end
        return
      end
    end
  end
  -- if the task calling map is cancelled (Ctrl-C in the REPL, t:cancel()), so are its workers
  local _ <close> = setmetatable({}, {__close = function()
    for _, w in ipairs(workers) do w:cancel() end
  end})
  for w = 1, math.min(limit, n) do
    local t = new_task(worker)
    t.observed = true
    workers[w] = t
    schedule(t)
  end
  for _, w in ipairs(workers) do
    local ok, err = w:join()
    if not ok and err ~= "cancelled" and failure == nil then
      failure = {index = 0, error = err}
    end
  end
  if failure then
    error(string.format("map: item %d failed: %s", failure.index, tostring(failure.error)), 2)
  end
  if collect then return results, errors end
  return results
end

-- all(fns [, opts]) -> results: runs every function concurrently, results in order.
function M.all(fns, opts)
  opts = opts or {}
  return M.map(fns, {limit = math.max(1, #fns), errors = opts.errors},
    function(f) return f() end)
end

-- is_task() -> true when called from inside a task (where await/sleep may be used).
function M.is_task()
  local t = M.current
  return t ~= nil and running() == t.co
end

-- run_main(fn, ...) -> task: the host's entry: run a script's chunk as the first task.
function M.run_main(fn, ...)
  local t = new_task(fn, "main")
  schedule(t, ...)
  return t
end

-- exit_code(t) -> 0 | 1: after the loop has stopped, tell how the main task ended.
function M.exit_code(t)
  if t.status == "done" and not host.failed() then return 0 end
  if t.status == "suspended" or t.status == "ready" then
    if not host.failed() then
      io.stderr:write("dmhost: the job stopped while waiting for something that can no ",
        "longer happen (no pending I/O or timer)\n")
    end
  end
  return 1
end

return M
