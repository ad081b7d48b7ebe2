-- dm.task: the scheduler on the real libuv loop (specs run inside dmhost's main task).
local task = require "dm.task"
local host = require "dm.core.host"

describe("dm.task", function()
  it("runs the spec inside a task", function()
    assert.is_true(task.is_task())
  end)

  it("sleeps for about the time asked", function()
    local t0 = host.now()
    task.sleep(50)
    local dt = host.now() - t0
    assert.is_true(dt >= 49, "slept " .. dt)
    assert.is_true(dt < 1000, "slept " .. dt)
  end)

  it("spawns tasks that start on the next loop turn and can be joined", function()
    local started = false
    local t = task.spawn(function(a, b)
      started = true
      task.sleep(1)
      return a + b, "x"
    end, 2, 3)
    assert.is_false(started)
    assert.same({true, 5, "x"}, {t:join()})
    assert.equal("done", t.status)
  end)

  it("map keeps input order and never exceeds the limit (500 tasks, limit 50)", function()
    local list = {}
    for i = 1, 500 do list[i] = i end
    local in_flight, peak = 0, 0
    local results = task.map(list, {limit = 50}, function(item)
      in_flight = in_flight + 1
      if in_flight > peak then peak = in_flight end
      task.sleep((item * 7) % 13) -- finish out of order
      in_flight = in_flight - 1
      return item * 2
    end)
    assert.equal(50, peak)
    assert.equal(0, in_flight)
    assert.equal(500, #results)
    for i = 1, 500 do assert.equal(i * 2, results[i]) end
  end)

  it("map raises the first error with the failing item's traceback and stops the rest", function()
    local started = 0
    local ok, err = pcall(task.map, {1, 2, 3, 4, 5, 6, 7, 8}, {limit = 2}, function(i)
      started = started + 1
      task.sleep(5)
      if i == 3 then error("bad item " .. i) end
      task.sleep(50)
      return i
    end)
    assert.is_false(ok)
    assert.matches("item 3 failed", err)
    assert.matches("bad item 3", err)
    assert.matches("stack traceback", err)
    assert.is_true(started < 8, "started " .. started)
  end)

  it("map with errors = 'collect' runs every item", function()
    local results, errors = task.map({1, 2, 3, 4}, {limit = 3, errors = "collect"}, function(i)
      task.sleep(1)
      if i % 2 == 0 then error("even " .. i) end
      return i
    end)
    assert.equal(1, results[1])
    assert.is_nil(results[2])
    assert.equal(3, results[3])
    assert.matches("even 2", errors[2])
    assert.matches("even 4", errors[4])
    assert.is_nil(errors[1])
  end)

  it("cancelling the task that runs map cancels its workers", function()
    local started, finished = 0, 0
    local list = {}
    for i = 1, 100 do list[i] = i end
    local t = task.spawn(function()
      return task.map(list, {limit = 5}, function()
        started = started + 1
        task.sleep(20)
        finished = finished + 1
      end)
    end)
    task.sleep(30)
    assert.is_true(t:cancel())
    local s0 = started
    task.sleep(100)
    assert.equal(s0, started) -- no new item started after the cancel
    assert.is_true(finished < 100)
  end)

  it("map over an empty list returns an empty list", function()
    assert.same({n = 0}, task.map({}, {limit = 4}, function() return 1 end))
  end)

  it("all runs functions concurrently and returns results in order", function()
    local t0 = host.now()
    local r = task.all({
      function() task.sleep(60) return "a" end,
      function() task.sleep(30) return "b" end,
      function() task.sleep(60) return "c" end,
    })
    assert.same({"a", "b", "c"}, {r[1], r[2], r[3]})
    assert.is_true(host.now() - t0 < 150, "ran sequentially?")
  end)

  it("join returns a task's error instead of failing the job", function()
    local t = task.spawn(function() task.sleep(1); error("oops") end)
    local ok, err = t:join()
    assert.is_false(ok)
    assert.matches("oops", err)
    assert.matches("stack traceback", err)
  end)

  it("cancel stops a sleeping task, runs its <close> handlers and wakes joiners", function()
    local closed = false
    local t = task.spawn(function()
      local guard <close> = setmetatable({}, {__close = function() closed = true end})
      task.sleep(10000)
      return guard
    end)
    task.sleep(5)
    assert.equal("suspended", t.status)
    local joiner = task.spawn(function() return t:join() end)
    task.sleep(1)
    assert.is_true(t:cancel())
    assert.is_true(closed)
    assert.same({true, false, "cancelled", "cancelled"}, {joiner:join()})
    assert.is_false(t:cancel()) -- idempotent
  end)

  it("await delivers values, even when the callback fires before the yield", function()
    assert.same({1, 2}, {task.await(function(cb) cb(1, 2) end)})
    assert.same({"later"}, {task.await(function(cb)
      return host.timer(1, function() cb("later") end)
    end)})
  end)

  it("refuses to wait outside a task or inside a C call", function()
    local co = coroutine.wrap(function() return pcall(task.sleep, 1) end)
    local ok, err = co()
    assert.is_false(ok)
    assert.matches("must be called from a task", err)
    local ok2, err2 = pcall(table.sort, {3, 2, 1}, function(a, b)
      task.sleep(1)
      return a < b
    end)
    assert.is_false(ok2)
    assert.matches("cannot wait here", err2)
  end)

  it("validates arguments", function()
    assert.has_error(function() task.sleep(-1) end)
    assert.has_error(function() task.map({1}, {limit = 0}, print) end)
    assert.has_error(function() task.spawn(42) end)
  end)
end)
