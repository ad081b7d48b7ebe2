-- dm.json: JSON for jobs, over the C codec dm.core.json (core/ljson.c, no lua-cjson).
-- Integers stay integers, floats round-trip, [] and {} survive decode -> encode,
-- null is json.null, output is deterministic (keys sorted) unless asked otherwise.
local core = require("dm.core.json")

local type, pairs, tostring, pcall, error = type, pairs, tostring, pcall, error
local getmetatable, setmetatable = getmetatable, setmetatable
local core_encode, core_decode = core.encode, core.decode

local M = {}

-- The null sentinel: decode gives it for JSON null, encode writes null for it.
-- It is a light userdata NULL, the same value as cjson.null.
M.null = core.null
-- Metatables carried by decoded arrays and objects; set them to force the JSON type.
M.array_mt = core.array_mt
M.object_mt = core.object_mt

local ENCODE_OPTS = {pretty = "boolean", sort_keys = "boolean", empty_table = "string",
                     max_depth = "number"}
local DECODE_OPTS = {max_depth = "number"}

local function check_opts(fname, opts, known)
  if opts == nil then return end
  if type(opts) ~= "table" then
    error(fname .. ": options must be a table, got " .. type(opts), 3)
  end
  for k, v in pairs(opts) do
    local want = known[k]
    if want == nil then
      error(fname .. ": unknown option '" .. tostring(k) .. "'", 3)
    elseif type(v) ~= want then
      error(fname .. ": option '" .. k .. "' must be a " .. want .. ", got " .. type(v), 3)
    end
  end
end

local function mark(fname, t, mt)
  if t == nil then return setmetatable({}, mt) end
  if type(t) ~= "table" then
    error(fname .. ": expected a table, got " .. type(t), 3)
  end
  local old = getmetatable(t)
  if old ~= nil and old ~= M.array_mt and old ~= M.object_mt then
    error(fname .. ": the table already has a metatable of its own", 3)
  end
  return setmetatable(t, mt)
end

-- json.array([t]) -> t: t (or a new table) always encodes as a JSON array ([] when empty).
function M.array(t)
  return mark("json.array", t, M.array_mt)
end

-- json.object([t]) -> t: t (or a new table) always encodes as a JSON object ({} when empty);
-- integer keys are written as strings.
function M.object(t)
  return mark("json.object", t, M.object_mt)
end

-- json.is_array(v) -> boolean: v is a table marked as an array (decoded or json.array()).
function M.is_array(v)
  return type(v) == "table" and getmetatable(v) == M.array_mt
end

-- json.encode(v [, opts]) -> string. opts: pretty (false), sort_keys (true),
-- empty_table ("object" or "array": how an unmarked empty table is written; "object"),
-- max_depth (1000). Raises for values JSON cannot carry, naming where: "... at $.a[3]".
function M.encode(v, opts)
  check_opts("json.encode", opts, ENCODE_OPTS)
  local ok, res = pcall(core_encode, v, opts)
  if not ok then error(res, 2) end
  return res
end

-- json.decode(s [, opts]) -> value, or nil and "message at line L col C" for bad input.
-- opts: max_depth (1000). Arrays get json.array_mt, objects json.object_mt.
function M.decode(s, opts)
  if type(s) ~= "string" then
    error("json.decode: expected a string, got " .. type(s), 2)
  end
  check_opts("json.decode", opts, DECODE_OPTS)
  return core_decode(s, opts)
end

return M
