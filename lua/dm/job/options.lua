-- dm.job.options: the command line shared by jobs/weekly.lua, jobs/scan.lua and
-- jobs/update.lua: parsing, validation (one clear line per mistake), --help text, the
-- original's JSON event form, and an optional --config file (a sandboxed Lua table).
local rules = require "dm.rules"
local json = require "dm.json"
local ctime = require "dm.core.time"

local M = {}

M.TIME_ZONE = "America/New_York"

-- Every option: name, value kind, default, which jobs take it, help.
M.spec = {
  {"start-index", "index", 25000, "weekly scan", "first DiveMeets id to scan (inclusive)"},
  {"end-index", "index", 150000, "weekly scan", "last DiveMeets id to scan (inclusive)"},
  {"event", "event", nil, "weekly scan",
    "the original's JSON input, e.g. '{\"start_index\":\"25000\",\"end_index\":\"150000\"}'"},
  {"date", "date", nil, "weekly scan update",
    "the run date yyyy-MM-dd (default: today in America/New_York)"},
  {"input-date", "date", nil, "update", "the date of the published id list to read"},
  {"divemeets-url", "url", "https://secure.meetcontrol.com", "weekly scan update",
    "the DiveMeets site root (pages at /divemeets/system/profile.php?number=N)"},
  {"state-dir", "path", "./var", "weekly scan update", "where lists, table, reports live"},
  {"config", "path", nil, "weekly scan update", "a Lua file with defaults for these options"},
  {"concurrency", "count", 8, "weekly scan update", "profile requests in flight at most"},
  {"rate", "rate", 60, "weekly scan update", "profile requests per second at most (0: no cap)"},
  {"timeout-ms", "count", 20000, "weekly scan update", "time allowed for one request"},
  {"retries", "count0", 4, "weekly scan update", "retries of a failed request"},
  {"dry-run", "flag", false, "weekly update", "show what would change, write nothing"},
  {"resume", "flag", false, "weekly scan", "continue an interrupted scan of the same date"},
  {"help", "flag", false, "weekly scan update", "show this help"},
}

local by_name = {}
for _, o in ipairs(M.spec) do by_name[o[1]] = o end

local function key(name) return (name:gsub("-", "_")) end

local function valid_date(s)
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return false end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 then return false end
  local days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
  if m == 2 and (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then days[2] = 29 end
  return d <= days[m]
end
M.valid_date = valid_date

-- Converts one value; returns value or nil, reason.
local function convert(kind, s)
  if kind == "index" then
    if type(s) == "number" and math.type(s) == "integer" and s >= 0 then return s end
    if type(s) ~= "string" or not s:match("^%d+$") or #s > 9 then
      return nil, "must be digits only (got " .. string.format("%q", tostring(s)) .. ")"
    end
    return tonumber(s)
  elseif kind == "count" or kind == "count0" then
    local n = math.tointeger(tonumber(s))
    local min = kind == "count" and 1 or 0
    if not n or n < min then return nil, "must be a whole number >= " .. min end
    return n
  elseif kind == "rate" then
    local n = tonumber(s)
    if not n or n < 0 then return nil, "must be a number >= 0" end
    return n
  elseif kind == "date" then
    if type(s) ~= "string" or not valid_date(s) then
      return nil, "must be a date yyyy-MM-dd (got " .. string.format("%q", tostring(s)) .. ")"
    end
    return s
  elseif kind == "url" then
    if type(s) ~= "string" or not s:match("^https?://[^/%s]+") then
      return nil, "must be an http(s) URL"
    end
    return (s:gsub("/+$", ""))
  end
  return s
end

function M.usage(job)
  local lines = {string.format("usage: dmhost jobs/%s.lua [options]", job), "", "options:"}
  for _, o in ipairs(M.spec) do
    if (" " .. o[4] .. " "):find(" " .. job .. " ", 1, true) then
      local arg = o[2] == "flag" and "" or " " .. (o[2] == "path" and "PATH" or o[2]:upper())
      local dflt = o[3] ~= nil and o[3] ~= false and string.format(" [%s]", tostring(o[3])) or ""
      lines[#lines + 1] = string.format("  --%-28s %s%s", o[1] .. arg, o[5], dflt)
    end
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Exit status: 0 success, 1 the run failed (see the report), 2 usage error."
  return table.concat(lines, "\n")
end

local config_schema = rules.record({
  divemeets_url = rules.string{optional = true},
  state_dir = rules.string{optional = true},
  concurrency = rules.integer{min = 1, optional = true},
  rate = rules.number{min = 0, optional = true},
  timeout_ms = rules.integer{min = 1, optional = true},
  retries = rules.integer{min = 0, optional = true},
  start_index = rules.integer{min = 0, optional = true},
  end_index = rules.integer{min = 0, optional = true},
})

-- parse(argv, job) -> opts | nil, message (a usage error: print it and exit 2)
-- opts has one key per option (dashes as underscores) plus opts.run_date.
function M.parse(argv, job)
  local given = {}
  local i = 1
  while i <= #argv do
    local a = argv[i]
    local name, inline = a:match("^%-%-([%w%-]+)=(.*)$")
    name = name or a:match("^%-%-([%w%-]+)$")
    local o = name and by_name[name]
    if not o or not (" " .. o[4] .. " "):find(" " .. job .. " ", 1, true) then
      return nil, string.format("unknown option '%s' (see --help)", a)
    end
    if o[2] == "flag" then
      if inline then return nil, string.format("--%s takes no value", name) end
      given[key(name)] = true
    else
      local v = inline
      if v == nil then
        i = i + 1
        v = argv[i]
        if v == nil or v:match("^%-%-%a") then
          return nil, string.format("--%s needs a value", name)
        end
      end
      local cv, why = convert(o[2], v)
      if cv == nil then return nil, string.format("--%s %s", name, why) end
      given[key(name)] = cv
    end
    i = i + 1
  end
  if given.help then return {help = true, usage = M.usage(job)} end

  local opts = {}
  for _, o in ipairs(M.spec) do opts[key(o[1])] = o[3] end
  if given.config then
    local conf, err = rules.try_load(given.config, config_schema)
    if not conf then return nil, err end
    for k, v in pairs(conf) do
      local o = by_name[k:gsub("_", "-")]
      local cv, why = convert(o[2], v)
      if cv == nil then return nil, string.format("%s: %s %s", given.config, k, why) end
      opts[k] = cv
    end
  end
  if given.event then
    local ev, err = json.decode(given.event)
    if type(ev) ~= "table" or json.is_array(ev) then
      return nil, "--event must be a JSON object like " ..
        '{"start_index":"25000","end_index":"150000"}' .. (err and (": " .. err) or "")
    end
    for k in pairs(ev) do
      if k ~= "start_index" and k ~= "end_index" then
        return nil, string.format("--event has an unknown key %q", tostring(k))
      end
    end
    for _, k in ipairs({"start_index", "end_index"}) do
      if ev[k] == nil then return nil, string.format("--event needs %s", k) end
      local cv, why = convert("index", ev[k])
      if cv == nil then return nil, string.format("--event %s %s", k, why) end
      opts[k] = cv
    end
  end
  for k, v in pairs(given) do opts[k] = v end
  if opts.start_index > opts.end_index then
    return nil, string.format("--start-index %d is after --end-index %d", opts.start_index,
      opts.end_index)
  end
  opts.run_date = opts.date or ctime.today(M.TIME_ZONE)
  if job == "update" and not opts.input_date then
    return nil, "--input-date yyyy-MM-dd is required (the date of the list to read)"
  end
  return opts
end

return M
