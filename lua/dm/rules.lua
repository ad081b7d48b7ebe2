-- dm.rules: analyst-editable rules files, loaded in a sandbox and checked against a schema,
-- plus the checkers the jobs build from them (eligibility, explain, filters, safety).
--
--   rules.load(path, schema) -> tbl            raises ONE line: "rules/x.lua:7: fina_age.min must
--   rules.try_load(path, schema) -> tbl | nil, msg     be an integer (got string "14")"
--   rules.validate(value, schema, name [, src]) -> true | nil, msg
--   schema constructors: rules.number{min=,max=}, rules.integer{...}, rules.string{pattern=,
--     enum=}, rules.boolean{}, rules.func{}, rules.record(fields, {check=fn}),
--     rules.array(item, {min_len=, max_len=}); every one takes optional = true.
--   rules.path(name) -> "<root>/rules/<name>"   (the rules folder next to lua/)
--   rules.eligibility(run_date [, rules_or_path]) -> checker
--     checker.check(info) -> eligible, rule ("fina_age"|"hs_grad_year"|"none"), reason
--     checker.fina_age = {min=, max=}, checker.hs_grad_year = {first=, last=}
--   rules.explain(profile, ctx) -> text, eligible, rule, reason
--   rules.load_filters([path]) -> tbl;  rules.read_ids(path) -> set, count, absent | nil, msg
--   rules.filters{path=, state_dir=, linked=} -> filter
--     filter.excluded(id) -> nil | "linked" | "exclude_ids";  filter.linked_count
--     filter.safety(counts) -> true | false, reason
--   rules.safety_check(safety_tbl, counts [, name]) -> true | false, reason
--
-- The sandbox: a rules file sees only pairs, ipairs, next, select, type, tostring, tonumber,
-- error and copies of math (no random), string (no dump) and table. Reading any other name
-- raises "unknown name 'x'", assigning a global raises, bytecode is refused, and an
-- instruction-count hook stops endless loops (on load and on every call of a rules function).
local M = {}

local fmt = string.format

-- Instruction budgets: loading a file, and one call of a function defined in a rules file.
M.max_load_instructions = 10000000
M.max_call_instructions = 1000000
local HOOK_EVERY = 1000

---------------------------------------------------------------------------------------------
-- Sandbox

local ALLOWED = {"pairs", "ipairs", "next", "select", "type", "tostring", "tonumber", "error"}
local ALLOWED_LIST = "error, ipairs, math, next, pairs, select, string, table, tonumber, " ..
  "tostring, type"

local function copy_lib(lib, without)
  local t = {}
  for k, v in pairs(lib) do
    if not without[k] then t[k] = v end
  end
  return t
end

local function new_env()
  local env = {}
  for _, name in ipairs(ALLOWED) do env[name] = _G[name] end
  env.math = copy_lib(math, {random = true, randomseed = true})
  env.string = copy_lib(string, {dump = true})
  env.table = copy_lib(table, {})
  return setmetatable(env, {
    __index = function(_, k)
      error(fmt("unknown name '%s' (rules files may use only: %s)", tostring(k), ALLOWED_LIST), 2)
    end,
    __newindex = function(_, k)
      error(fmt("cannot set global '%s' in a rules file (use 'local %s = ...')",
        tostring(k), tostring(k)), 2)
    end,
  })
end

-- Runs fn(...) in a fresh coroutine under an instruction budget. Returns true, results... or
-- false, message (the message already carries "file:line:" when Lua gave one).
local function run_limited(budget, what, fn, ...)
  local co = coroutine.create(fn)
  if debug and debug.sethook then
    local used = 0
    debug.sethook(co, function()
      used = used + HOOK_EVERY
      if used > budget then
        error(fmt("stopped %s after %d instructions (an endless loop?)", what, budget), 2)
      end
    end, "", HOOK_EVERY)
  end
  local res = table.pack(coroutine.resume(co, ...))
  if res[1] and coroutine.status(co) ~= "dead" then
    return false, what .. ": rules code must not yield"
  end
  return table.unpack(res, 1, res.n)
end

---------------------------------------------------------------------------------------------
-- Locating a key path in the source, for "file:line:" in schema errors (best effort).

local SYMBOLS3 = {["..."] = true}
local SYMBOLS2 = {["=="] = true, ["~="] = true, ["<="] = true, [">="] = true, [".."] = true,
  ["::"] = true, ["//"] = true, ["<<"] = true, [">>"] = true}

-- Returns an array of tokens {t = "name"|"string"|"number"|"sym", v = text/value, line = n},
-- or nil if the text cannot be tokenized (the loader reports syntax errors itself).
local function tokenize(src)
  local toks, i, line, n = {}, 1, 1, #src
  local function count_lines(a, b)
    local _, c = src:sub(a, b):gsub("\n", "")
    line = line + c
  end
  while i <= n do
    local c = src:sub(i, i)
    if c == "\n" then
      line, i = line + 1, i + 1
    elseif c:match("%s") then
      i = i + 1
    elseif src:sub(i, i + 1) == "--" then
      local eq = src:match("^%[(=*)%[", i + 2)
      if eq then
        local _, e = src:find("]" .. eq .. "]", i, true)
        if not e then return nil end
        count_lines(i, e)
        i = e + 1
      else
        local e = src:find("\n", i, true) or n + 1
        i = e
      end
    elseif c == "[" and src:match("^%[=*%[", i) then
      local eq = src:match("^%[(=*)%[", i)
      local _, e = src:find("]" .. eq .. "]", i, true)
      if not e then return nil end
      toks[#toks + 1] = {t = "string", v = src:sub(i + #eq + 2, e - #eq - 2), line = line}
      count_lines(i, e)
      i = e + 1
    elseif c == '"' or c == "'" then
      local j, start_line = i + 1, line
      local buf = {}
      while true do
        local d = src:sub(j, j)
        if d == "" then return nil end
        if d == c then break end
        if d == "\\" then
          local nx = src:sub(j + 1, j + 1)
          if nx == "\n" then line = line + 1 end
          buf[#buf + 1] = nx
          j = j + 2
        else
          if d == "\n" then return nil end
          buf[#buf + 1] = d
          j = j + 1
        end
      end
      toks[#toks + 1] = {t = "string", v = table.concat(buf), line = start_line}
      i = j + 1
    elseif c:match("[%a_]") then
      local w = src:match("^[%w_]+", i)
      toks[#toks + 1] = {t = "name", v = w, line = line}
      i = i + #w
    elseif c:match("%d") or (c == "." and src:match("^%.%d", i)) then
      local w = src:match("^[%w_%.]+", i)
      while w:match("[eEpP]$") and src:match("^[%+%-]", i + #w) do
        w = w .. src:match("^[%+%-][%w_%.]*", i + #w)
      end
      toks[#toks + 1] = {t = "number", v = tonumber(w), line = line}
      i = i + #w
    else
      local s3, s2 = src:sub(i, i + 2), src:sub(i, i + 1)
      local s = SYMBOLS3[s3] and s3 or SYMBOLS2[s2] and s2 or c
      toks[#toks + 1] = {t = "sym", v = s, line = line}
      i = i + #s
    end
  end
  return toks
end

local OPENERS = {["function"] = true, ["do"] = true, ["if"] = true, ["repeat"] = true}
local CLOSERS = {["end"] = true, ["until"] = true}

-- Index of the "{" that the chunk returns (directly, or through "return name" where
-- "local name = {" appears at the top level), or nil.
local function returned_table(toks)
  local depth, ret, assigned = 0, nil, {}
  for k, tok in ipairs(toks) do
    if tok.t == "name" then
      if OPENERS[tok.v] then
        depth = depth + 1
      elseif CLOSERS[tok.v] then
        depth = depth - 1
      elseif depth == 0 and tok.v == "return" then
        ret = k
      elseif depth == 0 and toks[k + 1] and toks[k + 1].v == "=" and toks[k + 2]
          and toks[k + 2].v == "{" then
        assigned[tok.v] = k + 2
      end
    end
  end
  if not ret or not toks[ret + 1] then return nil end
  local nxt = toks[ret + 1]
  if nxt.v == "{" then return ret + 1 end
  if nxt.t == "name" then return assigned[nxt.v] end
  return nil
end

-- The fields of the table constructor whose "{" is at index open: an array of
-- {key = string|integer, key_tok = index, value_tok = index}.
local function constructor_fields(toks, open)
  local fields, k, pos = {}, open + 1, 0
  local function field_start(at)
    local tok = toks[at]
    if not tok or tok.v == "}" then return nil end
    if tok.t == "name" and toks[at + 1] and toks[at + 1].v == "=" then
      return {key = tok.v, key_tok = at, value_tok = at + 2}
    end
    local inner, close, eq = toks[at + 1], toks[at + 2], toks[at + 3]
    if tok.t == "sym" and tok.v == "[" and close and close.v == "]" and eq and eq.v == "="
        and (inner.t == "string" or inner.t == "number") then
      return {key = inner.v, key_tok = at, value_tok = at + 4}
    end
    pos = pos + 1
    return {key = pos, key_tok = at, value_tok = at}
  end
  local f = field_start(k)
  if f then fields[#fields + 1] = f end
  local brackets, blocks = 0, 0
  while toks[k] do
    local tok = toks[k]
    if tok.t == "sym" then
      if tok.v == "{" or tok.v == "(" or tok.v == "[" then
        brackets = brackets + 1
      elseif tok.v == "}" or tok.v == ")" or tok.v == "]" then
        if brackets == 0 then return fields end
        brackets = brackets - 1
      elseif (tok.v == "," or tok.v == ";") and brackets == 0 and blocks == 0 then
        f = field_start(k + 1)
        if f then fields[#fields + 1] = f end
      end
    elseif tok.t == "name" then
      if OPENERS[tok.v] then
        blocks = blocks + 1
      elseif CLOSERS[tok.v] then
        blocks = blocks - 1
      end
    end
    k = k + 1
  end
  return fields
end

-- Best-effort line of the value at path (an array of keys) in src, or of its nearest
-- enclosing table when a key is absent; nil when it cannot tell.
function M.locate(src, path)
  local ok, line = pcall(function()
    local toks = tokenize(src)
    if not toks then return nil end
    local open = returned_table(toks)
    if not open then return nil end
    local line_at = toks[open].line
    for depth, key in ipairs(path) do
      local found
      for _, f in ipairs(constructor_fields(toks, open)) do
        if f.key == key then found = f end
      end
      if not found then return line_at end
      local value = toks[found.value_tok]
      line_at = (value or toks[found.key_tok]).line
      if depth < #path then
        if not value or value.v ~= "{" then return line_at end
        open = found.value_tok
      end
    end
    return line_at
  end)
  return ok and line or nil
end

---------------------------------------------------------------------------------------------
-- Schemas

local function spec(kind, opts)
  local s = {kind = kind}
  for k, v in pairs(opts or {}) do s[k] = v end
  return s
end

function M.number(opts) return spec("number", opts) end
function M.integer(opts) return spec("integer", opts) end
function M.string(opts) return spec("string", opts) end
function M.boolean(opts) return spec("boolean", opts) end
function M.func(opts) return spec("function", opts) end
function M.record(fields, opts)
  local s = spec("record", opts)
  s.fields = fields
  return s
end
function M.array(items, opts)
  local s = spec("array", opts)
  s.items = items
  return s
end

local KIND_NAMES = {number = "a number", integer = "an integer", string = "a string",
  boolean = "true or false", ["function"] = "a function", record = "a table",
  array = "a list (a table like { a, b, c })"}

local function show(v)
  if type(v) == "string" then
    if #v > 40 then v = v:sub(1, 37) .. "..." end
    return (fmt("string %q", v):gsub("\\\n", "\\n"))
  elseif type(v) == "number" then
    return fmt("%s %s", math.type(v) == "integer" and "integer" or "number", tostring(v))
  end
  return type(v)
end

local function key_text(path)
  local parts = {}
  for i, k in ipairs(path) do
    if type(k) == "number" then
      parts[#parts + 1] = fmt("[%d]", k)
    elseif type(k) == "string" and k:match("^[%a_][%w_]*$") then
      parts[#parts + 1] = (i > 1 and "." or "") .. k
    else
      parts[#parts + 1] = fmt("[%q]", tostring(k))
    end
  end
  return table.concat(parts)
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

-- Checks v against s; returns nil, or a message and the path (array of keys) it is about.
local function check(v, s, path)
  local here = #path > 0 and key_text(path) or "the returned value"
  if v == nil then
    if s.optional then return nil end
    return fmt("%s is missing (must be %s)", here, KIND_NAMES[s.kind]), path
  end
  local kind = s.kind
  if kind == "number" or kind == "integer" then
    if type(v) ~= "number" then
      return fmt("%s must be %s (got %s)", here, KIND_NAMES[kind], show(v)), path
    end
    if kind == "integer" and math.type(v) ~= "integer" then
      if math.tointeger(v) == nil then
        return fmt("%s must be an integer (got %s)", here, show(v)), path
      end
    end
    if v ~= v then return fmt("%s must be a number (got nan)", here), path end
    if (s.min and v < s.min) or (s.max and v > s.max) then
      local range = s.min and s.max and fmt("between %s and %s", s.min, s.max)
        or s.min and fmt(">= %s", s.min) or fmt("<= %s", s.max)
      return fmt("%s must be %s (got %s)", here, range, tostring(v)), path
    end
  elseif kind == "string" then
    if type(v) ~= "string" then
      return fmt("%s must be a string (got %s)", here, show(v)), path
    end
    if s.pattern and not v:match(s.pattern) then
      return fmt("%s must be %s (got %s)", here, s.pattern_text or ("like " .. s.pattern), show(v)),
        path
    end
    if s.enum then
      local ok = false
      for _, e in ipairs(s.enum) do ok = ok or e == v end
      if not ok then
        return fmt("%s must be one of %s (got %s)", here, table.concat(s.enum, ", "), show(v)), path
      end
    end
  elseif kind == "boolean" then
    if type(v) ~= "boolean" then
      return fmt("%s must be true or false (got %s)", here, show(v)), path
    end
  elseif kind == "function" then
    if type(v) ~= "function" then
      return fmt("%s must be a function (got %s)", here, show(v)), path
    end
  elseif kind == "record" then
    if type(v) ~= "table" then
      return fmt("%s must be a table (got %s)", here, show(v)), path
    end
    for k in pairs(v) do
      if s.fields[k] == nil then
        local sub = {table.unpack(path)}
        sub[#sub + 1] = k
        return fmt("%s: unknown key (known keys here: %s)", key_text(sub),
          table.concat(sorted_keys(s.fields), ", ")), sub
      end
    end
    for _, name in ipairs(sorted_keys(s.fields)) do
      local sub = {table.unpack(path)}
      sub[#sub + 1] = name
      local msg, at = check(v[name], s.fields[name], sub)
      if msg then return msg, at end
    end
  elseif kind == "array" then
    if type(v) ~= "table" then
      return fmt("%s must be %s (got %s)", here, KIND_NAMES.array, show(v)), path
    end
    local n = #v
    for k in pairs(v) do
      if math.type(k) ~= "integer" or k < 1 or k > n then
        local sub = {table.unpack(path)}
        sub[#sub + 1] = k
        return fmt("%s: unknown key (%s is a list: write its items as { a, b, c })",
          key_text(sub), here), sub
      end
    end
    if (s.min_len and n < s.min_len) or (s.max_len and n > s.max_len) then
      return fmt("%s must have %s items (got %d)", here,
        s.min_len and s.max_len and fmt("%d to %d", s.min_len, s.max_len)
        or s.min_len and fmt("at least %d", s.min_len) or fmt("at most %d", s.max_len), n), path
    end
    for i = 1, n do
      local sub = {table.unpack(path)}
      sub[#sub + 1] = i
      local msg, at = check(v[i], s.items, sub)
      if msg then return msg, at end
    end
  else
    error("dm.rules: unknown schema kind " .. tostring(kind), 3)
  end
  if s.check then
    local ok, msg = s.check(v)
    if not ok then return fmt("%s: %s", here, msg or "is not valid"), path end
  end
  return nil
end

-- rules.validate(value, schema, name [, src]) -> true | nil, "name:line: message"
function M.validate(value, schema, name, src)
  local msg, path = check(value, schema, {})
  if not msg then return true end
  local line = src and path and #path > 0 and M.locate(src, path) or nil
  if line then return nil, fmt("%s:%d: %s", name, line, msg) end
  return nil, fmt("%s: %s", name, msg)
end

-- Replaces every function in t (recursively) by one that runs under the call budget.
local function guard_functions(t, name, seen)
  seen = seen or {}
  if seen[t] then return end
  seen[t] = true
  for k, v in pairs(t) do
    if type(v) == "function" then
      local what = fmt("%s: %s()", name, tostring(k))
      t[k] = function(...)
        local res = table.pack(run_limited(M.max_call_instructions, what, v, ...))
        if not res[1] then error(res[2], 0) end
        return table.unpack(res, 2, res.n)
      end
    elseif type(v) == "table" then
      guard_functions(v, name, seen)
    end
  end
end

-- rules.try_load(path, schema) -> tbl | nil, one-line message
function M.try_load(path, schema)
  local name = path:gsub("^%./", "")
  local f, err = io.open(path, "rb")
  if not f then return nil, fmt("%s: cannot read the rules file (%s)", name, err) end
  local src = f:read("a")
  f:close()
  if not src then return nil, fmt("%s: cannot read the rules file", name) end
  local chunk, serr = load(src, "@" .. name, "t", new_env())
  if not chunk then
    -- "rules/x.lua:5: '}' expected (to close '{' at line 2) near 'x'" is already one line
    return nil, (serr:gsub("\n.*", ""))
  end
  local res = table.pack(run_limited(M.max_load_instructions, "loading " .. name, chunk))
  if not res[1] then
    local msg = tostring(res[2]):gsub("\n.*", "")
    if not msg:find(name, 1, true) then msg = name .. ": " .. msg end
    return nil, msg
  end
  local value = res[2]
  if schema then
    local ok, verr = M.validate(value, schema, name, src)
    if not ok then return nil, verr end
  end
  if type(value) == "table" then guard_functions(value, name) end
  return value
end

-- rules.load(path, schema) -> tbl; raises the one-line message (error level 0: no position)
function M.load(path, schema)
  local value, err = M.try_load(path, schema)
  if err then error(err, 0) end
  return value
end

-- The folder of the rules files: <root>/rules where <root> holds lua/dm/rules.lua.
local function rules_dir()
  local src = debug and debug.getinfo and debug.getinfo(1, "S").source or ""
  local root = src:match("^@(.*)lua/dm/rules%.lua$")
  if root == nil or root == "" or root == "./" then return "rules/" end
  return root .. "rules/"
end

-- rules.path(name) -> path of a file in the rules folder
function M.path(name)
  return rules_dir() .. name
end

---------------------------------------------------------------------------------------------
-- Eligibility

local function range_check(t)
  if t.min > t.max then return false, fmt("min (%d) must not be above max (%d)", t.min, t.max) end
  return true
end

M.ELIGIBILITY_SCHEMA = M.record({
  fina_age = M.record({
    min = M.integer{min = 0, max = 120},
    max = M.integer{min = 0, max = 120},
  }, {check = range_check}),
  hs_grad_year = M.record({
    school_year_start_month = M.integer{min = 1, max = 12},
    classes = M.integer{min = 1, max = 20},
  }),
  grad_year_window = M.func(),
})

-- Parses "yyyy-MM-dd" into year, month, day (integers) or returns nil, message.
function M.parse_date(s)
  local y, m, d = tostring(s):match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not y or m < 1 or m > 12 or d < 1 then
    return nil, fmt("bad date %q (expected yyyy-MM-dd)", tostring(s))
  end
  local mdays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
  if y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) then mdays[2] = 29 end
  if d > mdays[m] then return nil, fmt("bad date %q (no such day)", tostring(s)) end
  return y, m, d
end

local function as_int(v)
  if type(v) == "string" then v = tonumber(v) end
  if type(v) ~= "number" then return nil end
  return math.tointeger(v)
end

-- rules.eligibility(run_date [, rules_or_path]) -> checker; raises on a bad date or bad rules.
function M.eligibility(run_date, rules)
  local year, month = M.parse_date(run_date)
  if not year then error("dm.rules.eligibility: " .. month, 2) end
  local name = "rules/eligibility.lua"
  if rules == nil or type(rules) == "string" then
    local path = rules or M.path("eligibility.lua")
    name = path:gsub("^%./", "")
    rules = M.load(path, M.ELIGIBILITY_SCHEMA)
  else
    local ok, err = M.validate(rules, M.ELIGIBILITY_SCHEMA, "eligibility rules")
    if not ok then error(err, 2) end
  end
  local first, last = rules.grad_year_window(year, month, rules.hs_grad_year)
  if math.type(first) ~= "integer" or math.type(last) ~= "integer" or first > last then
    error(fmt("%s: grad_year_window(%d, %d, hs_grad_year) must return two integers first <= last"
      .. " (got %s, %s)", name, year, month, tostring(first), tostring(last)), 0)
  end
  local fa_min, fa_max = rules.fina_age.min, rules.fina_age.max
  local c = {
    run_date = run_date,
    rules = rules,
    fina_age = {min = fa_min, max = fa_max},
    hs_grad_year = {first = first, last = last},
  }

  -- checker.check(info) -> eligible, rule, reason; info has fina_age/hs_grad_year (the parser's
  -- names) or finaAge/hsGradYear (the record's names); numbers or digit strings.
  function c.check(info)
    info = info or {}
    local fa = as_int(info.fina_age or info.finaAge)
    local gy = as_int(info.hs_grad_year or info.hsGradYear)
    local fa_text = fa and fmt("FINA age %d is %s %d-%d", fa,
      (fa >= fa_min and fa <= fa_max) and "within" or "outside", fa_min, fa_max) or "no FINA age"
    if fa and fa >= fa_min and fa <= fa_max then
      return true, "fina_age", fa_text
    end
    local gy_text = gy and fmt("graduation year %d is %s %d-%d (run date %s)", gy,
      (gy >= first and gy <= last) and "within" or "outside", first, last, run_date)
      or "no graduation year"
    if gy and gy >= first and gy <= last then
      return true, "hs_grad_year", fa_text .. "; " .. gy_text
    end
    if not fa and not gy then
      return false, "none", "neither a FINA age nor a graduation year on the profile"
    end
    return false, "none", fa_text .. "; " .. gy_text
  end

  return c
end

-- rules.explain(profile, ctx) -> text, eligible, rule, reason
-- profile: a dm.divemeets.parse result ({kind=, info=}) or an info table.
-- ctx: {run_date = "yyyy-MM-dd", eligibility = checker | rules table | path} or a checker.
function M.explain(profile, ctx)
  ctx = ctx or {}
  local checker = ctx.check and ctx or nil
  if not checker then
    local e = ctx.eligibility
    if type(e) == "table" and e.check then
      checker = e
    else
      local date = ctx.run_date
      if not date then
        local ok, t = pcall(require, "dm.core.time")
        local err
        if ok then date, err = t.today() else date = os.date("%Y-%m-%d") end
        if not date then error("dm.rules.explain: no run date: " .. tostring(err), 2) end
      end
      checker = M.eligibility(date, e)
    end
  end
  local info = profile and (profile.info or (profile.kind == nil and profile)) or nil
  local who = ""
  if info then
    local id = info.divemeets_id or info.id
    local nm = info.name or (info.firstName and
      (info.firstName .. " " .. (info.lastName or ""))) or nil
    local parts = {}
    if id then parts[#parts + 1] = tostring(id) end
    if nm then parts[#parts + 1] = nm end
    who = table.concat(parts, " ")
    if who ~= "" then who = who .. ": " end
  end
  if profile and profile.kind and profile.kind ~= "profile" then
    local reason = fmt("the page is not a diver profile (%s)", profile.kind)
    return "not eligible: " .. reason, false, "none", reason
  end
  if not info then
    local reason = "no personal information on the profile"
    return "not eligible: " .. reason, false, "none", reason
  end
  local eligible, rule, reason = checker.check(info)
  local text = eligible and fmt("%seligible by %s: %s", who, rule, reason)
    or fmt("%snot eligible: %s", who, reason)
  return text, eligible, rule, reason
end

---------------------------------------------------------------------------------------------
-- Filters and safety thresholds

local function share(min, max) return M.number{min = min, max = max} end

M.FILTERS_SCHEMA = M.record({
  linked_accounts = M.record({
    exclude = M.boolean{},
    file = M.string{pattern = "^[^%z\n]+$", pattern_text = "a file name"},
    scan_chunk_size = M.integer{min = 1, max = 150},
  }),
  exclude_ids = M.array(M.string{pattern = "^%d+$", pattern_text = "a DiveMeets id (digits)"}),
  safety = M.record({
    max_failed_share = share(0, 1),
    max_delete_share = share(0, 1),
    deletes_always_allowed = M.integer{min = 0},
  }),
})

-- rules.load_filters([path]) -> the validated rules/filters.lua table (raises one line)
function M.load_filters(path)
  return M.load(path or M.path("filters.lua"), M.FILTERS_SCHEMA)
end

-- rules.read_ids(path) -> set (id -> true), count, absent
-- One DiveMeets id per line; blank lines and lines starting with '#' are skipped. A missing
-- file gives an empty set and absent = true. A line that is not an id gives nil, message.
function M.read_ids(path)
  local f, err, code = io.open(path, "r")
  if not f then
    if code == 2 then return {}, 0, true end -- ENOENT
    return nil, fmt("%s: cannot read (%s)", path, err)
  end
  local set, n, lineno = {}, 0, 0
  for line in f:lines() do
    lineno = lineno + 1
    local id = line:gsub("^%s+", ""):gsub("%s+$", "")
    if id ~= "" and id:sub(1, 1) ~= "#" then
      if not id:match("^%d+$") then
        f:close()
        return nil, fmt("%s:%d: not a DiveMeets id: %q", path, lineno, id)
      end
      id = id:gsub("^0+(%d)", "%1")
      if not set[id] then
        set[id] = true
        n = n + 1
      end
    end
  end
  f:close()
  return set, n, false
end

local function pct(x) return fmt("%.1f%%", x * 100) end

-- rules.safety_check(safety, counts [, name]) -> true | false, reason
-- counts: scanned (ids fetched or attempted), failed, blocked, existing (live records before
-- the run), deletes (records the run would delete). Absent counts are 0.
function M.safety_check(safety, counts, name)
  name = name or "rules/filters.lua"
  local scanned = counts.scanned or 0
  local bad = (counts.failed or 0) + (counts.blocked or 0)
  if scanned > 0 and bad / scanned > safety.max_failed_share then
    return false, fmt("%s of the pages failed or were blocked (%d of %d); the limit is %s "
      .. "(%s safety.max_failed_share)", pct(bad / scanned), bad, scanned,
      pct(safety.max_failed_share), name)
  end
  local existing, deletes = counts.existing or 0, counts.deletes or 0
  if deletes > safety.deletes_always_allowed and deletes > safety.max_delete_share * existing then
    return false, fmt("the run would delete %d of %d existing records (%s); the limit is %s "
      .. "beyond %d deletions (%s safety.max_delete_share)", deletes, existing,
      existing > 0 and pct(deletes / existing) or "all", pct(safety.max_delete_share),
      safety.deletes_always_allowed, name)
  end
  return true
end

-- rules.filters{path=, state_dir=, rules=, linked=} -> filter
-- path: the filters rules file (default rules/filters.lua); rules: an already loaded table
-- instead; state_dir: where linked_accounts.file is read (default "./var"); linked: a set of
-- linked ids obtained elsewhere (the DynamoDB backend), which skips reading the file.
-- Raises one line on bad rules or a bad linked-ids file.
function M.filters(opts)
  opts = opts or {}
  local path = opts.path or M.path("filters.lua")
  local name = path:gsub("^%./", "")
  local r = opts.rules
  if r then
    local ok, err = M.validate(r, M.FILTERS_SCHEMA, "filters rules")
    if not ok then error(err, 2) end
  else
    r = M.load(path, M.FILTERS_SCHEMA)
  end
  local f = {rules = r, linked_count = 0, linked_absent = false}
  local linked = {}
  if r.linked_accounts.exclude then
    if opts.linked then
      linked = opts.linked
    else
      local file = r.linked_accounts.file
      if file:sub(1, 1) ~= "/" then file = (opts.state_dir or "./var") .. "/" .. file end
      f.linked_file = file
      local set, n, absent = M.read_ids(file)
      if not set then error(n, 0) end
      linked, f.linked_absent = set, absent
    end
    for _ in pairs(linked) do f.linked_count = f.linked_count + 1 end
  end
  local extra = {}
  for _, id in ipairs(r.exclude_ids) do extra[id] = true end

  -- filter.excluded(id) -> nil | "linked" | "exclude_ids"
  function f.excluded(id)
    id = tostring(id)
    if linked[id] then return "linked" end
    if extra[id] then return "exclude_ids" end
    return nil
  end

  -- filter.safety(counts) -> true | false, reason (see rules.safety_check)
  function f.safety(counts)
    return M.safety_check(r.safety, counts, name)
  end

  return f
end

return M
