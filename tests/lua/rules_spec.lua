-- rules_spec: dm.rules loading: the sandbox (no I/O, no globals, no endless loops), schema
-- checks, and the one-line errors an analyst sees, with the file and, where possible, the line.
local rules = require "dm.rules"

local written = {}
local function write(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  written[#written + 1] = path
  return path
end

local SCHEMA = rules.record({
  name = rules.string{},
  window = rules.record({min = rules.integer{min = 0}, max = rules.integer{min = 0}}),
  share = rules.number{min = 0, max = 1, optional = true},
  levels = rules.array(rules.record({name = rules.string{}, points = rules.number{}}),
    {optional = true}),
  pick = rules.func{optional = true},
})

-- Loads text as a rules file; returns the table, or nil and the message with the file's path
-- replaced by "F" so the expectations read like what an analyst sees.
local function try(text, schema)
  local path = write(text)
  local t, err = rules.try_load(path, schema == nil and SCHEMA or schema or nil)
  if err then
    assert.is_nil(err:find("\n"), "the message must be one line: " .. err)
    err = err:gsub(path:gsub("%p", "%%%0"), "F")
  end
  return t, err
end

describe("dm.rules.load", function()
  teardown(function()
    for _, p in ipairs(written) do os.remove(p) end
  end)

  it("loads a valid file and returns its table", function()
    local t = assert(try([[
      local low = 14
      return { name = "x", window = { min = low, max = low + 4 }, share = 0.02,
               levels = { { name = "a", points = 1 }, { name = "b", points = 2.5 } } }
    ]]))
    assert.same({min = 14, max = 18}, t.window)
    assert.equal(2.5, t.levels[2].points)
  end)

  -- Worked examples of bad files: {file text, the expected one-line message}
  local bad = {
    {"return { name = 'x' window = {} }",
      "F:1: '}' expected near 'window'"},
    {"return {\n  name = 'x',\n  window = { min = '14', max = 18 },\n}",
      'F:3: window.min must be an integer (got string "14")'},
    {"return {\n  name = 'x',\n  window = { min = 14.5, max = 18 },\n}",
      "F:3: window.min must be an integer (got number 14.5)"},
    {"return {\n  name = 'x',\n  window = { min = 14, max = 18, mx = 3 },\n}",
      "F:3: window.mx: unknown key (known keys here: max, min)"},
    {"return {\n  name = 'x',\n  window = { min = 14 },\n}",
      "F:3: window.max is missing (must be an integer)"},
    {"return {\n  name = 'x',\n  window = { min = -1, max = 2 },\n}",
      "F:3: window.min must be >= 0 (got -1)"},
    {"return { name = 'x', window = { min = 1, max = 2 }, share = 50 }",
      "F:1: share must be between 0 and 1 (got 50)"},
    {"return {\n name = 'x', window = { min = 1, max = 2 },\n levels = {\n"
      .. "  { name = 'a', points = 1 },\n  { name = 'b',\n    points = '50' },\n },\n}",
      'F:6: levels[2].points must be a number (got string "50")'},
    {"return { name = 'x', window = { min = 1, max = 2 }, levels = { [5] = {} } }",
      "F:1: levels[5]: unknown key (levels is a list: write its items as { a, b, c })"},
    {"return 42", "F: the returned value must be a table (got integer 42)"},
    {"local f = io.open('/etc/passwd')\nreturn {}", "F:1: unknown name 'io'"},
    {"os.execute('touch /tmp/dmhost-pwned')\nreturn {}", "F:1: unknown name 'os'"},
    {"local x = require('dm.rules')", "F:1: unknown name 'require'"},
    {"return { name = load('return 1')() }", "F:1: unknown name 'load'"},
    {"dofile('/etc/passwd')", "F:1: unknown name 'dofile'"},
    {"print('hi')", "F:1: unknown name 'print'"},
    {"setmetatable({}, {})", "F:1: unknown name 'setmetatable'"},
    {"local d = debug", "F:1: unknown name 'debug'"},
    {"return string.dump(function() end)", "F:1: attempt to call a nil value"}, -- no dump
    {"limit = 3\nreturn {}",
      "F:1: cannot set global 'limit' in a rules file (use 'local limit = ...')"},
    {"local n = 0\nwhile true do n = n + 1 end",
      "F:2: stopped loading F after 10000000 instructions (an endless loop?)"},
    {"error('deliberately broken')", "F:1: deliberately broken"},
  }
  for i, case in ipairs(bad) do
    it(string.format("gives one clear line for bad file %d: %s", i, case[2]), function()
      local t, err = try(case[1])
      assert.is_nil(t)
      assert.equal(case[2], err:sub(1, #case[2]))
    end)
  end

  it("does not run the I/O of a bad file", function()
    os.remove("/tmp/dmhost-pwned")
    try("os.execute('touch /tmp/dmhost-pwned')")
    assert.is_nil(io.open("/tmp/dmhost-pwned"))
  end)

  it("refuses bytecode", function()
    local path = write(string.dump(function() return {} end))
    local t, err = rules.try_load(path)
    assert.is_nil(t)
    assert.matches("attempt to load a binary chunk", err, 1, true)
  end)

  it("reports an unreadable file", function()
    local t, err = rules.try_load("/nonexistent/rules/x.lua", SCHEMA)
    assert.is_nil(t)
    assert.equal("/nonexistent/rules/x.lua: cannot read the rules file "
      .. "(/nonexistent/rules/x.lua: No such file or directory)", err)
  end)

  it("raises the same line from load()", function()
    local path = write("return { name = 1 }")
    local ok, err = pcall(rules.load, path, SCHEMA)
    assert.is_false(ok)
    assert.equal(path .. ":1: name must be a string (got integer 1)", err)
  end)

  it("gives rules functions the same sandbox and an instruction budget per call", function()
    local t = assert(try([[
      return { name = "x", window = { min = 1, max = 2 },
        pick = function(mode)
          if mode == "loop" then while true do end end
          if mode == "global" then return undefined_thing end
          return ("ok"):upper(), math.max(1, 2), table.concat({ "a", "b" }, "+")
        end }
    ]]))
    assert.same({"OK", 2, "a+b"}, {t.pick("fine")})
    local ok, err = pcall(t.pick, "global")
    assert.is_false(ok)
    assert.matches(":4: unknown name 'undefined_thing'", err, 1, true)
    ok, err = pcall(t.pick, "loop")
    assert.is_false(ok)
    assert.matches(":3: stopped .*pick%(%) after 1000000 instructions", err)
  end)

  it("keeps the rules' copies of string, math and table apart from the host's", function()
    assert(try("string.upper = nil; math.pi = 3; table.concat = nil\n" ..
      "return { name = 'x', window = { min = 1, max = 2 } }"))
    assert.equal("ABC", string.upper("abc"))
    assert.is_true(math.pi > 3.14)
    assert.equal("a", table.concat({"a"}))
    local t, err = try("return { name = tostring(math.random()) }")
    assert.is_nil(t)
    assert.matches("attempt to call a nil value", err, 1, true)
  end)

  it("finds lines through a returned local table", function()
    local t, err = try("local r = {\n  name = 'x',\n  window = {\n    min = 1,\n    max = 'two',\n"
      .. "  },\n}\nreturn r")
    assert.is_nil(t)
    assert.equal('F:5: window.max must be an integer (got string "two")', err)
  end)
end)

describe("dm.rules.locate", function()
  local src = [=[
-- a comment with { braces } and "quotes"
local x = { 1, 2 }
return {
  a = 1, b = "two",   --[==[ long
  comment ]==]
  c = { d = { 10, 20,
    30 }, ["e f"] = [[long
string]], g = 7 },
  h = function(p, q) local u, v = 1, 2 if p then return { u } end return v end,
  i = 9,
}]=]
  local cases = {
    {{"a"}, 4}, {{"b"}, 4}, {{"c"}, 6}, {{"c", "d"}, 6}, {{"c", "d", 3}, 7},
    {{"c", "e f"}, 7}, {{"c", "g"}, 8}, {{"h"}, 9}, {{"i"}, 10},
    {{"zz"}, 3},        -- an absent key: the line of the enclosing table
    {{"c", "zz"}, 6},
  }
  for _, case in ipairs(cases) do
    it("locates " .. table.concat(case[1], "."), function()
      assert.equal(case[2], rules.locate(src, case[1]))
    end)
  end
  it("gives nil when it cannot tell", function()
    assert.is_nil(rules.locate("return f()", {"a"}))
    assert.is_nil(rules.locate("return { 'unterminated }", {"a"}))
  end)
end)

describe("dm.rules.parse_date", function()
  it("parses and checks yyyy-MM-dd", function()
    assert.same({2024, 2, 29}, {rules.parse_date("2024-02-29")})
    assert.is_nil((rules.parse_date("2023-02-29")))
    assert.is_nil((rules.parse_date("2023-13-01")))
    assert.is_nil((rules.parse_date("2023-1-01")))
    assert.is_nil((rules.parse_date("20231130")))
    assert.is_nil((rules.parse_date(nil)))
  end)
end)
