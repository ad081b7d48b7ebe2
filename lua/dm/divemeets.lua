-- dm.divemeets: DiveMeets profile pages: the URL of a profile, fetch + classify + extract.
-- Parsing is C (dm.core.divemeets, core/divemeets.c); see docs/divemeets.md for the result
-- shape, the classification rules, the name-splitting rule and the differences from the
-- original Python parser.
local core = require("dm.core.divemeets")

local type, tostring, error = type, tostring, error
local string_format = string.format

local M = {}

-- Where profiles live; jobs and tests point it elsewhere (e.g. the local page server).
M.site_root = core.SITE_ROOT

local function check_id(id, fname)
  local n = math.tointeger(tonumber(id))
  if n == nil or n < 0 then
    error(string_format("%s: id must be a non-negative integer (got %s)", fname, tostring(id)),
      3)
  end
  return n
end

-- parse(html [, id | opts]) -> {kind=, info=?, stats=?, warnings={...}}
-- opts: id, status (HTTP status when known), site_root (for resolving links; default
-- M.site_root), stats (false: do not look for the Dive Statistics table).
function M.parse(html, id_or_opts)
  if type(html) ~= "string" then
    error("parse: html must be a string, got " .. type(html), 2)
  end
  local opts
  if type(id_or_opts) == "table" then
    opts = {}
    for k, v in pairs(id_or_opts) do opts[k] = v end
    if opts.id ~= nil then opts.id = check_id(opts.id, "parse") end
  elseif id_or_opts ~= nil then
    opts = {id = check_id(id_or_opts, "parse")}
  else
    opts = {}
  end
  if opts.site_root == nil then opts.site_root = M.site_root end
  return core.parse(html, opts)
end

-- profile_url(id [, site_root]) -> "https://.../divemeets/system/profile.php?number=<id>"
function M.profile_url(id, site_root)
  return core.profile_url(check_id(id, "profile_url"), site_root or M.site_root)
end

-- fetch(id [, opts]) -> result (parse's table plus status, url) | nil, message, code
-- Must run inside a task. opts: site_root, stats (as parse), http (options for dm.http.get,
-- e.g. timeout_ms, retries). A 403/429 or a bot-protection page gives kind "blocked"; a 5xx
-- after dm.http's retries gives nil, "http 503 <url>", "http_status" so the caller counts it
-- as an error; transport failures give dm.http's nil, message, code.
function M.fetch(id, opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("fetch: opts must be a table", 2) end
  local n = check_id(id, "fetch")
  local root = opts.site_root or M.site_root
  local url = core.profile_url(n, root)
  local resp, msg, code = require("dm.http").get(url, opts.http)
  if not resp then return nil, msg, code end
  if resp.status >= 500 then
    return nil, string_format("http %d %s", resp.status, url), "http_status"
  end
  local result = core.parse(resp.body or "", {
    id = n, status = resp.status, site_root = root, stats = opts.stats,
  })
  result.status = resp.status
  result.url = url
  return result
end

return M
