-- dm.http: HTTP requests for tasks, over dm.core.http (libcurl multi on the libuv loop).
-- Policy lives here: defaults, retries with exponential backoff and jitter (timeouts,
-- resets, 5xx, 429 with Retry-After), a request-rate cap (token bucket), and counters.
-- A non-2xx status is not an error; transport failures return nil, message, code.
local core = require "dm.core.http"
local host = require "dm.core.host"
local task = require "dm.task"

local M = {}

-- Defaults for every request; change them with configure{...} or per request.
M.defaults = {
  timeout_ms = 30000,         -- whole transfer
  connect_timeout_ms = 10000,
  retries = 3,                -- extra attempts after the first
  backoff_ms = 200,           -- first backoff; doubles each retry, with jitter
  backoff_max_ms = 10000,
  retry_after_max_ms = 60000, -- longest Retry-After honoured
  retry_status = {[429] = true, [500] = true, [502] = true, [503] = true, [504] = true},
  retry_codes = {timeout = true, reset = true, empty = true, truncated = true},
  decode = true,              -- accept and decode gzip, deflate, br
  follow = true,
  max_redirects = 5,
  max_body = 64 * 1024 * 1024,
  user_agent = nil,           -- default "dmhost/<version>"
}

-- Counters since start (or reset_stats()).
M.stats = {requests = 0, attempts = 0, retries = 0, failures = 0, by_code = {}, by_status = {}}

function M.reset_stats()
  M.stats = {requests = 0, attempts = 0, retries = 0, failures = 0, by_code = {}, by_status = {}}
end

-- ---- rate cap: a token bucket shared by all requests --------------------------------
local bucket = nil -- {rate = per second, burst = n, tokens = n, last = ms}

local function take_token()
  local b = bucket
  if b == nil then return end
  local now = host.now()
  b.tokens = math.min(b.burst, b.tokens + (now - b.last) * b.rate / 1000)
  b.last = now
  -- take the token now, even into debt, so waiters queue fairly instead of all waking
  -- at once; a debt of d tokens is paid by waiting d / rate seconds
  b.tokens = b.tokens - 1
  if b.tokens < 0 then task.sleep(-b.tokens * 1000 / b.rate) end
end

-- configure{rate = req/s | false, burst = n, max_host_connections = n,
--           max_total_connections = n, <any default> = value}
function M.configure(opts)
  for k, v in pairs(opts) do
    if k == "rate" then
      if v == false or v == nil or v == 0 then
        bucket = nil
      else
        if type(v) ~= "number" or v <= 0 then error("rate must be a positive number", 2) end
        local burst = opts.burst or math.max(1, math.floor(v / 10))
        bucket = {rate = v, burst = burst, tokens = burst, last = host.now()}
      end
    elseif k == "max_host_connections" or k == "max_total_connections" or k == "burst" then
      local _ = v -- applied below / with rate
    elseif M.defaults[k] ~= nil or k == "user_agent" then
      M.defaults[k] = v
    else
      error("unknown http option '" .. tostring(k) .. "'", 2)
    end
  end
  if opts.max_host_connections or opts.max_total_connections then
    M.limits = {max_host_connections = opts.max_host_connections or 0,
                max_total_connections = opts.max_total_connections or 0}
    core.configure(M.limits)
  end
end

-- Retry-After: delta seconds or an HTTP-date; returns milliseconds or nil.
local months = {Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8,
                Sep = 9, Oct = 10, Nov = 11, Dec = 12}
local function retry_after_ms(value)
  if value == nil then return nil end
  local secs = tonumber(value:match("^%s*(%d+)%s*$"))
  if secs then return secs * 1000 end
  local d, mon, y, h, mi, s = value:match("(%d+) (%a%a%a) (%d+) (%d+):(%d+):(%d+) GMT")
  if d and months[mon] then
    local t = os.time({year = tonumber(y), month = months[mon], day = tonumber(d),
                       hour = tonumber(h), min = tonumber(mi), sec = tonumber(s), isdst = false})
    local utc_now = os.time(os.date("!*t"))
    return math.max(0, (t - utc_now) * 1000)
  end
  return nil
end
M._retry_after_ms = retry_after_ms

local function backoff(o, attempt)
  local d = math.min(o.backoff_max_ms, o.backoff_ms * 2 ^ (attempt - 1))
  return d / 2 + math.random() * d / 2 -- "equal jitter": never less than half the step
end

local function merged(opts)
  local o = {}
  for k, v in pairs(M.defaults) do o[k] = v end
  for k, v in pairs(opts) do o[k] = v end
  return o
end

-- With DMHOST_LOOPBACK_ONLY set (the test suite sets it), only 127.0.0.0/8, localhost and
-- [::1] may be reached: a test can never send traffic to a real site by mistake. (A URL
-- whose host part is malformed is left to libcurl, which refuses it as bad_url.)
local loopback_only = os.getenv("DMHOST_LOOPBACK_ONLY")
loopback_only = loopback_only ~= nil and loopback_only ~= "" and loopback_only ~= "0"

local function is_loopback(url)
  local hostpart = url:match("^%a[%w+.-]*://([^/?#]*)") or ""
  hostpart = hostpart:gsub("^.*@", "")
  if hostpart:match("^%[::1%]") then return true end
  local name = hostpart:gsub(":%d*$", ""):lower()
  return name == "localhost" or name:match("^127%.%d+%.%d+%.%d+$") ~= nil
end
M._is_loopback = is_loopback

local function attempt(o)
  return task.await(function(cb) return core.request(o, cb) end)
end

-- request{url=, method=, headers=, body=, timeout_ms=, retries=, ...} -> resp | nil, msg, code
-- resp: status, headers (lower-case names), body, url, http_version, timings, retries.
function M.request(opts)
  if type(opts) ~= "table" then error("request: options table expected", 2) end
  if type(opts.url) ~= "string" then error("request: opts.url must be a string", 2) end
  if not task.is_task() then error("dm.http must be called from a task (dm.task.spawn)", 2) end
  local o = merged(opts)
  local stats = M.stats
  local host_ok = o.url:match("^%a[%w+.-]*://[%w.:@%[%]-]+[/?#]")
    or o.url:match("^%a[%w+.-]*://[%w.:@%[%]-]+$")
  if loopback_only and host_ok and not is_loopback(o.url) then
    stats.requests = stats.requests + 1
    stats.failures = stats.failures + 1
    return nil, "forbidden: DMHOST_LOOPBACK_ONLY allows only loopback hosts (" .. o.url .. ")",
      "forbidden"
  end
  stats.requests = stats.requests + 1
  local tries = 0
  while true do
    take_token()
    stats.attempts = stats.attempts + 1
    local resp, msg, code = attempt(o)
    local wait
    if resp then
      stats.by_status[resp.status] = (stats.by_status[resp.status] or 0) + 1
      if o.retry_status[resp.status] and tries < o.retries then
        local ra = retry_after_ms(resp.headers["retry-after"])
        wait = ra and math.min(ra, o.retry_after_max_ms) or backoff(o, tries + 1)
      else
        resp.retries = tries
        return resp
      end
    else
      stats.by_code[code] = (stats.by_code[code] or 0) + 1
      if o.retry_codes[code] and tries < o.retries then
        wait = backoff(o, tries + 1)
      else
        stats.failures = stats.failures + 1
        if tries > 0 then msg = msg .. string.format(" after %d retries", tries) end
        return nil, msg, code
      end
    end
    tries = tries + 1
    stats.retries = stats.retries + 1
    task.sleep(wait)
  end
end

function M.get(url, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.url, o.method = url, o.method or "GET"
  return M.request(o)
end

function M.post(url, body, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.url, o.method, o.body = url, o.method or "POST", body
  return M.request(o)
end

-- The libcurl version and features (for --version and bug reports).
M.curl_version = core.version

return M
