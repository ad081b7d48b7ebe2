-- dm.repl_helpers: the REPL's diver helpers (issue 4): profile(x), explain(x [, date]),
-- rating(x) and site([url]), where x is a DiveMeets id (number: fetched from the site root),
-- a saved page (string: a file path) or a parse result (table). Each prints a readable view
-- and returns a table that the REPL shows as a one-line summary; an expected failure (file
-- missing, fetch failed, blocked page, bad date) prints one line and returns nothing.
-- dm.repl calls install(_G) when the REPL starts.
local divemeets = require "dm.divemeets"

local M = {}

local fmt = string.format

-- Where output goes (tests replace these).
function M.out(s) io.stdout:write(s) io.stdout:flush() end
function M.err(s) io.stderr:write(s) io.stderr:flush() end

-- HTTP options for fetches from the REPL (dm.http.get's).
M.http = {timeout_ms = 20000, retries = 2}

M.TIME_ZONE = "America/New_York"

local function clean_root(url)
  if type(url) ~= "string" or not url:match("^https?://[^/%s]+") then return nil end
  return (url:gsub("/+$", ""))
end

local site_root = clean_root(os.getenv("DM_DIVEMEETS_URL") or "") or divemeets.site_root

-- site([url]) -> the site root profiles are fetched from (set it with url).
function M.site(url)
  if url ~= nil then
    local root = clean_root(url)
    if not root then error("site: expected an http(s) URL such as http://127.0.0.1:8080", 2) end
    site_root = root
  end
  return site_root
end

---------------------------------------------------------------------------------------------
-- Loading a page: id, file or parse result

local function describe_source(src)
  if src.file then return src.file end
  if src.id then return "id " .. src.id end
  return "the given result"
end

-- load(x) -> result, source | nil, message. result is a dm.divemeets.parse table; source
-- {id=, file=, url=, status=}. A blocked page is returned (the caller decides).
function M.load(x)
  local tx = type(x)
  if tx == "number" then
    local id = math.tointeger(x)
    if not id or id < 0 then return nil, fmt("%s is not a DiveMeets id", tostring(x)) end
    local res, msg = divemeets.fetch(id, {site_root = site_root, http = M.http})
    if not res then return nil, fmt("id %d: fetch failed: %s", id, tostring(msg)) end
    return res, {id = id, url = res.url, status = res.status}
  elseif tx == "string" then
    local f, ferr = io.open(x, "rb")
    if not f then return nil, "cannot read " .. tostring(ferr) end
    local html, rerr = f:read("a")
    f:close()
    if not html then return nil, fmt("cannot read %s: %s", x, tostring(rerr)) end
    local ok, res = pcall(divemeets.parse, html, {site_root = site_root})
    if not ok then return nil, fmt("%s: cannot parse: %s", x, tostring(res)) end
    return res, {file = x}
  elseif tx == "table" and x.kind then
    return x, {}
  end
  return nil, "expected a DiveMeets id (number), a saved page (file path) or a parse result"
    .. fmt(" (got %s)", tx)
end

-- Like load, but a blocked page is a failure too (nothing on it can be shown).
local function load_page(fname, x)
  local res, src = M.load(x)
  if not res then return nil, fname .. ": " .. src end
  if res.kind == "blocked" then
    return nil, fmt("%s: %s: blocked: the site answered with a bot-protection page%s, not a"
      .. " profile (try again later or from another address)", fname, describe_source(src),
      res.status and fmt(" (HTTP %d)", res.status) or "")
  end
  return res, src
end

local function fail(msg)
  M.err(msg .. "\n")
end

-- A table the REPL prints as one line (pretty() uses __tostring).
local function summarized(t, text)
  return setmetatable(t, {__tostring = function() return text end})
end

---------------------------------------------------------------------------------------------
-- Formatting helpers

local function ulen(s)
  return utf8.len(s) or #s
end

-- pads (or cuts, with "~") s to w display columns (UTF-8 aware)
local function pad(s, w)
  s = tostring(s)
  local n = ulen(s)
  if n > w then
    local cut = utf8.offset(s, w) or w
    return s:sub(1, cut - 1) .. "~"
  end
  return s .. string.rep(" ", w - n)
end

local function num(x, decimals)
  if x == nil then return "-" end
  if math.type(x) == "integer" then return tostring(x) end
  return fmt("%." .. (decimals or 2) .. "f", x)
end

local function plural(n, word)
  return fmt("%d %s%s", n, word, n == 1 and "" or "s")
end

local function height(h)
  if h == nil then return "-" end
  if math.type(h) == "float" and h == math.floor(h) then h = math.tointeger(h) end
  return tostring(h) .. " m"
end

local function who(res)
  local info = res.info or {}
  local parts = {}
  if info.divemeets_id then parts[#parts + 1] = tostring(info.divemeets_id) end
  if info.name and info.name ~= "" then parts[#parts + 1] = info.name end
  return table.concat(parts, " ")
end

local INFO_ORDER = {"name", "first_name", "last_name", "gender", "age", "fina_age",
  "hs_grad_year", "city_state", "country", "divemeets_id"}

-- format_stats(stats) -> text: one row per statistics entry.
function M.format_stats(stats)
  local w = 11
  for _, s in ipairs(stats) do
    w = math.max(w, math.min(44, ulen(tostring(s.description or ""))))
  end
  local lines = {fmt("  %3s  %-6s %6s  %s  %6s  %6s  %5s", "#", "dive", "height",
    pad("description", w), "high", "avg", "times")}
  for i, s in ipairs(stats) do
    lines[#lines + 1] = fmt("  %3d  %-6s %6s  %s  %6s  %6s  %5s", i, tostring(s.number or "?"),
      height(s.height), pad(s.description or "", w), num(s.high_score), num(s.avg_score),
      num(s.times))
  end
  return table.concat(lines, "\n")
end

-- format_profile(result, source) -> text
function M.format_profile(res, src)
  src = src or {}
  local lines = {}
  local from = src.file and ("file " .. src.file)
    or src.url and fmt("%s (HTTP %s)", src.url, tostring(src.status)) or nil
  lines[#lines + 1] = fmt("kind      %s%s", res.kind, from and ("   from " .. from) or "")
  if res.kind == "no_profile" then
    lines[#lines + 1] = "          no diver profile at this id (the job treats it as gone)"
  end
  local info = res.info
  if info then
    local seen = {}
    for _, k in ipairs(INFO_ORDER) do
      seen[k] = true
      local v = info[k]
      lines[#lines + 1] = fmt("%-13s %s", k, v == nil and "-" or tostring(v))
    end
    local extra = {}
    for k in pairs(info) do if not seen[k] then extra[#extra + 1] = k end end
    table.sort(extra)
    for _, k in ipairs(extra) do lines[#lines + 1] = fmt("%-13s %s", k, tostring(info[k])) end
  end
  if res.stats then
    lines[#lines + 1] = "stats     " .. plural(#res.stats, "row")
    if #res.stats > 0 then lines[#lines + 1] = M.format_stats(res.stats) end
  elseif res.kind == "profile" then
    lines[#lines + 1] = "stats     none (no Dive Statistics table)"
  end
  if res.warnings and #res.warnings > 0 then
    lines[#lines + 1] = "warnings  " .. table.concat(res.warnings, "; ")
  end
  return table.concat(lines, "\n")
end

---------------------------------------------------------------------------------------------
-- profile(x)

-- profile(x) -> parse result (shown as a one-line summary) | nothing (one line on stderr)
function M.profile(x)
  local res, src = load_page("profile", x)
  if not res then return fail(src) end
  M.out(M.format_profile(res, src) .. "\n")
  local text = fmt("<%s%s: %s>", res.kind, res.info and (" " .. who(res)) or "",
    plural(res.stats and #res.stats or 0, "stats row"))
  return summarized(res, text)
end

---------------------------------------------------------------------------------------------
-- explain(x [, date])

local checkers = {}

local function checker_for(date)
  local rules = require "dm.rules"
  if not checkers[date] then
    local ok, c = pcall(rules.eligibility, date)
    if not ok then return nil, (tostring(c):gsub("^.-dm%.rules%.eligibility: ", "")) end
    checkers[date] = c
  end
  return checkers[date]
end

-- explain(x [, date]) -> {eligible=, rule=, reason=, text=, run_date=} | nothing
-- date: the run date yyyy-MM-dd (default today in America/New_York).
function M.explain(x, date)
  if date == nil then
    local err
    date, err = require("dm.core.time").today(M.TIME_ZONE)
    if not date then return fail("explain: cannot tell today's date: " .. tostring(err)) end
  elseif type(date) ~= "string" then
    return fail(fmt("explain: the date must be a string yyyy-MM-dd (got %s)", type(date)))
  end
  local checker, cerr = checker_for(date)
  if not checker then return fail("explain: " .. cerr) end
  local res, src = load_page("explain", x)
  if not res then return fail(src) end
  local rules = require "dm.rules"
  local text, eligible, rule, reason = rules.explain(res, checker)
  local fa, gy = checker.fina_age, checker.hs_grad_year
  local lines = {text,
    fmt("  rules for run date %s: eligible if FINA age is %d-%d, or else if the graduation"
      .. " year is %d-%d", date, fa.min, fa.max, gy.first, gy.last)}
  if res.kind == "profile" then
    local info = res.info or {}
    lines[#lines + 1] = fmt("  profile: FINA age %s, graduation year %s%s",
      info.fina_age == nil and "absent" or tostring(info.fina_age),
      info.hs_grad_year == nil and "absent" or tostring(info.hs_grad_year),
      src.file and ("  (" .. src.file .. ")") or "")
    lines[#lines + 1] = "  decided by: " .. (rule == "none" and "no rule matched" or
      (rule == "fina_age" and "the FINA age window" or "the graduation-year window"))
  end
  M.out(table.concat(lines, "\n") .. "\n")
  return summarized({eligible = eligible, rule = rule, reason = reason, text = text,
    run_date = date}, fmt("<%s (%s)>", eligible and "eligible" or "not eligible", rule))
end

---------------------------------------------------------------------------------------------
-- rating(x)

local EVENTS = {"1m", "3m", "platform"}
local GROUPS = {"front", "back", "reverse", "inward", "twist", "armstand"}

-- format_rating(r, stats, policy) -> text: the chosen dives of each event with their arithmetic
-- (avg x DD x (base - 1/times) = value) and the totals.
function M.format_rating(r, stats, policy)
  local base = policy.times_weight_base
  local lines = {}
  local rows = {["1m"] = 0, ["3m"] = 0, platform = 0}
  local armstand = false
  for _, s in ipairs(stats) do
    if type(s.number) == "string" and s.number:sub(1, 1) == "6" then armstand = true end
    local h = tonumber(s.height)
    if h then
      local e = h <= policy.event_1m_max_height_m and "1m"
        or h <= policy.event_3m_max_height_m and "3m" or "platform"
      rows[e] = rows[e] + 1
    end
  end
  local bs = num(base, 2)
  for _, e in ipairs(EVENTS) do
    local ev = r.events[e]
    lines[#lines + 1] = fmt("%s: %s, %s chosen, value %s", e, plural(rows[e], "stats row"),
      plural(#ev.dives, "dive"), num(ev.value, 2))
    for _, d in ipairs(ev.dives) do
      local role = d.sixth and "sixth dive" or ("best " .. (GROUPS[d.group] or "?"))
      lines[#lines + 1] = fmt("  %-6s %6s  %-14s %6s x %3s x (%s - 1/%d = %.4f) = %7s",
        d.number, height(d.height), role, num(d.avg_score), num(d.dd, 1), bs, d.times, d.weight,
        num(d.value))
    end
  end
  local ev = r.events
  lines[#lines + 1] = fmt("springboard = 1m + 3m = %s + %s = %s", num(ev["1m"].value),
    num(ev["3m"].value), num(r.springboard))
  lines[#lines + 1] = fmt("platform    = %s", num(r.platform))
  lines[#lines + 1] = fmt("total       = springboard + platform = %s + %s = %s",
    num(r.springboard), num(r.platform), num(r.total))
  if r.empty then
    lines[#lines + 1] = "empty: no row could be rated; the job skips this diver (no_rated_dives)"
  end
  if r.unknown_dd > 0 or r.ignored > 0 then
    lines[#lines + 1] = fmt("unknown DD %d (code %d, height %d), rows ignored %d", r.unknown_dd,
      r.unknown_code, r.unknown_height, r.ignored)
  end
  for _, w in ipairs(r.warnings or {}) do lines[#lines + 1] = "warning: " .. w end
  if armstand and not policy.count_armstand_best then
    lines[#lines + 1] = "(as in the app, the best armstand dive is not counted; an armstand dive"
      .. " can count only as the sixth dive)"
  end
  return table.concat(lines, "\n")
end

-- rating(x) -> the dm.rating.compute result (shown as a one-line summary) | nothing
function M.rating(x)
  local res, src = load_page("rating", x)
  if not res then return fail(src) end
  if res.kind ~= "profile" then
    return fail(fmt("rating: %s: no diver profile (%s), nothing to rate", describe_source(src),
      res.kind))
  end
  local name = who(res)
  if not res.stats or #res.stats == 0 then
    return fail(fmt("rating: %s: no Dive Statistics on this profile, nothing to rate (the job"
      .. " skips it: no_statistics)", name ~= "" and name or describe_source(src)))
  end
  local rating = require "dm.rating"
  local ok, r = pcall(rating.compute, res.stats)
  if not ok then return fail("rating: " .. tostring(r)) end
  local policy = rating.policy()
  M.out(fmt("rating of %s (%s)\n", name ~= "" and name or describe_source(src),
    plural(#res.stats, "stats row")))
  M.out(M.format_rating(r, res.stats, policy) .. "\n")
  return summarized(r, fmt("<total %s = springboard %s + platform %s>", num(r.total),
    num(r.springboard), num(r.platform)))
end

---------------------------------------------------------------------------------------------

-- install(env): profile, explain, rating and site as globals of the REPL.
function M.install(env)
  env.profile = M.profile
  env.explain = M.explain
  env.rating = M.rating
  env.site = M.site
  return env
end

return M
