-- dm.log: levelled logging for jobs: "HH:MM:SS INFO  msg k=v" on a terminal (coloured),
-- JSON lines ({"ts":..,"level":..,"msg":..,fields}) otherwise, to stderr or a chosen sink,
-- plus a progress reporter (a redrawn line on a terminal, periodic log lines otherwise).
local json = require("dm.json")

local type, tostring, tonumber, pairs, ipairs = type, tostring, tonumber, pairs, ipairs
local pcall, error, setmetatable = pcall, error, setmetatable
local fmt, floor, huge = string.format, math.floor, math.huge
local sort, concat = table.sort, table.concat

local M = {}

local LEVELS = {debug = 10, info = 20, warn = 30, error = 40}
local NAMES = {"debug", "info", "warn", "error"}
local LABEL = {debug = "DEBUG", info = "INFO ", warn = "WARN ", error = "ERROR"}
local COLOR = {debug = "\27[2m", info = "\27[32m", warn = "\27[33m", error = "\27[1;31m"}
local RESET, DIM, CLEAR_LINE = "\27[0m", "\27[2m", "\r\27[K"

-- Host services, each with a fallback so the module also loads in a bare Lua 5.4.
local host, time
do
  local ok, m = pcall(require, "dm.core.host")
  host = ok and m or nil
  ok, m = pcall(require, "dm.core.time")
  time = ok and m or nil
end

local function default_clock() -- milliseconds, monotonic
  if host and host.now then return host.now() end
  if time and time.mono_ms then return time.mono_ms() end
  return os.clock() * 1000 -- CPU time: only a last resort
end

local function iso_now()
  if time and time.iso_utc then return time.iso_utc() end
  return os.date("!%Y-%m-%dT%H:%M:%S") .. fmt(".%03dZ", floor(default_clock()) % 1000)
end

local function stderr_is_tty()
  if host and host.isatty then return host.isatty(2) end
  return false
end

-- Current configuration; see M.configure.
local cfg = {
  threshold = LEVELS.info,
  sink = nil,      -- nil: io.stderr
  format = "auto", -- "auto" (text on a terminal, else json), "text" or "json"
  color = nil,     -- nil: colour when text goes to a terminal and NO_COLOR is unset
  clock = default_clock,
}
local startup_warning

do
  local env = os.getenv("DM_LOG_LEVEL")
  if env and env ~= "" then
    local lv = LEVELS[env:lower()]
    if lv then
      cfg.threshold = lv
    else
      startup_warning = "DM_LOG_LEVEL=" .. env .. " is not one of debug, info, warn, error; "
        .. "using info"
    end
  end
  local f = os.getenv("DM_LOG_FORMAT")
  if f == "text" or f == "json" then cfg.format = f end
end

-- Is the output a terminal? Only the default sink (stderr) can be.
local function to_tty()
  return cfg.sink == nil and stderr_is_tty()
end

local function use_text()
  if cfg.format == "auto" then return to_tty() end
  return cfg.format == "text"
end

local function use_color()
  if cfg.color ~= nil then return cfg.color end
  local nc = os.getenv("NO_COLOR")
  return to_tty() and (nc == nil or nc == "")
end

-- Write raw bytes (no newline added) to the sink.
local function write_raw(s)
  local sink = cfg.sink
  if sink == nil then
    io.stderr:write(s)
  elseif type(sink) == "function" then
    sink(s)
  else
    sink:write(s)
  end
end

local function write_line(line)
  if type(cfg.sink) == "function" then
    cfg.sink(line)
  else
    write_raw(line .. "\n")
  end
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "string" or ta == "number" then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

-- A value as JSON; never raises (a value JSON cannot carry becomes its tostring).
local function json_value(v)
  local ok, s = pcall(json.encode, v)
  if ok then return s end
  return json.encode(tostring(v))
end

-- A value for a text line: bare if simple, quoted if it has spaces or quotes.
local function text_value(v)
  local tv = type(v)
  if tv == "string" then
    if v == "" or v:find("[%s\"=%c]") then
      return (fmt("%q", v):gsub("\\\n", "\\n"))
    end
    return v
  elseif tv == "table" then
    return json_value(v)
  elseif v == json.null then
    return "null"
  end
  return tostring(v)
end

local RESERVED = {ts = true, level = true, msg = true}

local function format_json(level, msg, fields)
  local parts = {'{"ts":', json.encode(iso_now()), ',"level":"', level, '","msg":',
                 json_value(msg)}
  if fields then
    for _, k in ipairs(sorted_keys(fields)) do
      local name = tostring(k)
      if RESERVED[name] then name = "field_" .. name end
      parts[#parts + 1] = ","
      parts[#parts + 1] = json.encode(name)
      parts[#parts + 1] = ":"
      parts[#parts + 1] = json_value(fields[k])
    end
  end
  parts[#parts + 1] = "}"
  return concat(parts)
end

local function format_text(level, msg, fields, color)
  local parts = {os.date("%H:%M:%S"), " "}
  if color then
    parts[#parts + 1] = COLOR[level] .. LABEL[level] .. RESET
  else
    parts[#parts + 1] = LABEL[level]
  end
  parts[#parts + 1] = " "
  parts[#parts + 1] = tostring(msg)
  if fields then
    for _, k in ipairs(sorted_keys(fields)) do
      local key = tostring(k) .. "="
      parts[#parts + 1] = " "
      parts[#parts + 1] = (color and DIM .. key .. RESET or key) .. text_value(fields[k])
    end
  end
  return concat(parts)
end

local active_progress -- the progress line shown on the terminal, if any

-- log.log(level, msg [, fields]): the general form of log.info and friends.
function M.log(level, msg, fields)
  local lv = LEVELS[level]
  if not lv then error("log: unknown level '" .. tostring(level) .. "'", 2) end
  if lv < cfg.threshold then return end
  if fields ~= nil and type(fields) ~= "table" then
    error("log." .. level .. ": fields must be a table, got " .. type(fields), 3)
  end
  local line
  if use_text() then
    line = format_text(level, msg, fields, use_color())
  else
    line = format_json(level, msg, fields)
  end
  local p = active_progress
  if p and p.shown then write_raw(CLEAR_LINE) end
  write_line(line)
  if p and p.shown then p:_draw(true) end
end

for _, name in ipairs(NAMES) do
  M[name] = function(msg, fields) return M.log(name, msg, fields) end
end

-- log.enabled(level) -> boolean: would a line at this level be written?
function M.enabled(level)
  local lv = LEVELS[level]
  if not lv then error("log.enabled: unknown level '" .. tostring(level) .. "'", 2) end
  return lv >= cfg.threshold
end

-- log.set_level(name): "debug", "info", "warn" or "error".
function M.set_level(name)
  local lv = type(name) == "string" and LEVELS[name:lower()]
  if not lv then
    error("log.set_level: unknown level '" .. tostring(name) .. "' (debug, info, warn, error)", 2)
  end
  cfg.threshold = lv
end

-- log.level() -> the current threshold's name.
function M.level()
  for _, name in ipairs(NAMES) do
    if LEVELS[name] == cfg.threshold then return name end
  end
end

-- log.configure{level=, sink=, format=, color=, clock=} -> previous settings (a table that
-- can be passed back to configure to restore them). sink: a function(line) receiving each
-- line without its newline, or a file (anything with :write); false restores stderr.
-- format: "auto" | "text" | "json". color: true/false, or false-y to decide automatically
-- (pass "auto"). clock: a function returning monotonic milliseconds (for tests).
function M.configure(opts)
  if type(opts) ~= "table" then error("log.configure: expected a table", 2) end
  local prev = {level = M.level(), sink = cfg.sink or false, format = cfg.format,
                color = cfg.color == nil and "auto" or cfg.color, clock = cfg.clock}
  for k, v in pairs(opts) do
    if k == "level" then
      M.set_level(v)
    elseif k == "sink" then
      if v == false then
        cfg.sink = nil
      elseif type(v) == "function" or (type(v) == "userdata" or type(v) == "table")
        and v.write then
        cfg.sink = v
      else
        error("log.configure: sink must be a function, a file or false", 2)
      end
    elseif k == "format" then
      if v ~= "auto" and v ~= "text" and v ~= "json" then
        error("log.configure: format must be \"auto\", \"text\" or \"json\"", 2)
      end
      cfg.format = v
    elseif k == "color" then
      if v == "auto" then cfg.color = nil else cfg.color = not not v end
    elseif k == "clock" then
      if type(v) ~= "function" then error("log.configure: clock must be a function", 2) end
      cfg.clock = v
    else
      error("log.configure: unknown option '" .. tostring(k) .. "'", 2)
    end
  end
  return prev
end

-- ---------------------------------------------------------------- progress

local function mmss(seconds)
  if seconds == nil or seconds ~= seconds or seconds == huge then return "--:--" end
  seconds = floor(seconds + 0.5)
  if seconds >= 3600 then
    return fmt("%d:%02d:%02d", seconds // 3600, seconds % 3600 // 60, seconds % 60)
  end
  return fmt("%02d:%02d", seconds // 60, seconds % 60)
end

local function rate_str(r)
  if r >= 100 then return fmt("%.0f/s", r) end
  if r >= 10 then return fmt("%.1f/s", r) end
  return fmt("%.2f/s", r)
end

local Progress = {}
Progress.__index = Progress

function Progress:_stats(now)
  local elapsed_s = (now - self.started) / 1000
  local rate = elapsed_s > 0 and self.count / elapsed_s or 0
  local eta_s
  if self.total and self.total > 0 and rate > 0 then
    eta_s = math.max(self.total - self.count, 0) / rate
  end
  return elapsed_s, rate, eta_s
end

function Progress:_draw(force)
  local now = cfg.clock()
  if not force and now - self.last_draw < self.redraw_ms then return end
  self.last_draw = now
  local _, rate, eta_s = self:_stats(now)
  local line = self.label .. "  " .. self.count .. (self.total and ("/" .. self.total) or "")
    .. "  " .. rate_str(rate)
  if self.total then line = line .. "  ETA " .. mmss(eta_s) end
  write_raw(CLEAR_LINE .. line)
  self.shown = true
end

function Progress:_emit(now)
  local elapsed_s, rate, eta_s = self:_stats(now)
  local batch = self.count - self.mark_count
  local batch_s = (now - self.mark_time) / 1000
  self.mark_count, self.mark_time = self.count, now
  local msg = fmt("%s [%d%s] last %d: %.1f s, elapsed: %.1f s", self.label, self.count,
                  self.total and ("/" .. self.total) or "", batch, batch_s, elapsed_s)
  M.log(self.level, msg, {done = self.count, total = self.total,
                          rate_per_s = floor(rate * 100 + 0.5) / 100,
                          eta_s = eta_s and floor(eta_s + 0.5) or nil})
end

-- progress:tick([n]): n more items done (default 1).
function Progress:tick(n)
  n = n or 1
  if type(n) ~= "number" then error("progress:tick: n must be a number", 2) end
  if self.finished then return end
  self.count = self.count + n
  if self.tty then
    self:_draw(false)
    return
  end
  local now = cfg.clock()
  local due = (self.every_n and self.count - self.mark_count >= self.every_n)
    or (self.every_ms and now - self.mark_time >= self.every_ms)
  if due then self:_emit(now) end
end

-- progress:done(): clear the terminal line and log a summary line (once).
function Progress:done()
  if self.finished then return end
  self.finished = true
  if active_progress == self then active_progress = nil end
  if self.shown then write_raw(CLEAR_LINE) end
  self.shown = false
  local now = cfg.clock()
  local elapsed_s, rate = self:_stats(now)
  elapsed_s = tonumber(fmt("%.1f", elapsed_s))
  M.log(self.level, fmt("%s done: %d%s in %.1f s (%s)", self.label, self.count,
                        self.total and ("/" .. self.total) or "", elapsed_s, rate_str(rate)),
        {done = self.count, total = self.total, elapsed_s = elapsed_s})
end

Progress.__close = Progress.done

-- log.progress(total [, opts]) -> progress with :tick(n) and :done(). total may be nil.
-- opts: label ("progress"); on a terminal, redraw_ms (100) between redraws; otherwise
-- every_ms (10000) and/or every_n (items) between log lines; level ("info");
-- tty (force terminal mode on or off).
function M.progress(total, opts)
  opts = opts or {}
  if total ~= nil and (type(total) ~= "number" or total < 0) then
    error("log.progress: total must be a non-negative number or nil", 2)
  end
  if type(opts) ~= "table" then error("log.progress: opts must be a table", 2) end
  local tty = opts.tty
  if tty == nil then tty = to_tty() end
  local now = cfg.clock()
  local every_ms = opts.every_ms
  if every_ms == nil and opts.every_n == nil then every_ms = 10000 end
  local p = setmetatable({
    total = total, count = 0, label = opts.label or "progress", level = opts.level or "info",
    tty = tty, redraw_ms = opts.redraw_ms or 100, every_ms = every_ms, every_n = opts.every_n,
    started = now, last_draw = -huge, mark_time = now, mark_count = 0,
    shown = false, finished = false,
  }, Progress)
  if not LEVELS[p.level] then
    error("log.progress: unknown level '" .. tostring(p.level) .. "'", 2)
  end
  if tty then active_progress = p end
  return p
end

if startup_warning then M.warn(startup_warning) end

-- Exposed for tests and tools; not part of the stable API.
M._format_text, M._format_json, M._mmss = format_text, format_json, mmss

return M
