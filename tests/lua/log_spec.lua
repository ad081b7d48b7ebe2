-- dm.log: lines captured through a function sink; progress driven by a fake clock.
local log = require("dm.log")
local json = require("dm.json")

describe("dm.log", function()
  local lines, saved, now

  before_each(function()
    lines, now = {}, 0
    saved = log.configure({sink = function(line) lines[#lines + 1] = line end,
                           format = "json", level = "info", color = false,
                           clock = function() return now end})
  end)

  after_each(function()
    log.configure(saved)
  end)

  describe("JSON lines", function()
    it("writes ts, level, msg, then the fields", function()
      log.info("fetched page", {id = 12345, status = 200, url = "http://127.0.0.1/x"})
      assert.are.equal(1, #lines)
      assert.matches('^{"ts":"%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ","level":"info",'
                     .. '"msg":"fetched page","id":12345,"status":200,'
                     .. '"url":"http://127.0.0.1/x"}$', lines[1])
      local rec = json.decode(lines[1])
      assert.are.equal("integer", math.type(rec.id))
    end)

    it("never lets a field hide ts, level or msg, and never raises on odd values", function()
      log.warn("x", {msg = "inner", level = 3, f = print, nan = 0 / 0, nested = {a = {1, 2}}})
      local rec = assert(json.decode(lines[1]))
      assert.are.equal("x", rec.msg)
      assert.are.equal("warn", rec.level)
      assert.are.equal("inner", rec.field_msg)
      assert.are.equal(3, rec.field_level)
      assert.matches("^function", rec.f)
      assert.are.same({1, 2}, rec.nested.a)
    end)

    it("accepts a message that is not a string", function()
      log.error(42)
      assert.are.equal(42, json.decode(lines[1]).msg)
    end)
  end)

  describe("levels", function()
    it("drops lines below the threshold", function()
      log.debug("no")
      log.info("yes")
      log.set_level("warn")
      log.info("no")
      log.warn("yes")
      log.error("yes")
      assert.are.equal(3, #lines)
      assert.are.equal("warn", log.level())
      assert.is_false(log.enabled("info"))
      assert.is_true(log.enabled("error"))
    end)

    it("raises for unknown levels and bad fields", function()
      assert.has_error(function() log.set_level("verbose") end)
      assert.has_error(function() log.log("trace", "x") end)
      assert.has_error(function() log.info("x", "not a table") end)
      assert.has_error(function() log.configure({sink = 42}) end)
    end)

    it("reads DM_LOG_LEVEL at start", function()
      local dmhost = os.getenv("DMHOST")
      if not dmhost then return end -- only under ctest
      local code = [[local log = require('dm.log') ]]
        .. [[log.debug('dbg') log.info('inf') io.stderr:write(log.level(), '\n')]]
      local p = io.popen("DM_LOG_LEVEL=debug DM_LOG_FORMAT=json " .. dmhost
                         .. " -e \"" .. code .. "\" 2>&1")
      local out = p:read("a")
      p:close()
      assert.matches('"msg":"dbg"', out, 1, true)
      assert.matches("debug\n$", out)
      p = io.popen("DM_LOG_LEVEL=loud DM_LOG_FORMAT=json " .. dmhost .. " -e \"" .. code
                   .. "\" 2>&1")
      out = p:read("a")
      p:close()
      assert.matches("DM_LOG_LEVEL=loud is not one of", out, 1, true)
      assert.matches("info\n$", out)
    end)
  end)

  describe("text lines", function()
    it("looks like 'HH:MM:SS INFO  message key=value'", function()
      log.configure({format = "text"})
      log.info("saved", {rows = 3, path = "/tmp/a b", ok = true})
      log.error("boom")
      assert.matches('^%d%d:%d%d:%d%d INFO  saved ok=true path="/tmp/a b" rows=3$', lines[1])
      assert.matches("^%d%d:%d%d:%d%d ERROR boom$", lines[2])
    end)

    it("colours the level when asked", function()
      log.configure({format = "text", color = true})
      log.warn("w", {k = 1})
      assert.matches("\27[33mWARN \27[0m", lines[1], 1, true)
    end)

    it("writes to a file sink with newlines", function()
      local path = os.tmpname()
      local f = assert(io.open(path, "w"))
      log.configure({sink = f, format = "text"})
      log.info("one")
      log.info("two")
      f:close()
      local text = assert(io.open(path)):read("a")
      os.remove(path)
      assert.matches("INFO  one\n.*INFO  two\n$", text)
    end)
  end)

  describe("progress, not on a terminal", function()
    it("logs every K items, like the job's '[done/total] Last 500' lines", function()
      local p = log.progress(1200, {label = "divers", every_n = 500})
      for _ = 1, 1200 do
        now = now + 2
        p:tick()
      end
      p:done()
      assert.are.equal(3, #lines)
      local a, b, c = json.decode(lines[1]), json.decode(lines[2]), json.decode(lines[3])
      assert.are.equal("divers [500/1200] last 500: 1.0 s, elapsed: 1.0 s", a.msg)
      assert.are.equal(500, a.done)
      assert.are.equal(1200, a.total)
      assert.are.equal(500.0, a.rate_per_s)
      assert.are.equal(1, a.eta_s) -- 700 left at 500/s
      assert.are.equal("divers [1000/1200] last 500: 1.0 s, elapsed: 2.0 s", b.msg)
      assert.are.equal("divers done: 1200/1200 in 2.4 s (500/s)", c.msg)
    end)

    it("logs every N milliseconds", function()
      local p = log.progress(nil, {label = "pages", every_ms = 1000})
      for _ = 1, 10 do
        now = now + 250
        p:tick(3)
      end
      p:done()
      -- ticks at 1000 ms and 2000 ms, then the summary
      assert.are.equal(3, #lines)
      assert.are.equal("pages [12] last 12: 1.0 s, elapsed: 1.0 s", json.decode(lines[1]).msg)
      assert.are.equal("pages done: 30 in 2.5 s (12.0/s)", json.decode(lines[3]).msg)
    end)

    it("defaults to a line every 10 s and ignores ticks after done", function()
      local p = log.progress(10)
      for _ = 1, 10 do
        now = now + 999
        p:tick()
      end
      p:done()
      p:tick()
      p:done()
      assert.are.equal(1, #lines) -- 9.99 s: no periodic line, only the summary
      assert.matches("progress done: 10/10", json.decode(lines[1]).msg, 1, true)
    end)
  end)

  describe("progress on a terminal", function()
    it("redraws one line at most every 100 ms and clears it at done", function()
      local p = log.progress(100, {label = "fetch", tty = true})
      for _ = 1, 100 do
        now = now + 10
        p:tick()
      end
      local draws = #lines
      assert.is_true(draws >= 9 and draws <= 11, "draws: " .. draws)
      assert.matches("^\r\27%[Kfetch  %d+/100  100/s  ETA 00:%d%d$", lines[2])
      p:done()
      assert.are.equal("\r\27[K", lines[draws + 1])
      assert.matches("fetch done: 100/100 in 1.0 s", json.decode(lines[draws + 2]).msg, 1, true)
    end)

    it("keeps the progress line below ordinary log lines", function()
      local p = log.progress(10, {label = "x", tty = true})
      p:tick()
      log.info("between")
      assert.are.equal("\r\27[K", lines[2])
      assert.are.equal("between", json.decode(lines[3]).msg)
      assert.matches("^\r\27%[Kx  1/10", lines[4])
      p:done()
    end)

    it("formats the ETA as mm:ss or h:mm:ss", function()
      assert.are.equal("01:05", log._mmss(65))
      assert.are.equal("1:01:01", log._mmss(3661))
      assert.are.equal("--:--", log._mmss(nil))
    end)
  end)
end)
