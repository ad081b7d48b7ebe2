-- dm.http against the test page server on 127.0.0.1: responses, latency, slow bodies,
-- retries (5xx, 429 + Retry-After, resets, truncation, timeouts), gzip, POST, keep-alive,
-- the connection cap, the rate cap, cancellation, and transport errors.
local http = require "dm.http"
local task = require "dm.task"
local host = require "dm.core.host"
local json = require "dm.json"

local server

local function elapsed(fn)
  local t0 = host.now()
  local a, b, c = fn()
  return host.now() - t0, a, b, c
end

describe("dm.http", function()
  setup(function()
    server = dofile("tests/lua/support/pageserver.lua").start()
    http.configure{backoff_ms = 20, backoff_max_ms = 200}
  end)
  teardown(function()
    if server then server.stop() end
  end)

  it("gets a response with status, lower-case headers, body and timings", function()
    local r = assert(http.get(server.url .. "/bytes?n=1000"))
    assert.equal(200, r.status)
    assert.equal(1000, #r.body)
    assert.equal("1000", r.headers["content-length"])
    assert.equal(0, r.retries)
    assert.is_number(r.timings.total_ms)
    assert.is_true(r.timings.ttfb_ms <= r.timings.total_ms)
    assert.equal(11, r.http_version)
  end)

  it("a non-2xx status is a response, not an error", function()
    local r = assert(http.get(server.url .. "/status?code=404"))
    assert.equal(404, r.status)
    local missing = assert(http.get(server.url .. "/no/such/path"))
    assert.equal(404, missing.status)
  end)

  it("waits for server latency and slow bodies", function()
    local dt, r = elapsed(function() return http.get(server.url .. "/bytes?n=10&delay_ms=150") end)
    assert.equal(200, r.status)
    assert.is_true(dt >= 145, "took " .. dt)
    local dt2, r2 = elapsed(function()
      return http.get(server.url .. "/slow?chunks=5&interval_ms=40")
    end)
    assert.equal(200, r2.status)
    assert.is_true(#r2.body > 0)
    assert.is_true(dt2 >= 150, "slow body took " .. dt2)
  end)

  it("retries 5xx and then succeeds, reporting the retry count", function()
    local before = http.stats.retries
    local r = assert(http.get(server.url .. "/flaky?key=k5xx&fail=2&code=503"))
    assert.equal(200, r.status)
    assert.equal(2, r.retries)
    assert.equal(before + 2, http.stats.retries)
  end)

  it("gives up after the configured retries and returns the last response", function()
    local r = assert(http.get(server.url .. "/status?code=503", {retries = 2}))
    assert.equal(503, r.status)
    assert.equal(2, r.retries)
  end)

  it("honours Retry-After on 429", function()
    local dt, r = elapsed(function()
      return http.get(server.url .. "/flaky?key=k429&fail=1&code=429&retry_after=1")
    end)
    assert.equal(200, r.status)
    assert.equal(1, r.retries)
    assert.is_true(dt >= 990, "Retry-After ignored: " .. dt)
  end)

  it("retries connection resets, truncated bodies and timeouts", function()
    -- libcurl itself silently re-sends once when a reused keep-alive connection dies, so
    -- three resets are needed to be sure that dm.http's own retry is exercised
    local r1 = assert(http.get(server.url .. "/flaky?key=kreset&fail=3&mode=reset"))
    assert.equal(200, r1.status)
    assert.is_true(r1.retries >= 1)
    local r2 = assert(http.get(server.url .. "/flaky?key=ktrunc&fail=1&mode=truncate"))
    assert.equal(200, r2.status)
    assert.equal(1, r2.retries)
    local r3 = assert(http.get(server.url .. "/flaky?key=khang&fail=1&mode=hang",
      {timeout_ms = 300}))
    assert.equal(200, r3.status)
    assert.equal(1, r3.retries)
  end)

  it("returns nil, message, code for transport failures", function()
    local r, msg, code = http.get(server.url .. "/reset", {retries = 0})
    assert.is_nil(r)
    assert.is_true(code == "reset" or code == "empty", code)
    assert.matches("/reset", msg)
    r, msg, code = http.get(server.url .. "/truncate", {retries = 0})
    assert.is_string(msg)
    assert.is_nil(r)
    assert.equal("truncated", code)
    r, msg, code = http.get(server.url .. "/bytes?n=1&delay_ms=3000", {retries = 1,
      timeout_ms = 150})
    assert.is_nil(r)
    assert.equal("timeout", code)
    assert.matches("after 1 retries", msg)
    r, msg, code = http.get("http://127.0.0.1:1/", {retries = 3})
    assert.is_nil(r)
    assert.equal("refused", code) -- not retried: nothing listens there
    assert.not_matches("retries", msg)
    r, msg, code = http.get("http://bad host/")
    assert.is_string(msg)
    assert.is_nil(r)
    assert.equal("bad_url", code)
    r, msg, code = http.get("ftp://127.0.0.1/")
    assert.is_string(msg)
    assert.is_nil(r)
    assert.equal("bad_url", code)
  end)

  it("decodes gzip bodies", function()
    local r = assert(http.get(server.url .. "/gzip"))
    assert.equal(200, r.status)
    assert.equal("gzip", r.headers["content-encoding"])
    assert.is_true(#r.body > 0)
    assert.is_nil(r.body:find("\31\139", 1, true)) -- no gzip magic left
  end)

  it("posts a body with headers", function()
    local r = assert(http.post(server.url .. "/echo", '{"a":1}',
      {headers = {["Content-Type"] = "application/json", ["X-Test"] = "yes"}}))
    assert.equal(200, r.status)
    local echo = assert(json.decode(r.body))
    assert.equal("POST", echo.method)
    assert.equal('{"a":1}', echo.body)
    local headers = {}
    for k, v in pairs(echo.headers) do headers[k:lower()] = v end
    assert.equal("yes", headers["x-test"])
  end)

  it("reuses connections (keep-alive)", function()
    server.reset_stats()
    for _ = 1, 30 do assert(http.get(server.url .. "/bytes?n=10")) end
    local s = server.stats()
    assert.is_true(s.connections_accepted <= 2, "accepted " .. s.connections_accepted)
  end)

  it("caps connections per host", function()
    http.configure{max_host_connections = 4}
    server.reset_stats()
    local list = {}
    for i = 1, 40 do list[i] = i end
    local r = task.map(list, {limit = 20}, function()
      return assert(http.get(server.url .. "/bytes?n=10&delay_ms=30")).status
    end)
    http.configure{max_host_connections = 0}
    assert.equal(40, #r)
    local s = server.stats()
    assert.is_true(s.peak_open_connections <= 5, "peak " .. s.peak_open_connections)
    assert.is_true(s.peak_in_flight <= 4, "peak in flight " .. s.peak_in_flight)
  end)

  it("500 requests through map with limit 50 never have more than 50 in flight", function()
    server.reset_stats()
    local list = {}
    for i = 1, 500 do list[i] = i end
    local r = task.map(list, {limit = 50}, function(i)
      local resp = assert(http.get(server.url .. "/bytes?n=" .. i .. "&delay_ms=" .. (i % 7)))
      return #resp.body
    end)
    for i = 1, 500 do assert.equal(i, r[i]) end
    local s = server.stats()
    assert.is_true(s.peak_in_flight <= 50, "peak in flight " .. s.peak_in_flight)
    assert.is_true(s.peak_in_flight >= 25, "no concurrency? peak " .. s.peak_in_flight)
  end)

  it("caps the request rate", function()
    http.configure{rate = 50, burst = 1}
    local list = {}
    for i = 1, 26 do list[i] = i end
    local dt = elapsed(function()
      task.map(list, {limit = 26}, function()
        return assert(http.get(server.url .. "/bytes?n=1"))
      end)
    end)
    http.configure{rate = false}
    -- 26 requests at 50/s with a burst of 1: the last starts 500 ms after the first
    assert.is_true(dt >= 480, "rate cap ignored: " .. dt)
    assert.is_true(dt < 3000, "rate cap too slow: " .. dt)
  end)

  it("cancelling a task frees its request", function()
    server.reset_stats()
    local t = task.spawn(function()
      return http.get(server.url .. "/bytes?n=1&delay_ms=5000")
    end)
    task.sleep(100)
    assert.equal("suspended", t.status)
    assert.equal(1, server.stats().in_flight)
    t:cancel()
    task.sleep(100)
    assert.equal("cancelled", t.status)
    assert.equal(0, server.stats().in_flight)
  end)

  it("must be called from a task and validates its arguments", function()
    assert.has_error(function() http.request("x") end)
    assert.has_error(function() http.get(42) end)
    assert.has_error(function() http.configure{nonsense = 1} end)
    local co = coroutine.wrap(function() return pcall(http.get, server.url) end)
    local ok, err = co()
    assert.is_false(ok)
    assert.matches("from a task", err)
  end)

  it("knows loopback URLs (DMHOST_LOOPBACK_ONLY guards the tests)", function()
    assert.is_true(http._is_loopback("http://127.0.0.1:8080/x"))
    assert.is_true(http._is_loopback("https://localhost/"))
    assert.is_true(http._is_loopback("http://[::1]:80/"))
    assert.is_false(http._is_loopback("https://secure.meetcontrol.com/divemeets/"))
    assert.is_false(http._is_loopback("http://127.0.0.1.evil.com/"))
    if os.getenv("DMHOST_LOOPBACK_ONLY") == "1" then
      local r, _, code = http.get("https://secure.meetcontrol.com/")
      assert.is_nil(r)
      assert.equal("forbidden", code)
    end
  end)

  it("parses Retry-After forms", function()
    assert.equal(3000, http._retry_after_ms("3"))
    assert.is_nil(http._retry_after_ms("soon"))
    assert.equal(0, http._retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"))
  end)
end)
